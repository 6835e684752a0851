"""LightGCN and BPR on RecBole's Last.fm protocol (random 8:1:1 per user, all items ranked), trained the way
RecBole-GNN trains them, to compare with its published Recall@10 / NDCG@10 (LightGCN 0.2064 / 0.1972,
BPR 0.1761 / 0.1674).

Needs no database: the Last.fm user x artist plays (``data/lastfm-hetrec2011``) are split exactly as
``mp2v benchmark lastfm --protocol ratio-8-1-1`` splits them (same seed, same matrix fingerprint, checked).
Every configuration is trained on train with early stopping on validation NDCG@10 (RecBole's rule; evaluated
every ``--every`` epochs, stopping after ``--patience`` evaluations without gain), then judged twice on test:

- ``recbole``: the train-only model at its best validation epoch (how RecBole reports);
- ``refit``: refitted on train + validation for the chosen epochs (how ``mp2v benchmark`` reports).

One command writes ``results/lastfm-ratio-8-1-1-recbole.md`` and ``.json``::

    python -m bench.recbole_lastfm            # needs torch (the gnn extra) for the LightGCN / Adam-BPR rows
    python -m bench.recbole_lastfm --quick    # smoke run (tiny settings), not results

Resumable: finished rows are kept in the JSON and skipped. Without torch the torch rows are skipped (and the
report says so); the implicit (SGD) BPR rows still run.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from mp2v.common.files import read_json, write_json, write_text
from mp2v.evaluation.metrics import evaluate_topk
from mp2v.evaluation.ranking import top_k_batched
from mp2v.evaluation.split import fingerprint, three_way_split
from mp2v.models.lightgcn import LightGCN, LightGCNParams
from mp2v.training.torch_options import torch_available

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "lastfm-hetrec2011" / "user_artists.dat.gz"
#: The fingerprint of the matrix ``mp2v benchmark lastfm`` reads from Neo4j (its saved split records it).
LASTFM_FINGERPRINT = "e2a9584347d062eb23846e2a2644a408c7bdebe776fadc27d8b75555df1fa64f"
PUBLISHED = {"LightGCN": (0.2064, 0.1972), "BPR": (0.1761, 0.1674), "MHCN": (0.2123, 0.2068),
             "SEPT": (0.2127, 0.2057)}
METRICS = ("recall@10", "ndcg@10", "recall@20", "ndcg@20")


@dataclass(frozen=True)
class Config:
    """One row: a trainer (``lightgcn``: torch LightGCN, layers 0 = BPR-MF with Adam; ``implicit``: implicit's
    SGD BPR) and its fixed parameters; the number of epochs is chosen by early stopping."""

    name: str
    trainer: str
    params: dict[str, Any] = field(default_factory=dict)
    max_epochs: int = 600


CONFIGS = [
    Config("LightGCN, RecBole settings (64-d, 2 layers, lr 1e-3, l2 1e-4)", "lightgcn",
           {"dim": 64, "layers": 2, "learning_rate": 1e-3, "l2": 1e-4}, 600),
    Config("BPR-MF Adam, RecBole settings (64-d, lr 1e-3, no l2)", "lightgcn",
           {"dim": 64, "layers": 0, "learning_rate": 1e-3, "l2": 0.0}, 600),
    Config("BPR implicit SGD, benchmark's choice (128 f, lr 0.018, reg 0.01)", "implicit",
           {"factors": 128, "learning_rate": 0.018, "regularization": 0.01}, 600),
    Config("BPR implicit SGD (64 f, lr 0.05, reg 0.001)", "implicit",
           {"factors": 64, "learning_rate": 0.05, "regularization": 0.001}, 600),
    Config("BPR implicit SGD (128 f, lr 0.01, reg 0.01)", "implicit",
           {"factors": 128, "learning_rate": 0.01, "regularization": 0.01}, 600),
    Config("BPR implicit SGD (128 f, lr 0.01, reg 0.03)", "implicit",
           {"factors": 128, "learning_rate": 0.01, "regularization": 0.03}, 600),
    Config("BPR implicit SGD (256 f, lr 0.01, reg 0.01)", "implicit",
           {"factors": 256, "learning_rate": 0.01, "regularization": 0.01}, 600),
    Config("BPR implicit SGD (128 f, lr 0.003, reg 0.01)", "implicit",
           {"factors": 128, "learning_rate": 0.003, "regularization": 0.01}, 600),
    Config("LightGCN, project defaults (128-d, 2 layers, lr 5e-3, l2 1e-3)", "lightgcn",
           {"dim": 128, "layers": 2, "learning_rate": 5e-3, "l2": 1e-3}, 400),
    Config("BPR-MF Adam (64-d, lr 5e-3, l2 1e-3)", "lightgcn",
           {"dim": 64, "layers": 0, "learning_rate": 5e-3, "l2": 1e-3}, 400),
]


def lastfm_split(seed: int = 42) -> tuple[sp.csr_matrix, sp.csr_matrix, sp.csr_matrix]:
    """(train, validation, test) of the benchmark's ratio-8-1-1 split, binarised."""
    frame = pd.read_csv(DATA, sep="\t")
    users, rows = np.unique(frame.userID.to_numpy(), return_inverse=True)
    items, cols = np.unique(frame.artistID.to_numpy(), return_inverse=True)
    matrix = sp.csr_matrix((frame.weight.to_numpy(np.float32), (rows, cols)), shape=(users.size, items.size))
    matrix.sum_duplicates()
    if fingerprint(matrix) != LASTFM_FINGERPRINT:
        raise SystemExit(f"{DATA}: not the matrix the benchmark split (fingerprint differs); restore it from git")
    split = three_way_split(matrix, 0.1, 0.1 / 0.9, seed, 2)
    return tuple((m != 0).astype(np.float32).tocsr() for m in (split.train, split.validation, split.test))


