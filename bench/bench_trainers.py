"""Skip-gram trainers side by side: gensim (1 and 2 workers), the PyTorch trainer (1 process, and 2 processes
of a gloo group on loopback; or a GPU with ``--device cuda``), on the same walk corpora; then Last.fm test
quality of each trainer over a few seeds (with and without the typed negatives of metapath2vec++).

Needs no database: the Last.fm user x artist plays (``data/lastfm-hetrec2011``) are split per user (20 %
held out, :func:`mp2v.evaluation.split.holdout_split`) and walked in memory (R-MP2V's weighted
User-Artist-User walks, :class:`mp2v.models.mp2v.MatrixWalks`); the scale corpus walks the scale study's
10^6-interaction catalogue (:mod:`bench.catalogue`, 5 walks of 20 per user as in the study).
One command writes ``results/trainers.md`` and ``.json``::

    python -m bench.bench_trainers                 # CPU; resumable: finished rows are kept in the JSON
    python -m bench.bench_trainers --device cuda   # the same on a GPU, with peak GPU memory

``--quick`` is a smoke run (tiny settings), not results.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from bench.catalogue import CatalogueSpec, generate
from mp2v.common.files import read_json, write_json, write_text
from mp2v.evaluation.metrics import evaluate_topk
from mp2v.evaluation.ranking import top_k_batched
from mp2v.evaluation.split import holdout_split
from mp2v.models.mp2v import MP2V, MatrixWalks, Mp2vParams
from mp2v.training import gensim_sgns
from mp2v.training.gensim_sgns import TrainConfig
from mp2v.training.torch_options import TorchOptions, torch_available
from mp2v.types import Device, Trainer

ROOT = Path(__file__).resolve().parent.parent
LASTFM = ROOT / "data" / "lastfm-hetrec2011" / "user_artists.dat.gz"


@dataclass(frozen=True)
class Settings:
    epochs: int = 5
    dimensions: int = 128
    walks_per_node: int = 10
    walk_length: int = 40
    seeds: int = 3
    #: Interactions of the scale study's synthetic catalogue (bench.catalogue) walked for the throughput rows.
    scale_interactions: int = 1_000_000
    scale_epochs: int = 1


QUICK = Settings(epochs=1, dimensions=16, walks_per_node=1, walk_length=10, seeds=2,
                 scale_interactions=20_000)


def lastfm_matrix() -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """Users x artists, log(1 + plays) weights, with the ids of rows and columns."""
    plays = pd.read_csv(LASTFM, sep="\t")
    users, user_rows = np.unique(plays["userID"].to_numpy(), return_inverse=True)
    items, item_cols = np.unique(plays["artistID"].to_numpy(), return_inverse=True)
    matrix = sp.csr_matrix((np.log1p(plays["weight"].to_numpy(np.float64)), (user_rows, item_cols)),
                           shape=(users.size, items.size))
    return matrix, users, items


def catalogue_matrix(settings: Settings) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """The scale study's catalogue at ``scale_interactions`` (same generator and seed), log(1 + plays) weights."""
    catalogue = generate(CatalogueSpec(interactions=settings.scale_interactions))
    users, rows = np.unique(catalogue.users, return_inverse=True)
    items, cols = np.unique(catalogue.items, return_inverse=True)
    matrix = sp.csr_matrix((np.log1p(catalogue.plays.astype(np.float64)), (rows, cols)), shape=(users.size, items.size))
    matrix.sum_duplicates()
    return matrix, users, items


def _throughput_rows(device: Device) -> list[tuple[str, str, Callable[[TrainConfig], Any]]]:
    rows: list[tuple[str, str, Callable[[TrainConfig], Any]]] = [
        ("gensim", "1 worker", lambda c: ("gensim", replace(c, workers=1), None)),
        ("gensim", "2 workers", lambda c: ("gensim", replace(c, workers=2), None)),
    ]
    if torch_available():
        where = "GPU" if device == Device.CUDA else "1 thread"
        rows += [
            ("torch", f"1 process, {where}", lambda c: ("torch", replace(c, workers=1), TorchOptions(device))),
            ("torch-typed", f"1 process, {where}",
             lambda c: ("torch-typed", replace(c, workers=1), TorchOptions(device))),
            ("torch", "2 processes (gloo)" if device != Device.CUDA else "2 processes (nccl)",
             lambda c: ("torch", replace(c, workers=1), TorchOptions(device, processes=2))),
        ]
    return rows


