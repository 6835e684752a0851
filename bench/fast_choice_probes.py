"""Validation probes of the fast tables' chosen MP2V configurations (docs/benchmark.md, third round).

They read a Last.fm split of ``mp2v benchmark`` (the loaded database and the benchmark folder, whose stored
runs they reuse) and judge on validation only; test is never read::

    python -m bench.fast_choice_probes coverage 10 13    # held-out edges the graph walks of each stage step
                                                          # along (n walks per user), and how often
    python -m bench.fast_choice_probes windows 2 3 5     # word2vec's reduced window against the full window
    python -m bench.fast_choice_probes swa 2 4           # vectors averaged over n extra learning-rate cycles
    python -m bench.fast_choice_probes prior 3 --protocol leave-one-out   # the popularity prior below zero,
                                                          # and one per user (n seeds)

``coverage`` walks the fast holdout choice's metapath for each stage's fit (n walks per user) and prints, for
the tuning, validation and test rows, the share of edges the walks step along and the visits per edge.
``windows`` trains gensim on the fast holdout choice's corpus at each window n, with word2vec's reduced window
and with the full one (``shrink_windows``), three seeds each. ``swa`` continues the fast holdout choice's
gensim model for n one-epoch learning-rate cycles and scores the mean of the cycles' vectors (stochastic
weight averaging) beside its controls, three seeds each. ``prior`` rescores the ``--protocol`` fast table's
choice at n seeds with a popularity prior below zero and with a per-user one (the user's history's
popularity times a gain).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.quality_probes import BEST, dot_scores, gensim_on_corpus, result_line, validate_scores
from mp2v.config import load_settings
from mp2v.db.runner import QueryRunner
from mp2v.evaluation.stages import Stage
from mp2v.experiments.benchmark import methods
from mp2v.experiments.benchmark.run import Benchmark, BenchmarkConfig
from mp2v.experiments.experiment import Experiment, FittedMethod
from mp2v.experiments.protocols import Protocol, ProtocolConfig
from mp2v.models.mp2v import GraphWalks
from mp2v.walks.config import HoldoutExclusion

#: The fast holdout benchmark's walks (results/lastfm-fast.md: the User-Artist-User metapath, weighted).
FAST_BEST: dict[str, Any] = {**BEST, "metapaths": "uiu", "schedule": None, "init": "random", "dimensions": 256,
                             "negative": 5, "sample": 0.001}
SEEDS = (42, 43, 44)


def stored_corpus(experiment: Experiment, params: dict[str, Any] = FAST_BEST) -> str | None:
    """The walk corpus of an MP2V configuration (default: the fast holdout choice), fitted once or reused from
    the benchmark's runs."""
    fitted = methods.fit_mp2v(experiment, params, Stage.VALIDATION, name="MP2V-probe")
    return None if fitted.run is None else str(experiment.workdir / str(fitted.run.metadata["corpus"]))


def print_mean(label: str, found: list[dict[str, float]], seconds: float | None = None) -> None:
    mean = {k: float(np.mean([f[k] for f in found])) for k in ("recall@20", "ndcg@20")}
    spread = " / ".join(f"{f['recall@20']:.4f}" for f in found)
    print(result_line(f"{label} (R@20 per seed {spread})", mean, seconds), flush=True)


def probe_windows(experiment: Experiment, counts: list[int]) -> None:
    """word2vec's reduced window (each centre's reach drawn uniformly in 1..window, so context at distance d
    weighs (window - d + 1) / window) against the full window (every distance weighs 1), at each window in
    ``counts``, on the fast holdout configuration's walks; three gensim seeds each, mean and spread."""
    corpus = stored_corpus(experiment)
    if corpus is None:
        return
    for window in counts:
        for shrink in (True, False):
            found, started = [], time.monotonic()
            for seed in SEEDS:
                model = gensim_on_corpus(corpus, FAST_BEST, seed, window=window, shrink_windows=shrink)
                scores = dot_scores(experiment, model, model.wv.vectors, model.syn1neg)
                found.append(validate_scores(experiment, "dot", scores))
            print_mean(f"window={window} {'reduced' if shrink else 'full'}", found, time.monotonic() - started)


