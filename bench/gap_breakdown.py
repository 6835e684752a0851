"""Where one MP2V model wins and loses against a baseline: the benchmark's test results split by user group.

    python -m bench.gap_breakdown results/lastfm-fast.json --against iALS
    python -m bench.gap_breakdown results/lastfm-leave-one-out-fast.json --protocol leave-one-out --against iALS

Nothing is fitted or judged again: the benchmark's cached test results (per-user metrics and top-20 lists, in
its folder under MP2V_HOME, checked against the parameters in the results JSON) are read back and split

- by the user's activity (quartiles of the user's training interactions) and volume (of their weights),
- by how popular the user's held-out items are (quartiles of their mean log training popularity),

with each group's mean Recall@20 / NDCG@20 for both methods and a paired Wilcoxon test of the difference;
then both methods' top-20 slots are counted by the popularity decile of the recommended item. Test was read
once, by the benchmark; this only describes where the difference it measured comes from. Writes
``results/<results name>-breakdown.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from mp2v.common.files import atomic_path
from mp2v.common.tables import markdown_table
from mp2v.config import Settings, checkout_root, load_settings
from mp2v.db.runner import QueryRunner
from mp2v.evaluation.results import MethodResult
from mp2v.evaluation.significance import paired_comparison
from mp2v.experiments.benchmark.run import Benchmark, BenchmarkConfig
from mp2v.experiments.protocols import Protocol, ProtocolConfig
from mp2v.graph.model import read_model

METRICS = ("recall@20", "ndcg@20")


def cached_result(bench: Benchmark, results: dict[str, Any], name: str) -> MethodResult:
    """``name``'s test result as the benchmark cached it, for the parameters the results JSON records."""
    row = next((r for r in results["results"] if r["name"] == name), None)
    if row is None:
        names = ", ".join(r["name"] for r in results["results"])
        raise SystemExit(f"no result named {name!r} in the results file; it has: {names}")
    found = bench.results.get(name, row["params"])
    if found is None:
        raise SystemExit(f"the cached test result of {name!r} is missing or for other settings: run the "
                         f"benchmark command recorded in the results file ({results['command']}) first")
    return found


def results_benchmark(runner: QueryRunner, settings: Settings, config: BenchmarkConfig, path: Path,
                      results: dict[str, Any]) -> Benchmark:
    """The benchmark that wrote the results file ``path``, on the database that holds its dataset."""
    loaded = read_model(runner).dataset  # checked before the benchmark marks a split on the graph
    if loaded != results.get("dataset"):
        raise SystemExit(f"{path} is a {results.get('dataset')} table but the database holds "
                         f"{loaded}: point MP2V_HOME / MP2V_BOLT_PORT at the one that holds it")
    return Benchmark(runner, settings, config, log=lambda _: None)


@contextmanager
def holdout_results_benchmark(path: Path, seed: int) -> Iterator[tuple[Benchmark, dict[str, Any]]]:
    """The default holdout benchmark that wrote the results file ``path``, and its results, with the database
    open for the block (for the probes that read the holdout split's validation rows)."""
    results = json.loads(path.read_text())
    config = BenchmarkConfig(seed=seed)
    # Results files written before protocols were selectable name none: they are holdout tables.
    if results.get("protocol", config.protocol.name) != config.protocol.name:
        raise SystemExit(f"{path} is a {results.get('protocol')} table; this probe reads the default holdout "
                         f"protocol ({config.protocol.name}), whose validation rows are the tuning split's")
    settings = load_settings()
    with QueryRunner(settings.neo4j) as runner:
        yield results_benchmark(runner, settings, config, path, results), results


def ci_text(paired: Any) -> str:
    """A paired comparison as ``+diff [low, high] (p)``."""
    return f"{paired.mean_diff:+.4f} [{paired.ci_low:+.4f}, {paired.ci_high:+.4f}] ({paired.p_value:.2g})"


def averaged(results: list[MethodResult], name: str) -> MethodResult:
    """One result whose per-user metrics are the mean over ``results`` (seeds of one configuration)."""
    per_user = {m: np.mean([r.per_user[m] for r in results], axis=0) for m in METRICS}
    return replace(results[0], name=name, per_user=per_user,
                   metrics={m: float(per_user[m].mean()) for m in METRICS})