class Trainable:
    """A model that can be trained a few epochs more and scored (LightGCN's ``continue_training``; implicit's
    BPR keeps its factors when ``fit`` is called again, so each call trains ``iterations`` more)."""

    def __init__(self, config: Config, train: sp.csr_matrix, threads: int, seed: int = 0) -> None:
        self.config, self.train, self.threads, self.seed = config, train, threads, seed
        self.model: Any = None
        self.epochs = 0

    def step(self, epochs: int) -> None:
        if self.config.trainer == "lightgcn":
            if self.model is None:
                params = LightGCNParams(**self.config.params, epochs=epochs, seed=self.seed, threads=self.threads)
                self.model = LightGCN(params).fit(self.train)
            else:
                self.model.continue_training(epochs)
        else:
            from implicit.cpu.bpr import BayesianPersonalizedRanking

            if self.model is None:
                p = self.config.params
                self.model = BayesianPersonalizedRanking(
                    factors=p["factors"], learning_rate=p["learning_rate"], regularization=p["regularization"],
                    dtype=np.float32, iterations=epochs, num_threads=1, random_state=self.seed)
            self.model.iterations = epochs
            self.model.random_state = self.seed + self.epochs  # fresh samples per call, still seeded
            self.model.fit(self.train, show_progress=False)
        self.epochs += epochs

    def score(self, users: np.ndarray) -> np.ndarray:
        if self.config.trainer == "lightgcn":
            return np.asarray(self.model.score(users))
        scores = self.model.user_factors[users] @ self.model.item_factors.T
        cold = np.asarray((self.train != 0).sum(axis=0)).ravel() == 0
        scores[:, cold] = -np.inf
        return np.asarray(scores)


def judge(score: Callable[[np.ndarray], np.ndarray], exclude: sp.csr_matrix, truth: sp.csr_matrix) -> dict[str, float]:
    topk = top_k_batched(score, np.arange(truth.shape[0]), 20, exclude=exclude)
    means = evaluate_topk(topk, truth, ks=(10, 20)).means
    return {m: round(float(means[m]), 4) for m in METRICS}


def run_config(config: Config, split: tuple[sp.csr_matrix, ...], every: int, patience: int, threads: int,
               log: Callable[[str], None], save: Callable[[dict[str, Any]], None] = lambda row: None,
               searched: dict[str, Any] | None = None) -> dict[str, Any]:
    """Early stopping on validation NDCG@10 and test at the best epoch (``save``d before the refit, so a run
    cut off during the refit keeps them; ``searched`` resumes there), then a refit on train + validation."""
    train, validation, test = split
    row = searched or search(config, split, every, patience, threads, log)
    save(row)
    refit_started = time.monotonic()
    final = Trainable(config, (train + validation).tocsr(), threads)
    final.step(row["epochs"])
    return {**row, "refit": judge(final.score, train + validation, test),
            "refit_s": round(time.monotonic() - refit_started, 1)}


def search(config: Config, split: tuple[sp.csr_matrix, ...], every: int, patience: int, threads: int,
           log: Callable[[str], None]) -> dict[str, Any]:
    train, validation, test = split
    started = time.monotonic()
    model = Trainable(config, train, threads)
    best: dict[str, Any] = {"validation": {"ndcg@10": -1.0}}
    since = 0
    while model.epochs < config.max_epochs and since < patience:
        model.step(every)
        valid = judge(model.score, train + test, validation)
        if valid["ndcg@10"] > best["validation"]["ndcg@10"]:
            best = {"epochs": model.epochs, "validation": valid, "recbole": judge(model.score, train + validation,
                                                                                  test)}
            since = 0
        else:
            since += 1
        log(f"  {config.name} epoch {model.epochs}: valid N@10 {valid['ndcg@10']:.4f} R@10 {valid['recall@10']:.4f}")
    return {"name": config.name, "trainer": config.trainer, "params": config.params, **best,
            "stopped_at": model.epochs, "search_s": round(time.monotonic() - started, 1), "refit": None,
            "refit_s": None}


