"""Side information on the loaded graph: train and store EGES (``mp2v eges``), and the cold-start study
(``mp2v study coldstart`` -> ``results/coldstart-<dataset>.md`` + ``.json``)."""

from __future__ import annotations

import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from mp2v.common.files import write_json, write_text
from mp2v.db.runner import QueryRunner
from mp2v.embeddings.store import RunStore, StoredRun
from mp2v.experiments.coldstart_eval import Log, PartResult, StudySettings, cold_items, cold_users
from mp2v.experiments.protocols import read_interactions
from mp2v.graph.model import graph_fingerprint, read_model
from mp2v.graph.side_info import read_side_info, side_metapath
from mp2v.models.eges import EGES, Aggregation, EgesParams
from mp2v.models.mp2v import GraphWalks
from mp2v.training.gensim_sgns import TrainConfig
from mp2v.walks.config import StartNodes, WalkConfig
from mp2v.walks.run import default_metapath

ColdStartConfig = StudySettings


def train_graph_eges(runner: QueryRunner, store: RunStore, walks_dir: Path, *, aggregation: Aggregation,
                     max_side: int, walks_per_node: int, side_walks_per_node: int, walk_length: int,
                     dimensions: int, window: int, epochs: int, workers: int, seed: int) -> StoredRun:
    """EGES on the graph's walks: the user metapath, plus ``Item-feature->Feature<-feature-Item`` walks from
    every item (so feature nodes are walked too), every interaction used; stored with its side vectors."""
    model = read_model(runner)
    table = read_interactions(runner, model)
    side = read_side_info(runner, model)
    metapaths = [default_metapath(model)]
    if side_walks_per_node:
        metapaths.append(replace(side_metapath(model), walks_per_node=side_walks_per_node))
    walk = WalkConfig(metapaths=tuple(metapaths), walks_per_node=walks_per_node, walk_length=walk_length,
                      start=StartNodes.FIRST, weighted=True, seed=seed)
    source = GraphWalks(runner, walk, model, table.user_ids, table.item_ids)
    params = EgesParams(train=TrainConfig(dimensions=dimensions, window=window, epochs=epochs, workers=workers,
                                          seed=seed), aggregation=aggregation, max_side=max_side)
    walks_dir.mkdir(parents=True, exist_ok=True)
    eges = EGES(params, source, side, corpus_path=walks_dir / f"{model.dataset}-eges.txt").fit(table.matrix)
    method = "EGES" if aggregation is Aggregation.ATTENTION else "GES"
    return eges.save(store, method, {"dataset": model.dataset, "stage": "all",
                                     "graph_fingerprint": graph_fingerprint(runner),
                                     "metapaths": [str(m) for m in metapaths]})


def run_coldstart_study(runner: QueryRunner, config: StudySettings, out: Path, *,
                        progress: Log = lambda _: None) -> tuple[Path, Path]:
    """Both cold-start evaluations on the loaded dataset; writes the Markdown and JSON results."""
    started = time.monotonic()
    model = read_model(runner)
    table = read_interactions(runner, model)
    side = read_side_info(runner, model).aligned(table.item_ids)
    items = cold_items(table.matrix, side, table.user_ids, config, progress)
    users = cold_users(table.matrix, table.user_ids, table.item_ids, config, progress)
    result: dict[str, Any] = {
        "dataset": model.dataset, "settings": asdict(config), "seconds": round(time.monotonic() - started, 1),
        "shape": list(table.matrix.shape), "features": int(side.feature_ids.size),
        "cold_items": asdict(items), "cold_users": asdict(users)}
    stem = out / f"coldstart-{model.dataset}"
    json_path = write_json(stem.with_suffix(".json"), result)
    md_path = write_text(stem.with_suffix(".md"), report(result))
    return md_path, json_path


def _table(part: PartResult | dict[str, Any], reference: str) -> list[str]:
    means = part["means"] if isinstance(part, dict) else part.means
    tests = part["tests"] if isinstance(part, dict) else part.tests
    metrics = list(next(iter(means.values())))
    lines = ["| method | " + " | ".join(metrics) + " |", "|---" * (len(metrics) + 1) + "|"]
    best = {m: max(values[m] for values in means.values()) for m in metrics}
    for name, values in means.items():
        cells = [f"**{values[m]:.4f}**" if values[m] == best[m] else f"{values[m]:.4f}" for m in metrics]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", f"Paired Wilcoxon tests per user ({reference} minus the other; 95 % bootstrap CI):", "",
              "| vs | metric | diff | CI | p | better/worse/tied | verdict |", "|---|---|---|---|---|---|---|"]
    for t in tests:
        verdict = ("no significant difference" if t["p_value"] >= 0.05
                   else f"{reference} wins" if t["mean_diff"] > 0 else f"{reference} loses")
        lines.append(f"| {t['b']} | {t['metric']} | {t['mean_diff']:+.4f} | [{t['ci_low']:+.4f}, "
                     f"{t['ci_high']:+.4f}] | {t['p_value']:.2g} | {t['n_better']}/{t['n_worse']}/{t['n_tied']} | "
                     f"{verdict} |")
    return lines


def report(result: dict[str, Any]) -> str:
    """The Markdown report of a study result (everything in it comes from ``result``)."""
    items, users, settings = result["cold_items"], result["cold_users"], result["settings"]
    lines = [f"# Cold start on {result['dataset']}", "",
             f"Written by `mp2v study coldstart` ({result['seconds']:.0f} s); {result['shape'][0]:,} users x "
             f"{result['shape'][1]:,} items, {result['features']:,} side-information features; seed "
             f"{settings['seed']}, {settings['dimensions']} dimensions, {settings['epochs']} epochs, "
             f"{settings['walks_per_node']} walks per node of length {settings['walk_length']}. Method details: "
             "docs/coldstart.md.", "",
             "## Cold-start items", "",
             f"Every interaction of {items['counts']['cold_items']:,} random items ({settings['item_share']:.0%} of "
             f"the items with interactions and side information) hidden from training; those items are ranked, "
             f"from side information only, for the {items['counts']['users']:,} users who consumed them "
             f"({items['counts']['hidden_interactions']:,} hidden interactions).", "",
             *_table(items, "EGES"), "",
             "## Cold-start users", "",
             f"{users['counts']['held_out_users']:,} users held out of training entirely; each reveals "
             f"{users['counts']['revealed']} random items and is judged on the rest. Fold-in took "
             f"{users['seconds']['fold_in_ms_per_user']:.1f} ms per user (fold-in and scoring every item).", "",
             *_table(users, "R-MP2V fold-in"), ""]
    return "\n".join(lines)
