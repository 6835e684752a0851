"""Validation probes of the skip-gram objective itself, with the project's numba kernel (docs/benchmark.md).

They train on the walks of the fast holdout table's chosen configuration (results/lastfm-fast.md), or with
``--configuration full`` of the 2026-11-30 full holdout run's (results/lastfm.md then: tag walks, 512
dimensions, 10 negatives, 20 walks x 5 epochs at alpha 0.0125; random initialisation), with that
configuration's settings, three seeds each (``--seeds``); the corpus is reused from the benchmark folder or
walked once. Validation only::

    python -m bench.kernel_probes l2 0 0.001 0.01 0.05 --dimensions 256 1024
                    # an L2 penalty on each observed pair's rows, per occurrence (ALS-WR's weighted lambda)
    python -m bench.kernel_probes saturation
                    # gensim against the kernel, updating with sigma clamped or skipping |dot| >= 6 as gensim
    python -m bench.kernel_probes schedule [--configuration full --seeds 1]
                    # gensim with 1 and 2 workers against the kernel whose epochs cover 1, 1/2, 1/4 of
                    # their part of the learning-rate schedule (gensim's corpus_file mode: 1 / workers)
    python -m bench.kernel_probes pairs
                    # which context pairs the user -> item score learns from: pairs left out (weight 0)
                    # or weighted twice by the node types of centre and context

``l2`` asks whether skip-gram, like iALS, gains from a penalty that lets more dimensions pay (iALS's choice
has 1,024 factors; skip-gram's stays at 256 to 512). ``pairs`` weighs pairs by node type: the walks
(User-Artist-User) put users two steps apart, so a user's vector learns from the users who share its artists
as well as from the artists; the score reads user input . item output vectors only.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bench.fast_choice_probes import FAST_BEST, SEEDS, print_mean, stored_corpus
from bench.quality_probes import BEST, dot_scores, gensim_on_corpus, token_dot_scores, validate_scores
from mp2v.config import load_settings
from mp2v.db.runner import QueryRunner
from mp2v.experiments.benchmark import methods
from mp2v.experiments.benchmark.run import Benchmark, BenchmarkConfig
from mp2v.experiments.experiment import Experiment
from mp2v.training.gensim_sgns import TrainConfig
from mp2v.training.numba_sgns import KernelOptions, train_typed

CONFIGURATIONS: dict[str, dict[str, Any]] = {"fast": FAST_BEST, "full": BEST}


@dataclass(frozen=True)
class Setting:
    """What every probe row shares: the split, the walk corpus, the configuration's settings and the seeds."""

    experiment: Experiment
    corpus: Path
    params: dict[str, Any]
    seeds: tuple[int, ...]

    def train_config(self, dimensions: int, seed: int) -> TrainConfig:
        """The benchmark's own skip-gram settings for the configuration, at ``dimensions``."""
        spec = methods.mp2v_spec(self.experiment.model, self.params, seed, "kernel-probe")
        return replace(spec.train, dimensions=dimensions)

    def kernel_row(self, label: str, dimensions: int, typed: bool = True, **options: Any) -> None:
        """Train the kernel at each seed with ``options`` (KernelOptions'), print the mean and spread."""
        found, started = [], time.monotonic()
        for seed in self.seeds:
            result = train_typed(self.corpus, self.train_config(dimensions, seed), typed=typed,
                                 options=KernelOptions(**options))
            scores = token_dot_scores(self.experiment, result.tokens, result.inputs, result.outputs)
            found.append(validate_scores(self.experiment, "dot", scores))
        print_mean(label, found, time.monotonic() - started)

    def gensim_row(self, label: str, dimensions: int, workers: int = 2) -> None:
        found, started = [], time.monotonic()
        for seed in self.seeds:
            model = gensim_on_corpus(str(self.corpus), {**self.params, "dimensions": dimensions}, seed,
                                     workers=workers)
            found.append(validate_scores(self.experiment, "dot", dot_scores(self.experiment, model,
                                                                            model.wv.vectors, model.syn1neg)))
        print_mean(label, found, time.monotonic() - started)