def probe_swa(experiment: Experiment, counts: list[int]) -> None:
    """Stochastic weight averaging for skip-gram: after the usual training, ``n`` more one-epoch cycles, each
    restarting the learning rate at half the start and decaying it to the end, and the mean of the vectors at
    the end of each cycle (input and output). Snapshots share one trajectory, so their mean is still one model
    (unlike a seed ensemble, whose members' coordinates are unrelated). Controls: the model before the cycles,
    the model after them (more training alone), and the snapshots' scores summed (an ensemble bound)."""
    corpus = stored_corpus(experiment)
    if corpus is None:
        return
    for cycles in counts:
        rows: dict[str, list[dict[str, float]]] = {}

        def record(label: str, score: Any, rows: dict[str, list[dict[str, float]]] = rows) -> None:
            rows.setdefault(label, []).append(validate_scores(experiment, label, score))

        for seed in SEEDS:
            model = gensim_on_corpus(corpus, FAST_BEST, seed)
            record("trained as usual", dot_scores(experiment, model, model.wv.vectors, model.syn1neg))
            snapshots = []
            for _ in range(cycles):
                model.train(corpus_file=corpus, total_words=model.corpus_total_words, epochs=1,
                            start_alpha=FAST_BEST["alpha"] / 2, end_alpha=0.0001)
                snapshots.append((model.wv.vectors.copy(), model.syn1neg.copy()))
            record(f"+ {cycles} cycles, last vectors", dot_scores(experiment, model, *snapshots[-1]))
            averaged = (np.mean([s[0] for s in snapshots], axis=0), np.mean([s[1] for s in snapshots], axis=0))
            record(f"+ {cycles} cycles, averaged vectors (SWA)", dot_scores(experiment, model, *averaged))
            members = [FittedMethod("s", dot_scores(experiment, model, *snap), {}, {}) for snap in snapshots]
            record(f"+ {cycles} cycles, snapshot scores summed", methods.summed_scores(members))
        for label, found in rows.items():
            print_mean(label, found)


#: Each Last.fm fast table's chosen single configuration (results/lastfm-*fast.md, 2026-12-06 late).
FAST_CHOICES: dict[str, dict[str, Any]] = {
    "holdout": {**FAST_BEST, "interaction_pairs": 1},
    "ratio-8-1-1": {**FAST_BEST, "ns_exponent": 0.25, "interaction_pairs": 1},
    "leave-one-out": {**FAST_BEST, "dimensions": 128, "ns_exponent": 0.25, "interaction_pairs": 1},
}


def probe_prior(experiment: Experiment, counts: list[int]) -> None:
    """The popularity prior below zero (its search grid stops at 0), and a per-user one: the protocol's fast
    choice at seeds 42, 43, ... (``counts[0]`` of them), scored with a uniform prior of strength -0.3 to 0.1,
    then with ``(taste_u x g) x z(log popularity)`` added, where ``taste_u`` is the standardised mean z(log
    popularity) of the user's training items (users of popular items get popular items). Rescoring only."""
    data = experiment.split.stage(Stage.VALIDATION)
    train = data.train.tocsr()
    z_pop = methods.standardised_log_popularity(train)
    taste = np.array([z_pop[train.indices[train.indptr[u]:train.indptr[u + 1]]].mean()
                      if train.indptr[u + 1] > train.indptr[u] else 0.0 for u in range(train.shape[0])])
    taste = ((taste - taste.mean()) / (taste.std() or 1.0)).astype(np.float32)
    params = FAST_CHOICES[experiment.split.protocol]
    for offset in range(max(1, counts[0])):
        seed = 42 + offset
        fitted = methods.fit_mp2v(experiment, params, Stage.VALIDATION, name=methods.MP2V_FIT_NAME, seed=42,
                                  first_member=offset)
        for strength in (-0.3, -0.15, -0.05, 0.0, 0.1):
            scored = methods.with_popularity_prior(fitted, train, strength)
            metrics = validate_scores(experiment, "prior", scored.score)
            print(result_line(f"seed {seed} prior {strength}", metrics), flush=True)
        standardised = methods.with_popularity_prior(fitted, train, 0.0)
        for gain in (0.05, 0.1, 0.2, 0.4):
            def score(users: Any, gain: float = gain, base: FittedMethod = standardised) -> np.ndarray:
                return base.score(users) + gain * taste[users][:, None] * z_pop[None, :]

            metrics = validate_scores(experiment, "taste", score)
            print(result_line(f"seed {seed} per-user prior {gain}", metrics), flush=True)


