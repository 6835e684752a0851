"""iALS fit time with BLAS's own thread pool against one BLAS thread, on the vendored Last.fm plays.

    python -m bench.ials_threads                       # results/ials-threads.md
    python -m bench.ials_threads --repeats 5 --setting 128x15 --setting 1536x3 --busy-setting 128x15

``implicit`` fits iALS with its own threads (one per core here) and each of them calls BLAS; with a BLAS
pool under each, the cores are oversubscribed. ``mp2v.models.implicit_models.IALS`` therefore fits with
BLAS held to one thread. This probe times both ways, alternated so that drift on a shared machine falls on
both, at each setting ("<factors>x<iterations>"; 1536x3 is the Last.fm holdout benchmark's choice), and
says how far the two fits' factors and top-20 lists differ (the summation order changes, so they are not
bit-equal). ``--busy-setting`` times a setting again while one process per core multiplies matrices, as
another job on a shared machine would. No database: it reads ``data/lastfm-hetrec2011/user_artists.dat.gz``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from implicit.cpu.als import AlternatingLeastSquares
from threadpoolctl import threadpool_info, threadpool_limits

from mp2v.common.files import write_text
from mp2v.config import checkout_root
from mp2v.models.base import InputTransform
from mp2v.models.implicit_models import available_cores

PLAYS = Path("data/lastfm-hetrec2011/user_artists.dat.gz")


def plays_matrix(root: Path) -> sp.csr_matrix:
    """Users x artists of play counts, as iALS's confidence (alpha 10, the benchmark's choice)."""
    frame = pd.read_csv(root / PLAYS, sep="\t")
    users = frame["userID"].astype("category").cat.codes.to_numpy()
    items = frame["artistID"].astype("category").cat.codes.to_numpy()
    plays = sp.csr_matrix((frame["weight"].to_numpy(np.float32), (users, items)))
    return InputTransform("confidence", 10.0).apply(plays)


Factors = tuple[np.ndarray, np.ndarray]


def fit(matrix: sp.csr_matrix, factors: int, iterations: int) -> tuple[float, Factors]:
    start = time.perf_counter()
    model = AlternatingLeastSquares(factors=factors, regularization=100.0, alpha=1.0, dtype=np.float32,
                                    iterations=iterations, num_threads=available_cores(), random_state=0)
    model.fit(matrix, show_progress=False)
    return time.perf_counter() - start, (np.asarray(model.user_factors), np.asarray(model.item_factors))


def _spin(stop: multiprocessing.synchronize.Event) -> None:
    with threadpool_limits(1, "blas"):
        block = np.random.default_rng(0).random((256, 256))
        while not stop.is_set():
            block @ block


@contextmanager
def busy(cores: int) -> Iterator[None]:
    """``cores`` processes doing matrix products until the block ends (another job on the machine)."""
    stop = multiprocessing.Event()
    workers = [multiprocessing.Process(target=_spin, args=(stop,), daemon=True) for _ in range(cores)]
    for worker in workers:
        worker.start()
    try:
        yield
    finally:
        stop.set()
        for worker in workers:
            worker.join()


def compare(matrix: sp.csr_matrix, setting: str, repeats: int, load: str) -> str:
    """One table row: both ways ``repeats`` times, alternated."""
    factors, iterations = (int(part) for part in setting.split("x"))
    pooled, single = [], []
    for repeat in range(repeats):
        seconds, pooled_fit = fit(matrix, factors, iterations)
        pooled.append(seconds)
        with threadpool_limits(1, "blas"):
            seconds, single_fit = fit(matrix, factors, iterations)
        single.append(seconds)
        print(f"{setting} {load} repeat {repeat}: BLAS pool {pooled[-1]:.1f} s, one BLAS thread {single[-1]:.1f} s",
              flush=True)
    difference = float(np.abs(pooled_fit[0] - single_fit[0]).max() / np.abs(pooled_fit[0]).mean())
    return (f"| {factors} | {iterations} | {load} | {statistics.median(pooled):.1f} | {statistics.median(single):.1f} "
            f"| {statistics.median(p / s for p, s in zip(pooled, single, strict=True)):.1f} "
            f"| {difference:.2g} | {top20_overlap(pooled_fit, single_fit):.3f} |")


def top20_overlap(first: Factors, second: Factors) -> float:
    lists = [np.argpartition(-(users[:500] @ items.T), 20, axis=1)[:, :20] for users, items in (first, second)]
    return float(np.mean([len(set(a) & set(b)) / 20 for a, b in zip(*lists, strict=True)]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--setting", action="append", help="<factors>x<iterations> (repeatable)")
    parser.add_argument("--busy-setting", action="append", help="timed again beside busy processes (repeatable)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--report", type=Path, default=None, help="default: results/ials-threads.md")
    args = parser.parse_args()
    root = checkout_root() or Path.cwd()
    matrix = plays_matrix(root)
    pools = ", ".join(f"{info['internal_api']} {info['num_threads']} threads" for info in threadpool_info()
                      if info["user_api"] == "blas")
    rows = [compare(matrix, setting, args.repeats, "none") for setting in args.setting or ["128x15", "1536x3"]]
    with busy(available_cores()):
        rows += [compare(matrix, setting, args.repeats, f"{available_cores()} busy processes")
                 for setting in args.busy_setting or ["128x15"]]
    report = "\n".join([
        "# iALS: BLAS's own thread pool against one BLAS thread", "",
        f"Produced by `python -m bench.ials_threads` on {time.strftime('%Y-%m-%d')} ({available_cores()} cores; "
        f"BLAS: {pools}); Last.fm plays {matrix.shape[0]:,} x {matrix.shape[1]:,}, {matrix.nnz:,} entries; "
        f"implicit's threads: {available_cores()}; medians of {args.repeats} alternated fits.", "",
        "| factors | iterations | other load | BLAS pool s | one BLAS thread s | ratio (median of pairs) "
        "| max factor difference / mean | top-20 overlap (500 users) |",
        "|---:|---:|:---|---:|---:|---:|---:|---:|", *rows, ""])
    path = write_text(args.report or root / "results" / "ials-threads.md", report)
    print(report)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