def probe_l2(setting: Setting, dimensions: list[int], penalties: list[float]) -> None:
    for size in dimensions:
        for l2 in penalties:
            setting.kernel_row(f"{size} dims, l2 {l2:g}", size, l2=l2)


def probe_pairs(setting: Setting, dimensions: list[int], _: list[float]) -> None:
    model = setting.experiment.model
    user, item = model.token_prefixes[model.user_label], model.token_prefixes[model.item_label]
    variants: dict[str, dict[tuple[str, str], float]] = {
        "all pairs (control)": {},
        "no item-item context": {(item, item): 0},
        "no user-user context": {(user, user): 0},
        "user-item pairs only": {(user, user): 0, (item, item): 0},
        "user-user context x2": {(user, user): 2},
        "user-user context x2, no item-item": {(user, user): 2, (item, item): 0},
        "user -> item pairs x2": {(user, item): 2},
    }
    for size in dimensions:
        for label, weights in variants.items():
            setting.kernel_row(f"{size} dims, {label}", size, pair_weights=weights)


def probe_saturation(setting: Setting, dimensions: list[int], _: list[float]) -> None:
    """gensim (control) against the kernel with shared and typed negatives, each updating as word2vec.c does
    (sigma clamped) and as gensim does (no update once |v_c . u_o| reaches 6)."""
    for size in dimensions:
        setting.gensim_row(f"{size} dims, gensim", size)
        for typed in (False, True):
            negatives = "typed" if typed else "shared"
            for skip in (None, 6.0, 4.0):
                rule = "clamped" if skip is None else f"skipped from |dot| {skip:g}"
                setting.kernel_row(f"{size} dims, kernel, {negatives} negatives, {rule}", size, typed=typed,
                                   skip_saturated=skip)


def probe_schedule(setting: Setting, dimensions: list[int], _: list[float]) -> None:
    """gensim with 1 and 2 workers (corpus_file mode: each epoch's rate falls 1 / workers of its part of the
    schedule) against the kernel with shared and typed negatives at decay shares 1, 1/2 and 1/4."""
    for size in dimensions:
        for workers in (1, 2):
            setting.gensim_row(f"{size} dims, gensim, {workers} worker(s)", size, workers=workers)
        for typed in (False, True):
            for share in (1.0, 0.5, 0.25):
                setting.kernel_row(f"{size} dims, kernel, {'typed' if typed else 'shared'} negatives, decay share "
                                   f"{share:g}", size, typed=typed, decay_share=share)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("probe", choices=("l2", "pairs", "saturation", "schedule"))
    parser.add_argument("penalties", type=float, nargs="*", default=[0.0, 0.01],
                        help="l2: the penalties to try (0 is the control)")
    parser.add_argument("--configuration", choices=sorted(CONFIGURATIONS), default="fast")
    parser.add_argument("--dimensions", type=int, nargs="+", help="default: the configuration's")
    parser.add_argument("--seeds", type=int, default=len(SEEDS), help="seeds per row, from 42 (default 3)")
    args = parser.parse_args(argv)
    params = methods.apply_schedule(CONFIGURATIONS[args.configuration])
    settings = load_settings()
    with QueryRunner(settings.neo4j) as runner:
        experiment = Benchmark(runner, settings, BenchmarkConfig(), log=lambda _: None).experiment
        corpus = stored_corpus(experiment, CONFIGURATIONS[args.configuration])
        if corpus is None:
            return
        setting = Setting(experiment, Path(corpus), params, tuple(range(42, 42 + max(1, args.seeds))))
        probe = {"l2": probe_l2, "pairs": probe_pairs, "saturation": probe_saturation,
                 "schedule": probe_schedule}[args.probe]
        probe(setting, args.dimensions or [params["dimensions"]], args.penalties)


if __name__ == "__main__":
    main()
