"""Reading a committed benchmark file (``results/<dataset>.json``, written by ``mp2v benchmark``) back as
tidy rows, for the dashboard's benchmark view: every method and ablation, its metrics by K, the tests."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mp2v.errors import EvaluationError

_METRIC = re.compile(r"^(?P<name>[a-z_]+)@(?P<k>\d+)$")
#: Metrics where lower is better (everything else: higher is better).
LOWER_IS_BETTER = frozenset({"gini"})


@dataclass(frozen=True)
class MethodRow:
    name: str
    #: "method" (a compared recommender) or "ablation".
    group: str
    metrics: dict[str, float]
    params: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class BenchmarkFile:
    path: Path
    dataset: str
    command: str
    date: str
    verdict: list[str]
    rows: list[MethodRow]
    significance: list[dict[str, Any]]

    def metric_names(self) -> list[str]:
        """Base names of the metrics recorded at several K (recall, ndcg, precision, ...), in file order."""
        names: dict[str, None] = {}
        for row in self.rows:
            for key in row.metrics:
                found = _METRIC.match(key)
                if found:
                    names.setdefault(found["name"])
        return list(names)

    def ks(self) -> list[int]:
        return sorted({int(m["k"]) for row in self.rows for key in row.metrics if (m := _METRIC.match(key))})

    def curves(self, metric: str, groups: tuple[str, ...] = ("method",), reference: str | None = None
               ) -> list[dict[str, Any]]:
        """Long rows (method, k, value) of one metric at every recorded K; with ``reference``, each value
        minus the reference method's value at the same K (so small gaps between strong methods show)."""
        base = next((row.metrics for row in self.rows if row.name == reference), None) if reference else None
        out = []
        for row in self.rows:
            if row.group not in groups:
                continue
            for k in self.ks():
                key = f"{metric}@{k}"
                if key in row.metrics and (base is None or key in base):
                    out.append({"method": row.name, "k": k,
                                "value": row.metrics[key] - (base[key] if base is not None else 0.0)})
        return out

    def table(self, k: int, groups: tuple[str, ...] = ("method",)) -> list[dict[str, Any]]:
        """One row per method: every metric at ``k`` (None where not recorded) and the fit time."""
        return [{"method": row.name, **{name: row.metrics.get(f"{name}@{k}") for name in self.metric_names()},
                 "fit_s": row.timings.get("fit")} for row in self.rows if row.group in groups]


def read_benchmark(path: Path) -> BenchmarkFile:
    """Parse one benchmark file; a one-line EvaluationError names the file and what is wrong with it."""
    try:
        raw = json.loads(path.read_text())
        rows = [_row(entry, "method") for entry in raw.get("results", [])]
        rows += [_row(entry, "ablation") for entry in raw.get("ablations", [])]
        return BenchmarkFile(path, str(raw.get("dataset", path.stem)), str(raw.get("command", "")),
                             str(raw.get("date", "")), list(raw.get("verdict", [])), rows,
                             list(raw.get("significance", [])))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise EvaluationError(f"{path}: not a benchmark file ({type(error).__name__}: {error}); "
                              "rewrite it with mp2v benchmark") from None


def _row(entry: dict[str, Any], group: str) -> MethodRow:
    metrics = {str(k): float(v) for k, v in entry["metrics"].items() if isinstance(v, (int, float))}
    return MethodRow(str(entry["name"]), group, metrics, dict(entry.get("params", {})),
                     {str(k): float(v) for k, v in entry.get("timings", {}).items()}, list(entry.get("notes", [])))


def benchmark_files(folder: Path) -> list[Path]:
    """The benchmark files of a results folder (``*.json`` with method rows), by name. The studies' files
    beside them (autoplay, cold start, scale, trainers) are skipped; a file that cannot be parsed is kept, so
    that reading it reports what is wrong."""
    return sorted(path for path in folder.glob("*.json") if _looks_like_benchmark(path)) if folder.is_dir() else []


def _looks_like_benchmark(path: Path) -> bool:
    try:
        raw = json.loads(path.read_text())
    except (OSError, ValueError):
        return True
    results = raw.get("results") if isinstance(raw, dict) else None
    return isinstance(results, list) and any(isinstance(entry, dict) and "metrics" in entry for entry in results)
