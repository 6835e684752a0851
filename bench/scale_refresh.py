"""The daily refresh against a full retrain, on a generated catalogue with a 1 % delta.

From one catalogue (bench/catalogue.py): a per-user random 20 % of the interactions is the test set and is
never loaded; of the rest, the delta is 1 %: every interaction of 0.5 % of the users (new users), of 0.5 % of
the items (new items), and random interactions of returning users up to 1 %. The base (the rest) is
bulk-loaded, walked and trained from scratch (the previous run) and served under the alias ``live``. Then:

* ``mp2v refresh``'s code path (mp2v/experiments/refresh.py) loads the delta, walks, trains warm for ``WARM_EPOCHS``;
  then it serves the new run and swaps the alias while 4 client threads query it (errors and which run
  answered are counted);
* the delta is loaded a second time and the relationship count must not change (idempotence);
* a full retrain walks the same graph and trains from scratch (``EPOCHS``, the study's setting);
* all three runs are judged on the test set (Recall@20 / NDCG@20, up to 2,000 sampled users);
* the warm epoch is repeated at each learning rate of ``WARM_ALPHAS`` from the same walks and judged on the
  held-out rows of up to 2,000 other users (validation: the judged users' rows are never read for it); the
  best is judged once on the test users.

It WIPES the database of the local server it uses; run it with ``--wipe`` on a private home and port::

    MP2V_HOME=.mp2v/refresh MP2V_BOLT_PORT=7714 MP2V_HEAP=1g MP2V_PAGECACHE=512m \\
        python -m bench.scale_refresh --wipe --interactions 1000000

It writes ``results/scale_refresh.json`` and prints a Markdown table (docs/scale.md quotes it).
"""

from __future__ import annotations

import argparse
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from bench.catalogue import CatalogueSpec, generate
from bench.scale_stages import DIMENSIONS, EPOCHS, WALK_LENGTH, WALKS_PER_NODE, K
from mp2v.common.files import write_json

RESULTS = Path(__file__).resolve().parents[1] / "results"
#: Epochs of the warm-started refresh (the full retrain runs the study's EPOCHS from scratch).
WARM_EPOCHS = 1
WARM = f"refresh (warm, {WARM_EPOCHS} epoch(s))"
#: Learning rates of the warm epoch compared on validation users (the refresh's default, RefreshConfig.alpha,
#: is the one this comparison chose; 0.025 is a full run's).
WARM_ALPHAS = (0.025, 0.01, 0.005, 0.0025, 0.001, 0.0005, 0.00025)
FULL = f"full retrain ({EPOCHS} epochs)"


def split_catalogue(interactions: int, seed: int = 7) -> dict[str, Any]:
    """(users, items, plays) arrays of base, delta and test, and the delta's composition."""
    catalogue = generate(CatalogueSpec(interactions=interactions, seed=seed))
    rng = np.random.default_rng(seed + 1)
    users, items, plays = catalogue.users, catalogue.items, catalogue.plays
    test = rng.random(users.size) < 0.2
    new_users = rng.random(users.max() + 1) < 0.005
    new_items = rng.random(items.max() + 1) < 0.005
    delta = ~test & (new_users[users] | new_items[items])
    wanted = int(0.01 * (~test).sum())
    rest = np.flatnonzero(~test & ~delta)
    extra = rng.choice(rest, max(0, wanted - int(delta.sum())), replace=False)
    delta[extra] = True
    base = ~test & ~delta
    parts = {name: (users[mask], items[mask], plays[mask]) for name, mask in
             (("base", base), ("delta", delta), ("test", test))}
    composition = {"delta_interactions": int(delta.sum()), "delta_share": round(float(delta.sum() / (~test).sum()), 4),
                   "new_users": int(np.setdiff1d(users[delta], users[base]).size),
                   "new_items": int(np.setdiff1d(items[delta], items[base]).size),
                   "base_interactions": int(base.sum()), "test_interactions": int(test.sum())}
    return {"parts": parts, "composition": composition, "shape": (int(users.max()) + 1, int(items.max()) + 1)}


def write_part(part: tuple[np.ndarray, np.ndarray, np.ndarray], path: Path) -> Path:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    path.parent.mkdir(parents=True, exist_ok=True)
    users, items, plays = part
    pacsv.write_csv(pa.table({"user": users + 1, "item": items + 1, "weight": plays}), path)
    return path