def saved_rows(path: Path) -> dict[str, dict[str, Any]]:
    """The finished rows of an earlier run, by name (none when the file is missing)."""
    saved = read_json(path, "results") if path.exists() else {"rows": []}
    return {row["name"]: row for row in saved["rows"]}


def markdown(rows: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    lines = ["# LightGCN and BPR on RecBole's Last.fm protocol (random 8:1:1)", "",
             f"Produced by `{meta['command']}` on {meta['date']} ({meta['machine']}; load average at the end "
             f"{meta['load']}); wall time of this run {meta['wall_min']:.1f} min (rows already in the JSON are "
             "reused).", "",
             "Same split as `mp2v benchmark lastfm --protocol ratio-8-1-1` (matrix fingerprint checked). Each row "
             f"trains on train with early stopping on validation NDCG@10 (checked every {meta['every']} epochs, "
             f"stopping after {meta['patience']} checks without gain). `RecBole test` = the train-only model at "
             "its best validation epoch, ranked against all items except the user's train and validation items "
             "(RecBole's reporting); `refit test` = the same settings refitted on train + validation for the "
             "chosen epochs (the benchmark's reporting).", ""]
    if meta.get("skipped"):
        lines += [f"Skipped: {meta['skipped']}.", ""]
    lines += ["| configuration | epochs | valid R@10 | valid N@10 | RecBole test R@10 | N@10 | refit test R@10 "
              "| N@10 | search s | refit s |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        v, r, f = row["validation"], row["recbole"], row["refit"] or {"recall@10": math.nan, "ndcg@10": math.nan}
        lines.append(f"| {row['name']} | {row['epochs']} | {v['recall@10']:.4f} | {v['ndcg@10']:.4f} | "
                     f"{r['recall@10']:.4f} | {r['ndcg@10']:.4f} | {f['recall@10']:.4f} | {f['ndcg@10']:.4f} | "
                     f"{row['search_s']:.0f} | {row['refit_s'] or math.nan:.0f} |")
    lines += ["", "RecBole-GNN published (test, Recall@10 / NDCG@10): "
              + "; ".join(f"{k} {a:.4f} / {b:.4f}" for k, (a, b) in PUBLISHED.items()) + ".", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "results")
    parser.add_argument("--every", type=int, default=10)
    parser.add_argument("--patience", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)  # 2 OpenMP threads crawl on a busy box
    parser.add_argument("--only", default="", help="Run only the rows whose trainer is this (lightgcn, implicit) "
                        "or whose name contains it; "
                        "two such runs can share the JSON (rows are merged on every write).")
    parser.add_argument("--quick", action="store_true", help="Tiny settings: a smoke run, not results.")
    args = parser.parse_args()
    started = time.monotonic()
    stem = "lastfm-ratio-8-1-1-recbole" + ("-quick" if args.quick else "")
    json_path, md_path = args.out / f"{stem}.json", args.out / f"{stem}.md"
    rows = saved_rows(json_path)
    split = lastfm_split()
    configs = CONFIGS
    if args.quick:
        configs = [Config(c.name, c.trainer, {**c.params, **({"dim": 8} if "dim" in c.params else {"factors": 8})},
                          4) for c in CONFIGS[::2]]
        args.every, args.patience = 2, 1
    skipped = [] if torch_available() else [c.name for c in configs if c.trainer == "lightgcn"]

    def save(row: dict[str, Any]) -> None:
        merged = {**saved_rows(json_path), row["name"]: row}  # another --only run may have added rows meanwhile
        write_json(json_path, {"rows": list(merged.values())})

    for config in configs:
        done = rows.get(config.name, {}).get("refit") is not None
        if done or config.name in skipped or args.only not in ("", config.trainer) and args.only not in config.name:
            continue
        print(f"{config.name} ...", flush=True)
        save(run_config(config, split, args.every, args.patience, args.threads, lambda line: print(line, flush=True),
                        save, rows.get(config.name)))
    rows = {**rows, **saved_rows(json_path)}
    ordered = [rows[c.name] for c in configs if c.name in rows]
    meta = {"command": "python -m bench.recbole_lastfm" + (" --quick" if args.quick else ""),
            "date": time.strftime("%Y-%m-%d"), "machine": f"{platform.machine()}, {os.cpu_count()} cores",
            "load": " ".join(f"{x:.1f}" for x in os.getloadavg()), "wall_min": (time.monotonic() - started) / 60,
            "every": args.every, "patience": args.patience,
            "skipped": ", ".join(skipped) + " (torch is not installed: pip install 'mp2v[gnn]')" if skipped else ""}
    write_json(json_path, {"meta": meta, "rows": ordered, "published": PUBLISHED})
    write_text(md_path, markdown(ordered, meta))
    print(f"wrote {md_path} and {json_path}")


if __name__ == "__main__":
    main()