def throughput(corpus: Path, config: TrainConfig, device: Device) -> list[dict[str, Any]]:
    """words/s of each trainer on ``corpus``; peak GPU memory for torch on a GPU."""
    results = []
    for name, setup, make in _throughput_rows(device):
        trainer, cfg, options = make(config)
        peak = None
        if trainer == "gensim":
            speed = gensim_sgns.train(corpus, cfg, progress=False).words_per_second
            extra: dict[str, float] = {}
        else:
            import torch

            from mp2v.training.torch_launch import train_torch

            if torch.cuda.is_available():
                torch.cuda.reset_peak_memory_stats()
            result, extra = train_torch(corpus, cfg, options, typed=trainer == "torch-typed")
            speed = result.words_per_second
            if torch.cuda.is_available() and options.processes == 1:
                peak = torch.cuda.max_memory_allocated() / 2**20
        # The machine is shared: the 1-minute load average beside each row says how busy it was.
        results.append({"trainer": name, "setup": setup, "words_per_s": round(speed), "peak_gpu_mib": peak,
                        "allreduce_mb_per_rank": extra.get("allreduce_mb_per_rank"),
                        "load_average": round(os.getloadavg()[0], 1)})
        print(f"  {name:<12} {setup:<24} {speed:>12,.0f} words/s"
              + (f", peak GPU {peak:,.0f} MiB" if peak is not None else ""), flush=True)
    return results


def quality_trainers() -> list[tuple[str, Trainer, int]]:
    """(row label, trainer, worker threads). gensim is measured with 1 worker too: its 2-worker runs score
    higher on Last.fm, so the 1-thread torch rows are compared with the 1-worker ones (the same settings)."""
    extra = [("torch", Trainer.TORCH, 1), ("torch-typed", Trainer.TORCH_TYPED, 1)] if torch_available() else []
    return [("gensim", Trainer.GENSIM, 2), ("gensim 1 worker", Trainer.GENSIM, 1), *extra,
            ("numba-typed", Trainer.NUMBA_TYPED, 2)]


def quality_run(split: Any, users: np.ndarray, items: np.ndarray, settings: Settings, trainer: Trainer,
                seed: int, device: Device, workers: int = 1) -> dict[str, Any]:
    """Fit R-MP2V with ``trainer`` on ``workers`` threads (walks and training seeded by ``seed``); test Recall@20
    and NDCG@20."""
    config = TrainConfig(dimensions=settings.dimensions, epochs=settings.epochs, workers=workers, seed=seed)
    source = MatrixWalks(users, items, walks_per_node=settings.walks_per_node, walk_length=settings.walk_length,
                         weighted=True, seed=seed)
    model = MP2V(Mp2vParams(train=config, trainer=trainer, torch=TorchOptions(device)), source).fit(split.train)
    evaluated = np.flatnonzero(np.diff(split.test.indptr) > 0).astype(np.int64)
    top = top_k_batched(model.score, evaluated, 20, exclude=split.train)
    truth = split.test[evaluated]
    report = evaluate_topk(top, truth, ks=(20,))
    seconds = model.report.timings["train"] if model.report is not None else float("nan")
    return {"trainer": str(trainer), "seed": seed, "recall@20": report.means["recall@20"],
            "ndcg@20": report.means["ndcg@20"], "train_seconds": seconds}


def _spread(values: list[float]) -> str:
    if len(values) < 2:
        return f"{values[0]:.4f}"
    return f"{statistics.mean(values):.4f} ± {statistics.stdev(values):.4f} [{min(values):.4f}, {max(values):.4f}]"