def quartile_groups(values: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """Four groups of (nearly) equal size by ``values`` (ties kept together), labelled by their range."""
    edges = np.quantile(values, [0.25, 0.5, 0.75])
    which = np.searchsorted(edges, values, side="right")
    groups = []
    for q in range(4):
        mask = which == q
        if mask.any():
            groups.append((f"Q{q + 1} ({values[mask].min():.3g} to {values[mask].max():.3g})", mask))
    return groups


def group_table(model: MethodResult, baseline: MethodResult, groups: list[tuple[str, np.ndarray]]) -> str:
    rows = []
    for label, mask in groups:
        row: dict[str, str] = {"users": f"{label}, {int(mask.sum())} users"}
        for metric in METRICS:
            paired = paired_comparison(model.per_user[metric][mask], baseline.per_user[metric][mask])
            row[f"{model.name} {metric}"] = f"{paired.mean_a:.4f}"
            row[f"{baseline.name} {metric}"] = f"{paired.mean_b:.4f}"
            row[f"difference (p) {metric}"] = f"{paired.mean_diff:+.4f} ({paired.p_value:.2g})"
        rows.append(row)
    return markdown_table(rows)


def popularity_deciles(result: MethodResult, popularity: np.ndarray) -> np.ndarray:
    """The share of ``result``'s top-20 slots taken by items of each popularity decile (decile 10: the most
    popular tenth of the catalogue by training interactions)."""
    order = np.argsort(np.argsort(popularity, kind="stable"), kind="stable")
    decile = np.minimum(order * 10 // popularity.size, 9)
    slots = result.topk[:, :20].ravel()
    slots = slots[slots >= 0]
    return np.bincount(decile[slots], minlength=10) / max(1, slots.size)


def breakdown(bench: Benchmark, results: dict[str, Any], model_name: str, against: str) -> str:
    model, baseline = cached_result(bench, results, model_name), cached_result(bench, results, against)
    if not np.array_equal(model.users, baseline.users):
        raise SystemExit("the two results were judged on different users: rerun the benchmark")
    split = bench.split
    train, test = split.final_train.tocsr(), split.test.tocsr()
    popularity = np.asarray((train != 0).sum(axis=0)).ravel().astype(np.float64)
    activity = np.diff(train.indptr)[model.users].astype(np.float64)
    volume = np.asarray(train.sum(axis=1)).ravel()[model.users].astype(np.float64)
    log_pop = np.log1p(popularity)
    held_out = np.array([log_pop[test.indices[test.indptr[u]:test.indptr[u + 1]]].mean() for u in model.users])
    shares = [popularity_deciles(r, popularity) for r in (model, baseline)]
    decile_rows = [{"popularity decile": str(d + 1), f"{model.name} share of top-20": f"{shares[0][d]:.3f}",
                    f"{baseline.name} share of top-20": f"{shares[1][d]:.3f}"} for d in range(10)]
    return "\n".join([
        "## By user activity (training interactions)", "", group_table(model, baseline, quartile_groups(activity)),
        "", "## By the user's training volume (sum of the training weights: plays, ratings)", "",
        group_table(model, baseline, quartile_groups(volume)),
        "", "## By the popularity of the user's held-out items (mean log(1 + training interactions))", "",
        group_table(model, baseline, quartile_groups(held_out)), "",
        "## Where the recommended items come from (catalogue popularity deciles; 10 = most popular)", "",
        markdown_table(decile_rows), ""])


def write_report(results_path: Path, suffix: str, title: str, note: str, body: str, module: str,
                 argv: list[str] | None, started: float) -> None:
    """``results/<results name>-<suffix>.md`` (atomically): the title, the command and ``note``, then ``body``."""
    command = f"python -m {module} " + " ".join(argv if argv is not None else sys.argv[1:])
    target = (checkout_root() or Path.cwd()) / "results" / f"{results_path.stem}-{suffix}.md"
    header = (f"# {title}: {results_path.stem}\n\nProduced by `{command}` on {time.strftime('%Y-%m-%d')} in "
              f"{time.monotonic() - started:.0f} s {note}\n\n")
    with atomic_path(target) as temporary:
        temporary.write_text(header + body.rstrip("\n") + "\n")
    print(f"wrote {target}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", type=Path, help="a benchmark's results JSON")
    parser.add_argument("--model", default="R-MP2V (single model)", help="the row to explain")
    parser.add_argument("--against", default="iALS", help="the row it is compared with")
    parser.add_argument("--protocol", type=Protocol, default=Protocol.HOLDOUT)
    parser.add_argument("--test-fraction", type=float, default=0.2)
    parser.add_argument("--min-interactions", type=int, default=2)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    results = json.loads(args.results.read_text())
    started = time.monotonic()
    config = BenchmarkConfig(seed=args.seed, protocol=ProtocolConfig(args.protocol, args.test_fraction,
                                                                     args.min_interactions))
    if results.get("protocol") != config.protocol.name:
        raise SystemExit(f"{args.results} is a {results.get('protocol')} table, not {config.protocol.name}: pass "
                         "the --protocol, --min-interactions and --test-fraction its benchmark command used")
    settings = load_settings()
    with QueryRunner(settings.neo4j) as runner:
        bench = results_benchmark(runner, settings, config, args.results, results)
        body = breakdown(bench, results, args.model, args.against)
    write_report(args.results, "breakdown", f"Where {args.model} wins and loses against {args.against}",
                 "from the benchmark's cached test results (nothing refitted). Paired per-user Wilcoxon tests; "
                 "difference = first − second.", body, "bench.gap_breakdown", argv, started)


if __name__ == "__main__":
    main()
