"""results/scale.md, .json and .png from the scale study's checkpoint: per-stage figures and growth exponents.

The exponent of a stage is the slope of log(seconds) (or log(peak MB)) against log(interactions), fitted by
least squares over the sizes that finished that stage: 1 is linear, 2 quadratic. With two sizes it is the
slope between them; with one size there is none.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from mp2v.common.files import atomic_path, write_json, write_text

STAGE_ORDER = ("generate", "load", "split", "walk", "train", "evaluate", "serve")
THROUGHPUT = {"generate": "rows_per_s", "load": "rows_per_s", "walk": "steps_per_s", "train": "words_per_s",
              "evaluate": "users_per_s", "serve": "nodes_per_s"}
DISK = {"load": "store_mb", "walk": "corpus_mb", "train": "run_mb", "generate": "csv_mb"}


def exponent(sizes: list[int], values: list[float]) -> float | None:
    """Least-squares slope of log(value) on log(size); None with fewer than two positive points."""
    points = [(math.log(s), math.log(v)) for s, v in zip(sizes, values, strict=True) if s > 0 and v > 0]
    if len(points) < 2 or len({p[0] for p in points}) < 2:
        return None
    x, y = np.array(points).T
    return float(np.polyfit(x, y, 1)[0])


def exponents(data: dict[str, dict[str, Any]]) -> dict[str, dict[str, float | None]]:
    result: dict[str, dict[str, float | None]] = {}
    for stage in STAGE_ORDER:
        sizes = sorted(int(s) for s, stages in data.items() if stage in stages)
        rows = [data[str(s)][stage] for s in sizes]
        result[stage] = {key: exponent(sizes, [float(r.get(key, 0) or 0) for r in rows])
                         for key in ("seconds", "python_peak_mb", "jvm_peak_mb")}
    return result


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def markdown(data: dict[str, dict[str, Any]]) -> str:
    sizes = sorted(int(s) for s in data)
    fits = exponents(data)
    lines = ["# Scale study: the whole pipeline on generated catalogues", "",
             "Written by `python -m bench.bench_scale` (bench/bench_scale.py) from its checkpoint; not edited by "
             "hand. Catalogues from bench/catalogue.py (SoundCloud's ratios: 76 interactions per user, 53 per "
             "item); settings fixed across sizes (bench/scale_stages.py). Machine: 2 cores, 24 GiB, shared with "
             "other jobs (the 1-minute load average at the end of each stage is shown). Analysis: "
             "[docs/scale.md](../docs/scale.md).", "",
             "## Per stage", "",
             "| size | stage | seconds | throughput | Python peak MB | JVM peak MB | disk MB | load avg |",
             "|---:|---|---:|---:|---:|---:|---:|---:|"]
    for size in sizes:
        for stage in STAGE_ORDER:
            row = data[str(size)].get(stage)
            if row is None:
                continue
            key = THROUGHPUT.get(stage)
            throughput = f"{_fmt(row.get(key))} {key.replace('_per_s', '/s')}" if key and key in row else "-"
            lines.append(f"| {size:,} | {stage} | {_fmt(row['seconds'])} | {throughput} | "
                         f"{_fmt(row['python_peak_mb'], 0)} | {_fmt(row['jvm_peak_mb'], 0)} | "
                         f"{_fmt(row.get(DISK.get(stage, ''), ''))} | {_fmt(row['load_average'], 2)} |")
    done = {s: [stage for stage in STAGE_ORDER if stage in data[str(s)]] for s in sizes}
    total = {s: sum(float(data[str(s)][stage]["seconds"]) for stage in done[s]) for s in sizes}
    lines += ["", "Total wall time per size (stages done): " +
              ", ".join(f"{s:,}: {total[s]:,.0f} s ({len(done[s])} of {len(STAGE_ORDER)} stages)" for s in sizes), "",
              "## Growth exponents (log-log slope against interactions)", "",
              "| stage | time | Python peak memory | JVM peak memory |", "|---|---:|---:|---:|"]
    for stage in STAGE_ORDER:
        fit = fits[stage]
        lines.append(f"| {stage} | {_fmt(fit['seconds'], 2)} | {_fmt(fit['python_peak_mb'], 2)} | "
                     f"{_fmt(fit['jvm_peak_mb'], 2)} |")
    lines += ["", "## Quality (test split, sampled users)", "",
              "| size | method | Recall@20 | NDCG@20 | fit s | judge s |", "|---:|---|---:|---:|---:|---:|"]
    for size in sizes:
        evaluation = data[str(size)].get("evaluate", {})
        for name, figures in evaluation.items():
            if isinstance(figures, dict):
                lines.append(f"| {size:,} | {name} | {figures['recall@20']:.4f} | {figures['ndcg@20']:.4f} | "
                             f"{figures['fit_seconds']:,.1f} | {figures['judge_seconds']:,.1f} |")
            elif name == "EASE":
                lines.append(f"| {size:,} | EASE | - | - | - | - ({figures}) |")
    serving = {s: data[str(s)]["serving_load"] for s in sizes if "serving_load" in data[str(s)]}
    for size, table in serving.items():
        lines += ["", f"## Serving under load ({size:,} interactions)", "", table["markdown"]]
    return "\n".join(lines) + "\n"


def plot(data: dict[str, dict[str, Any]], path: Path) -> Path:
    sizes = sorted(int(s) for s in data)
    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    for stage in STAGE_ORDER:
        points = [(s, data[str(s)][stage]) for s in sizes if stage in data[str(s)]]
        if not points:
            continue
        left.plot([p[0] for p in points], [p[1]["seconds"] for p in points], marker="o", label=stage)
        right.plot([p[0] for p in points], [p[1]["python_peak_mb"] for p in points], marker="o", label=stage)
    for axis, title in ((left, "wall time per stage (s)"), (right, "peak Python RSS per stage (MB)")):
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("interactions")
        axis.set_title(title)
        axis.grid(True, which="both", alpha=0.3)
    left.legend(fontsize=8)
    figure.tight_layout()
    with atomic_path(path) as temporary:
        figure.savefig(temporary, format="png", dpi=110)
    plt.close(figure)
    return path


def write_report(data: dict[str, dict[str, Any]], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    json_path = write_json(folder / "scale.json", {"sizes": data, "exponents": exponents(data)})
    md_path = write_text(folder / "scale.md", markdown(data) + "\n![stage time and memory](scale.png)\n")
    return [md_path, json_path, plot(data, folder / "scale.png")]