def judge(embeddings: Any, parts: dict[str, Any], shape: tuple[int, int], users: np.ndarray) -> dict[str, float]:
    from mp2v.evaluation.metrics import evaluate_topk
    from mp2v.evaluation.ranking import top_k_batched
    from mp2v.models.mp2v import AlignedScores
    from mp2v.types import ScoringRule

    def matrix(name: str) -> sp.csr_matrix:
        u, i, _ = parts[name]
        return sp.csr_matrix((np.ones(u.size, np.float32), (u, i)), shape=shape)

    train = (matrix("base") + matrix("delta")).tocsr()
    truth = matrix("test")
    scores = AlignedScores(embeddings, ScoringRule.DOT, np.arange(1, shape[0] + 1), np.arange(1, shape[1] + 1),
                           train)
    topk = top_k_batched(scores, users, K, exclude=train, batch_size=256)
    report = evaluate_topk(topk, truth[users], (K,))
    return {f"recall@{K}": round(report.means[f"recall@{K}"], 4), f"ndcg@{K}": round(report.means[f"ndcg@{K}"], 4)}


def main(argv: list[str] | None = None) -> None:
    from loaders import LoadOptions, rejects_folder, run_load
    from loaders.csv_generic import CsvConfig, build_plan
    from mp2v.config import load_settings
    from mp2v.db.admin import graph_stats
    from mp2v.db.check import connect
    from mp2v.embeddings.store import Embeddings, RunStore
    from mp2v.experiments.refresh import DeltaFiles, RefreshConfig, load_delta, refresh, warm_train_config
    from mp2v.graph.model import read_model
    from mp2v.ops.server import start_local
    from mp2v.serving.live import LiveServer, serve_and_swap
    from mp2v.training import gensim_sgns
    from mp2v.training.warm_start import warm_train
    from mp2v.types import ScoringRule
    from mp2v.walks.config import WalkConfig
    from mp2v.walks.run import default_metapath, run_walks

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--wipe", action="store_true")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    settings = load_settings()
    if not args.wipe or not settings.neo4j.local:
        parser.error("the benchmark replaces the database: pass --wipe, and use the local server (no NEO4J_URI)")
    folder = settings.paths.home / f"refresh-{args.interactions}"
    data = split_catalogue(args.interactions)
    parts, shape = data["parts"], data["shape"]
    base_csv = write_part(parts["base"], folder / "base.csv")
    delta_csv = write_part(parts["delta"], folder / "delta.csv")
    store = RunStore(folder / "runs")
    out: dict[str, Any] = {"interactions": args.interactions, **data["composition"]}
    dataset = f"refresh-{args.interactions}"
    settings, _ = start_local(settings)
    config = CsvConfig(interactions=base_csv, dataset=dataset, weight_transform="log1p")
    with connect(settings.neo4j) as runner:
        run_load(lambda v: build_plan(config, v), runner, LoadOptions(bulk=True, force=True, progress=False),
                 rejects_dir=rejects_folder(settings.paths.home, dataset), server=settings.server)
    settings, _ = start_local(settings)

    def walk_and_train(runner: Any, name: str) -> tuple[Any, float]:
        started = time.monotonic()
        model = read_model(runner)
        walk = WalkConfig(metapaths=(default_metapath(model),), walks_per_node=WALKS_PER_NODE, walk_length=WALK_LENGTH)
        run_walks(runner, walk, folder / f"{name}.txt", progress=False)
        train = gensim_sgns.TrainConfig(dimensions=DIMENSIONS, epochs=EPOCHS)
        result = gensim_sgns.train(folder / f"{name}.txt", train, progress=False)
        tokens, inputs, outputs = gensim_sgns.input_vectors(result.model)
        run = store.save("R-MP2V", Embeddings.from_tokens(tokens, inputs, outputs, model),
                         {"dataset": model.dataset, "scoring": "dot"})
        return run, time.monotonic() - started

    with connect(settings.neo4j) as runner:
        previous, out["previous_fit_seconds"] = walk_and_train(runner, "base")
        model = read_model(runner)
        serve_and_swap(runner, model, previous, "live", ScoringRule.DOT)
        answered: dict[str, int] = {}
        errors: list[str] = []
        stop = threading.Event()
        sample = np.random.default_rng(5)
        users_pool = (parts["base"][0][sample.integers(0, parts["base"][0].size, 500)] + 1).tolist()

        def client(seed: int) -> None:
            live = LiveServer(runner, model, "live")
            picks = np.random.default_rng(seed)
            while not stop.is_set():
                try:
                    run_id, _ = live.recommend(users_pool[int(picks.integers(len(users_pool)))], K)
                    answered[run_id] = answered.get(run_id, 0) + 1
                except Exception as error:  # every failure during the swap counts
                    errors.append(str(error))
        # The refresh's steps up to the new run, then the swap with clients querying the alias (clients only
        # during serve + swap, so that they do not slow the steps that are compared with the full retrain).
        result = refresh(runner, settings, RefreshConfig(delta=DeltaFiles(delta_csv), previous_run=previous.run_id,
                                                         alias="live", epochs=WARM_EPOCHS, serve=False), store=store,
                         corpus=folder / "refresh.txt")
        clients = [threading.Thread(target=client, args=(seed,)) for seed in range(4)]
        for thread in clients:
            thread.start()
        try:
            time.sleep(1.0)
            started = time.monotonic()
            serve_and_swap(runner, model, result.run, "live", ScoringRule.DOT)
            result.seconds["serve_and_swap"] = time.monotonic() - started
            result.seconds["total"] += result.seconds["serve_and_swap"]
            time.sleep(2.0)
        finally:
            stop.set()
            for thread in clients:
                thread.join()
        out["refresh_seconds"] = {k: round(v, 2) for k, v in result.seconds.items()}
        out["refresh_alpha"] = result.run.metadata["alpha"]
        out["warm_start"] = vars(result.warm)
        out["during_swap"] = {"queries": sum(answered.values()), "errors": len(errors),
                              "first_error": errors[0] if errors else "",
                              "answered_by_previous": answered.get(previous.run_id, 0),
                              "answered_by_refreshed": answered.get(result.run.run_id, 0)}
        before = graph_stats(runner, with_degrees=False).relationships
        load_delta(runner, settings, DeltaFiles(delta_csv))
        out["idempotent_reload"] = {"relationships_before": before,
                                    "relationships_after": graph_stats(runner, with_degrees=False).relationships}
        full, out["full_retrain_seconds"] = walk_and_train(runner, "full")
        model = read_model(runner)
    tested = np.flatnonzero(np.bincount(parts["test"][0], minlength=shape[0]) > 0)
    judged = np.sort(np.random.default_rng(0).choice(tested, min(2_000, tested.size), replace=False))
    others = np.setdiff1d(tested, judged)
    validation = np.sort(np.random.default_rng(1).choice(others, min(2_000, others.size), replace=False))
    out["quality"] = {name: judge(run.embeddings, parts, shape, judged) for name, run in
                      (("previous (base only)", previous), (WARM, result.run), (FULL, full))}
    warm: dict[float, Any] = {}
    for alpha in WARM_ALPHAS:
        train = warm_train_config(DIMENSIONS, WARM_EPOCHS, alpha)
        trained, _ = warm_train(folder / "refresh.txt", train, previous.embeddings, model)
        warm[alpha] = Embeddings.from_tokens(*gensim_sgns.input_vectors(trained.model), model)
    out["warm_alpha_validation"] = {str(alpha): judge(vectors, parts, shape, validation)
                                    for alpha, vectors in warm.items()}
    chosen = max(WARM_ALPHAS, key=lambda a: sum(out["warm_alpha_validation"][str(a)].values()))
    out["warm_alpha_chosen"] = chosen
    out["quality"][f"refresh, warm alpha {chosen:g} (chosen on validation)"] = judge(warm[chosen], parts, shape,
                                                                                    judged)
    write_json(args.results / "scale_refresh.json", out)
    print(markdown(out))