def _edge_visits(corpus: Path, users: dict[str, int], items: dict[str, int]) -> dict[tuple[int, int], int]:
    """How often each (user, item) edge is stepped along, in either direction, in a walk corpus."""
    visits: dict[tuple[int, int], int] = {}
    with corpus.open() as lines:
        for line in lines:
            tokens = line.split()
            for a, b in zip(tokens, tokens[1:], strict=False):
                pair = (users[a], items[b]) if a in users and b in items else (
                    (users[b], items[a]) if b in users and a in items else None)
                if pair is not None:
                    visits[pair] = visits.get(pair, 0) + 1
    return visits


def probe_coverage(experiment: Experiment, counts: list[int]) -> None:
    """Which held-out edges the graph walks of each stage step along, and how often: a leakage check (no
    test edge at either stage) and the walk budget per edge, which falls when the final fit adds validation."""
    split, model = experiment.split, experiment.model
    prefixes = model.token_prefixes
    users = {f"{prefixes[model.user_label]}:{u}": n for n, u in enumerate(split.user_ids.tolist())}
    items = {f"{prefixes[model.item_label]}:{i}": n for n, i in enumerate(split.item_ids.tolist())}
    sets = {"train": split.tuning_train, "validation": split.validation, "test": split.test}
    for walks_per_node in counts:
        spec = methods.mp2v_spec(model, {**FAST_BEST, "walks_per_node": walks_per_node}, 42, "coverage")
        for stage in (Stage.VALIDATION, Stage.TEST):
            data = split.stage(stage)
            exclusion = HoldoutExclusion(split.holdout_property, data.walk_exclusions)
            source = GraphWalks(experiment.runner, spec.walk, model, split.user_ids, split.item_ids, exclusion)
            with tempfile.TemporaryDirectory() as folder:
                corpus = source.walk(data.train, Path(folder) / "walks.txt", progress=False)
                visits = _edge_visits(corpus.path, users, items)
            parts = []
            for name, matrix in sets.items():
                coo = matrix.tocoo()
                seen = np.array([visits.get(pair, 0) for pair in zip(coo.row.tolist(), coo.col.tolist(), strict=True)])
                parts.append(f"{name} {np.mean(seen > 0):.3f} walked, {seen.mean():.2f} visits per edge")
            print(f"{walks_per_node} walks per user, {stage} fit: " + "; ".join(parts), flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("probe", choices=("coverage", "windows", "swa", "prior"))
    parser.add_argument("counts", type=int, nargs="+",
                        help="coverage: walks per user; windows: skip-gram windows; swa: cycles; prior: seeds")
    parser.add_argument("--protocol", type=Protocol, default=Protocol.HOLDOUT,
                        help="the split (prior only; the other probes use the holdout choice)")
    args = parser.parse_args(argv)
    settings = load_settings()
    with QueryRunner(settings.neo4j) as runner:
        config = BenchmarkConfig(protocol=ProtocolConfig(args.protocol))
        bench = Benchmark(runner, settings, config, log=lambda _: None)
        probe = {"coverage": probe_coverage, "windows": probe_windows, "swa": probe_swa,
                 "prior": probe_prior}[args.probe]
        probe(bench.experiment, args.counts)


if __name__ == "__main__":
    main()
