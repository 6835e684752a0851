"""Validation probes behind docs/training.md and docs/benchmark.md's third round: ideas for one MP2V model.

They read the Last.fm holdout split of ``mp2v benchmark`` (seed 42; the loaded database and its benchmark
folder, whose stored runs they reuse) and judge on validation only; test is never read::

    python -m bench.quality_probes pairs 0 1 2 4 8   # best single configuration with n interaction pairs,
                                                      # each model also scored with the symmetric score
    python -m bench.quality_probes growth 0 2 8      # gain from 25 % more training rows: iALS vs R-MP2V
    python -m bench.quality_probes foldin 0          # user vectors re-solved by least squares over the
                                                      # model's item vectors (iALS's user step)
    python -m bench.quality_probes hs 0 10           # hierarchical softmax (with n negatives beside it)
                                                      # against negative sampling on the same walks

(bench.fast_choice_probes has the probes of the fast tables' chosen configurations.)

``pairs`` fits the holdout benchmark's chosen single configuration (``BEST``, results/lastfm.md) with
``interaction_pairs`` = n and prints validation Recall / NDCG@20, then the same vectors scored with the
reverse (user output . item input) and the symmetric (dot + reverse) score. ``growth`` drops 20 % of every
user's tuning rows (seeded), fits iALS (the benchmark's choice) and R-MP2V on in-memory user-item walks with
n pairs on the 80 % and on all rows, and prints what each gains on the same validation rows (the dropped
rows are excluded from the ranking, so they are not counted against the smaller fit). ``foldin`` asks where
one model's gap to iALS lies, in the user or in the item vectors: it keeps the skip-gram item (output)
vectors V and replaces each user vector by iALS's user step over them,
``x_u = argmin_x sum_i c_ui (p_ui - x.v_i)^2 + lambda |x|^2`` with ``c_ui = 1 + alpha log(1 + x_ui)`` (x: the
training weights, as the benchmark's iALS; p: 1 where x > 0), for a few (alpha, lambda). ``hs`` trains
on the best single configuration's walk corpus with gensim's hierarchical softmax (``hs=1``, n negatives
beside it; a full softmax over the vocabulary, factorised along a Huffman tree) and ranks items by the model's
own ``log P(item | user)``; a negative-sampling model trained the same way (no item2vec start) is the control.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from typing import Any

import numpy as np
import scipy.sparse as sp
from gensim.models import Word2Vec

from mp2v.config import load_settings
from mp2v.db.runner import QueryRunner
from mp2v.embeddings.store import Embeddings
from mp2v.evaluation.stages import Stage
from mp2v.experiments.benchmark import methods
from mp2v.experiments.benchmark.run import Benchmark, BenchmarkConfig
from mp2v.experiments.experiment import Experiment, FittedMethod
from mp2v.models import make_baseline
from mp2v.models.mp2v import MP2V, AlignedScores, MatrixWalks, Mp2vParams
from mp2v.training.gensim_sgns import TrainConfig, stable_hash
from mp2v.types import ScoringRule

#: The holdout benchmark's chosen single MP2V configuration (results/lastfm.md, 2026-11-30 run).
BEST: dict[str, Any] = dict(
    metapaths="uiu+features", weighted=True, walks_per_node=10, walk_length=40, start="users", dimensions=512,
    window=3, negative=10, ns_exponent=0.0, epochs=5, alpha=0.025, sample=0.0, scoring="dot",
    schedule="20x5@0.0125", init="item2vec")
#: iALS as the holdout benchmark chose it on validation (results/lastfm.md).
IALS = dict(factors=1536, regularization=100.0, alpha=10.0, iterations=3)


def validate_scores(experiment: Experiment, name: str, score: Any) -> dict[str, float]:
    return experiment.evaluate(FittedMethod(name, score, {}, {}), Stage.VALIDATION, ks=(10, 20)).metrics


def result_line(label: str, metrics: dict[str, float], seconds: float | None = None) -> str:
    took = f" ({seconds:.0f} s)" if seconds is not None else ""
    return f"{label}: R@20 {metrics['recall@20']:.4f} N@20 {metrics['ndcg@20']:.4f}{took}"


def gensim_on_corpus(corpus: str, params: dict[str, Any], seed: int, **changes: Any) -> Word2Vec:
    """gensim skip-gram on a walk ``corpus`` with an MP2V configuration's settings (``params``: BEST and
    the like), ``changes`` (gensim's own argument names) applied."""
    settings: dict[str, Any] = dict(
        vector_size=params["dimensions"], window=params["window"], negative=params["negative"],
        ns_exponent=params["ns_exponent"], sample=params["sample"], alpha=params["alpha"], min_alpha=0.0001,
        epochs=params["epochs"], hs=0, workers=2)
    return Word2Vec(corpus_file=corpus, min_count=1, sg=1, seed=seed, hashfxn=stable_hash,
                    **(settings | changes))


def dot_scores(experiment: Experiment, model: Word2Vec, inputs: np.ndarray, outputs: np.ndarray) -> AlignedScores:
    """``inputs`` (users) against ``outputs`` (items), rows in ``model``'s vocabulary order, on validation."""
    return token_dot_scores(experiment, list(model.wv.index_to_key), inputs, outputs)


def token_dot_scores(experiment: Experiment, tokens: list[str], inputs: np.ndarray,
                     outputs: np.ndarray) -> AlignedScores:
    """As :func:`dot_scores`, with rows in the order of ``tokens`` (any trainer's vocabulary)."""
    split = experiment.split
    vectors = Embeddings.from_tokens(tokens, inputs, outputs, experiment.model)
    return AlignedScores(vectors, ScoringRule.DOT, split.user_ids, split.item_ids,
                         split.stage(Stage.VALIDATION).train)


def probe_pairs(experiment: Experiment, counts: list[int]) -> None:
    data = experiment.split.stage(Stage.VALIDATION)
    for count in counts:
        started = time.monotonic()
        fitted = methods.fit_mp2v(experiment, {**BEST, "interaction_pairs": count}, Stage.VALIDATION,
                                  name="MP2V-probe")
        found = validate_scores(experiment, "dot", fitted.score)
        print(result_line(f"pairs={count} dot", found, time.monotonic() - started), flush=True)
        if fitted.run is None:
            continue
        vectors: Embeddings = fitted.run.embeddings
        variants = {
            "reverse": replace(vectors, user_input=vectors.user_output, item_output=vectors.item_input),
            "symmetric": replace(vectors, user_input=np.hstack([vectors.user_input, vectors.user_output]),
                                 item_output=np.hstack([vectors.item_output, vectors.item_input])),
        }
        for label, variant in variants.items():
            scores = AlignedScores(variant, ScoringRule.DOT, experiment.split.user_ids, experiment.split.item_ids,
                                   data.train)
            print(result_line(f"pairs={count} {label}", validate_scores(experiment, label, scores)), flush=True)


def drop_share(matrix: sp.csr_matrix, share: float, seed: int) -> sp.csr_matrix:
    """``matrix`` without ``share`` of every user's nonzeros (users with one interaction keep it)."""
    rng = np.random.default_rng(seed)
    keep = np.ones(matrix.nnz, bool)
    for user in range(matrix.shape[0]):
        rows = np.arange(matrix.indptr[user], matrix.indptr[user + 1])
        if rows.size >= 2:
            keep[rng.choice(rows, size=int(round(share * rows.size)), replace=False)] = False
    coo = matrix.tocoo()
    return sp.csr_matrix((coo.data[keep], (coo.row[keep], coo.col[keep])), shape=matrix.shape)


def probe_growth(experiment: Experiment, counts: list[int]) -> None:
    full = experiment.split.stage(Stage.VALIDATION).train.tocsr()
    smaller = drop_share(full, 0.2, seed=7)
    print(f"tuning rows {full.nnz:,}; 80 % sample {smaller.nnz:,}", flush=True)

    def mp2v(pairs: int) -> MP2V:
        walks = MatrixWalks(experiment.split.user_ids, experiment.split.item_ids, walks_per_node=20,
                            walk_length=40, weighted=True, seed=42)
        train = TrainConfig(dimensions=256, window=3, negative=10, ns_exponent=0.0, epochs=5, alpha=0.0125,
                            sample=0.0, workers=2, seed=42)
        return MP2V(Mp2vParams(train=train, interaction_pairs=pairs), walks)

    makers: dict[str, Any] = {"iALS": lambda: make_baseline("ials", **IALS)}
    makers |= {f"R-MP2V (matrix walks) pairs={n}": (lambda n=n: mp2v(n)) for n in counts}
    for name, make in makers.items():
        found = []
        for label, train in (("80 %", smaller), ("100 %", full)):
            started = time.monotonic()
            model = make().fit(train)
            found.append(validate_scores(experiment, name, model.score))
            print(result_line(f"{name} on {label}", found[-1], time.monotonic() - started), flush=True)
        print(f"{name} gain: R@20 {found[1]['recall@20'] - found[0]['recall@20']:+.4f} "
              f"N@20 {found[1]['ndcg@20'] - found[0]['ndcg@20']:+.4f}", flush=True)


def fold_in(items: np.ndarray, train: sp.csr_matrix, alpha: float, regularization: float,
            batch: int = 128) -> np.ndarray:
    """iALS's user step over fixed item vectors (rows of ``items`` follow ``train``'s columns): per user,
    ``(V'V + alpha V_u' diag(r_u) V_u + lambda I) x = V_u' (1 + alpha r_u)``, solved in batches."""
    gram = items.T @ items + regularization * np.eye(items.shape[1])
    users = np.zeros((train.shape[0], items.shape[1]))
    for start in range(0, train.shape[0], batch):
        rows = range(start, min(start + batch, train.shape[0]))
        lhs = np.repeat(gram[None], len(rows), axis=0)
        rhs = np.zeros((len(rows), items.shape[1]))
        for k, user in enumerate(rows):
            cols = train.indices[train.indptr[user]:train.indptr[user + 1]]
            weights = train.data[train.indptr[user]:train.indptr[user + 1]].astype(np.float64)
            vu = items[cols]
            lhs[k] += alpha * (vu.T * weights) @ vu
            rhs[k] = vu.T @ (1.0 + alpha * weights)
        users[start:start + len(rows)] = np.linalg.solve(lhs, rhs[..., None])[..., 0]
    return users


def probe_foldin(experiment: Experiment, counts: list[int]) -> None:
    data = experiment.split.stage(Stage.VALIDATION)
    train = data.train.tocsr(copy=True)
    train.data = np.log1p(train.data.astype(np.float64))  # the benchmark's iALS confidence: 1 + alpha log(1 + x)
    for count in counts:
        started = time.monotonic()
        fitted = methods.fit_mp2v(experiment, {**BEST, "interaction_pairs": count}, Stage.VALIDATION,
                                  name="MP2V-probe")
        print(result_line(f"pairs={count} skip-gram users", validate_scores(experiment, "dot", fitted.score),
                    time.monotonic() - started), flush=True)
        if fitted.run is None:
            continue
        vectors: Embeddings = fitted.run.embeddings
        aligned = AlignedScores(vectors, ScoringRule.DOT, experiment.split.user_ids, experiment.split.item_ids,
                                data.train)  # only for its id -> row alignment
        item_rows, user_rows = aligned.item_rows, aligned.user_rows
        items = np.where((item_rows >= 0)[:, None], vectors.item_output[np.maximum(item_rows, 0)], 0.0)
        for alpha, regularization in ((1.0, 1.0), (10.0, 10.0), (10.0, 100.0), (40.0, 100.0)):
            started = time.monotonic()
            solved = fold_in(items.astype(np.float64), train, alpha, regularization)
            users = vectors.user_input.copy()
            known = user_rows >= 0
            users[user_rows[known]] = solved[known]
            variant = replace(vectors, user_input=users.astype(vectors.user_input.dtype))
            scores = AlignedScores(variant, ScoringRule.DOT, experiment.split.user_ids, experiment.split.item_ids,
                                   data.train)
            print(result_line(f"pairs={count} fold-in alpha={alpha:g} lambda={regularization:g}",
                              validate_scores(experiment, "fold-in", scores), time.monotonic() - started),
                  flush=True)


class HierarchicalScores:
    """``log P(item | user)`` of a hierarchical-softmax skip-gram, in the matrix's user/item order: item i's
    Huffman path of inner nodes n_j with bits c_j gives ``log P(i | u) = sum_j log sigma((1 - 2 c_j) u . n_j)``
    (gensim trains node j towards 1 - c_j). All items at once: two sparse (items x nodes) path matrices, one
    for each bit, times log sigma(+-U N'). gensim has no such scorer, so it is written here."""

    def __init__(self, model: Word2Vec, user_tokens: list[str], item_tokens: list[str]) -> None:
        index = model.wv.key_to_index
        self.nodes = model.syn1
        self.users = np.array([index.get(token, -1) for token in user_tokens], np.int64)
        self.known_items = np.array([token in index for token in item_tokens])
        paths: dict[int, tuple[list[int], list[int]]] = {0: ([], []), 1: ([], [])}
        for col, token in enumerate(item_tokens):
            if token not in index:
                continue
            codes, points = model.wv.get_vecattr(token, "code"), model.wv.get_vecattr(token, "point")
            for bit, node in zip(codes.tolist(), points.tolist(), strict=True):
                paths[bit][0].append(col)
                paths[bit][1].append(node)
        shape = (len(item_tokens), self.nodes.shape[0])
        self.towards_one, self.towards_zero = (
            sp.csr_matrix((np.ones(len(paths[bit][0]), np.float32), paths[bit]), shape=shape) for bit in (0, 1))
        self.vectors = model.wv.vectors

    def __call__(self, users: np.ndarray) -> np.ndarray:
        logits = self.vectors[np.maximum(self.users[users], 0)] @ self.nodes.T
        up, down = -np.logaddexp(0.0, -logits), -np.logaddexp(0.0, logits)  # log sigma(x), log sigma(-x)
        scores = (self.towards_one @ up.T + self.towards_zero @ down.T).T.astype(np.float32)
        scores[:, ~self.known_items] = -np.inf
        return scores


def probe_hs(experiment: Experiment, counts: list[int]) -> None:
    fitted = methods.fit_mp2v(experiment, BEST, Stage.VALIDATION, name="MP2V-probe")
    print(result_line("best single configuration (negative sampling, item2vec start)",
                      validate_scores(experiment, "best", fitted.score)), flush=True)
    if fitted.run is None:
        return
    corpus = experiment.workdir / str(fitted.run.metadata["corpus"])
    graph, split = experiment.model, experiment.split
    user_tokens = [graph.token(graph.user_label, u) for u in split.user_ids.tolist()]
    item_tokens = [graph.token(graph.item_label, i) for i in split.item_ids.tolist()]
    train = split.stage(Stage.VALIDATION).train
    for hs, negative in [(0, int(BEST["negative"])), *((1, n) for n in counts)]:
        started = time.monotonic()
        # BEST's schedule ("20x5@0.0125") sets the alpha the walks in this corpus were made for.
        model = gensim_on_corpus(str(corpus), methods.apply_schedule(BEST), 42, hs=hs, negative=negative)
        took = time.monotonic() - started
        label = f"hs={hs} negative={negative}"
        found: dict[str, Any] = {}
        if negative:
            found["dot"] = dot_scores(experiment, model, model.wv.vectors, model.syn1neg)
        if hs:
            found["log P"] = HierarchicalScores(model, user_tokens, item_tokens)
        if len(found) == 2:
            # Per-user z-scores summed: the popularity prior at strength 0 is exactly that standardisation.
            standardised = [methods.with_popularity_prior(FittedMethod(name, found[name], {}, {}), train, 0.0)
                            for name in ("dot", "log P")]
            found["z(dot) + z(log P)"] = methods.summed_scores(standardised)
        for score_label, score in found.items():
            metrics = validate_scores(experiment, score_label, score)
            print(result_line(f"{label} {score_label}", metrics, took), flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("probe", choices=("pairs", "growth", "foldin", "hs"))
    parser.add_argument("counts", type=int, nargs="+",
                        help="interaction pairs per epoch to try (hs: negatives beside the hierarchical softmax)")
    args = parser.parse_args(argv)
    settings = load_settings()
    with QueryRunner(settings.neo4j) as runner:
        bench = Benchmark(runner, settings, BenchmarkConfig(), log=lambda _: None)
        probe = {"pairs": probe_pairs, "growth": probe_growth, "foldin": probe_foldin, "hs": probe_hs}[args.probe]
        probe(bench.experiment, args.counts)


if __name__ == "__main__":
    main()