def markdown(out: dict[str, Any]) -> str:
    warm = f"refresh (load + walk + warm train {WARM_EPOCHS} epoch(s) at {out['refresh_alpha']:g} + serve + swap)"
    chosen = f"refresh, warm alpha {out['warm_alpha_chosen']:g} (chosen on validation)"
    rows = ((warm, WARM, out["refresh_seconds"]["total"]),
            (f"full retrain (walk + train {EPOCHS} epochs, no serve)", FULL, out["full_retrain_seconds"]),
            ("previous run (base only, no delta)", "previous (base only)", None),
            (chosen, chosen, None))
    lines = ["| run | seconds | Recall@20 | NDCG@20 |", "|---|---:|---:|---:|"]
    for title, key, seconds in rows:
        figures = out["quality"][key]
        shown = f"{seconds:,.1f}" if seconds is not None else "-"
        lines.append(f"| {title} | {shown} | {figures['recall@20']:.4f} | {figures['ndcg@20']:.4f} |")
    lines += ["", "| warm learning rate | validation Recall@20 | NDCG@20 |", "|---:|---:|---:|"]
    lines += [f"| {alpha} | {figures['recall@20']:.4f} | {figures['ndcg@20']:.4f} |"
              for alpha, figures in out["warm_alpha_validation"].items()]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