def markdown(data: dict[str, Any]) -> str:
    lines = ["# Skip-gram trainers: throughput and Last.fm quality", "",
             f"Written by `{data['command']}` on {data['machine']} ({data['date']}). Settings: "
             f"`{data['settings']}`. Device: {data['device']}. {data['note']}", ""]
    for corpus in data["throughput"]:
        lines += [f"## Throughput: {corpus['corpus']} ({corpus['tokens']:,} tokens, {corpus['epochs']} epoch(s))", "",
                  "| trainer | setup | words/s | peak GPU MiB | all-reduced MB per rank | load avg |",
                  "|---|---|---:|---:|---:|---:|"]
        for row in corpus["rows"]:
            peak = f"{row['peak_gpu_mib']:,.0f}" if row["peak_gpu_mib"] is not None else "-"
            sent = f"{row['allreduce_mb_per_rank']:,.1f}" if row["allreduce_mb_per_rank"] else "-"
            load = row.get("load_average", "-")
            lines.append(f"| {row['trainer']} | {row['setup']} | {row['words_per_s']:,} | {peak} | {sent} | {load} |")
        lines.append("")
    lines += ["## Last.fm test quality (R-MP2V walks, per-user 20 % holdout)", "",
              "Mean ± standard deviation [min, max] over seeds (each seed: its own walks and initialisation).", "",
              "| trainer | threads | seeds | Recall@20 | NDCG@20 | train s (mean) |", "|---|---:|---:|---|---|---:|"]
    for trainer in dict.fromkeys(row["trainer"] for row in data["quality"]):
        rows = [row for row in data["quality"] if row["trainer"] == trainer]
        threads = rows[0].get("workers", 2 if trainer in ("gensim", "numba-typed") else 1)  # rows before the column
        lines.append(f"| {trainer} | {threads} | {len(rows)} | {_spread([r['recall@20'] for r in rows])} | "
                     f"{_spread([r['ndcg@20'] for r in rows])} | "
                     f"{statistics.mean(r['train_seconds'] for r in rows):.1f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", type=Device, default=Device.CPU, choices=list(Device))
    parser.add_argument("--quick", action="store_true", help="Tiny settings: a smoke run, not results.")
    parser.add_argument("--seeds", type=int, default=None)
    parser.add_argument("--no-scale", action="store_true", help="Skip the scale-catalogue corpus.")
    parser.add_argument("--out", type=Path, default=ROOT / "results", help="Folder for trainers.md and .json.")
    args = parser.parse_args()
    settings = QUICK if args.quick else Settings()
    if args.seeds:
        settings = replace(settings, seeds=args.seeds)
    json_path = args.out / "trainers.json"
    previous = read_json(json_path, "trainer results") if json_path.exists() else {}
    resumable = previous.get("settings") == asdict(settings) and previous.get("device") == str(args.device)
    data: dict[str, Any] = {
        "command": "python -m bench.bench_trainers" + (" --quick" if args.quick else "")
                   + (" --no-scale" if args.no_scale else "")
                   + (f" --device {args.device}" if args.device != Device.CPU else ""),
        "machine": f"{platform.machine()}, {len(os.sched_getaffinity(0))} cores",
        "date": time.strftime("%Y-%m-%d"), "settings": asdict(settings), "device": str(args.device),
        "note": "" if torch_available() else "torch is not installed: the torch rows are missing.",
        "throughput": previous.get("throughput", []) if resumable else [],
        "quality": previous.get("quality", []) if resumable else []}

    def save() -> None:
        write_json(json_path, data)
        write_text(args.out / "trainers.md", markdown(data))

    matrix, users, items = lastfm_matrix()
    split = holdout_split(matrix, 0.2, seed=42)
    corpora = [("Last.fm R-MP2V walks", lambda: (split.train, users, items), settings.epochs, settings.walks_per_node,
                settings.walk_length)]
    if not args.no_scale:
        corpora.append((f"scale study catalogue, {settings.scale_interactions:,} interactions",
                        lambda: catalogue_matrix(settings), settings.scale_epochs, 5, 20))  # the study's walks
    done = {row["corpus"] for row in data["throughput"]}
    for name, build, epochs, walks, length in corpora:
        if name in done:
            continue
        train, rows, cols = build()
        with tempfile.TemporaryDirectory(prefix="bench-trainers-") as folder:
            corpus = MatrixWalks(rows, cols, walks_per_node=walks, walk_length=length, seed=1).walk(
                train, Path(folder) / "walks.txt", progress=False)
            print(f"{name}: {corpus.tokens:,} tokens, {epochs} epoch(s)", flush=True)
            config = TrainConfig(dimensions=settings.dimensions, epochs=epochs)
            data["throughput"].append({"corpus": name, "tokens": corpus.tokens, "epochs": epochs,
                                       "rows": throughput(corpus.path, config, args.device)})
        save()
    finished = {(row["trainer"], row["seed"]) for row in data["quality"]}
    for seed in range(1, settings.seeds + 1):
        for label, trainer, workers in quality_trainers():
            if (label, seed) in finished:
                continue
            row = {**quality_run(split, users, items, settings, trainer, seed, args.device, workers),
                   "trainer": label, "workers": workers}
            print(f"  quality {label:<16} seed {seed}: Recall@20 {row['recall@20']:.4f}, "
                  f"NDCG@20 {row['ndcg@20']:.4f} ({row['train_seconds']:.0f} s)", flush=True)
            data["quality"].append(row)
            save()
    save()
    print(f"wrote {args.out / 'trainers.md'} and {json_path}")


if __name__ == "__main__":
    main()
