r"""Skip-gram whose centre vector is a weighted sum of an item's own and its side-information vectors (EGES).

Wang et al., "Billion-scale Commodity Embedding for E-commerce Recommendation in Alibaba" (KDD 2018). For a
centre item ``v`` with slots ``s_0 = v, s_1..s_n`` (its strongest side-information features) and per-item
attention logits :math:`a_{vj}`,

.. math:: H_v = \frac{\sum_j e^{a_{vj}} W_{s_j}}{\sum_j e^{a_{vj}}},

and :math:`H_v` replaces the input vector in the SGNS loss :math:`\log\sigma(H_v\cdot u_o) + \sum_k
\log\sigma(-H_v\cdot u_{n_k})`. The gradient :math:`g` of :math:`H_v` flows to every slot vector (times its
weight :math:`p_j`) and to the logits, :math:`\partial H_v/\partial a_{vj} = p_j (W_{s_j} - H_v)`. ``attention
=False`` freezes the logits at 0: the plain mean of the slots (GES, the paper's simple variant). Tokens without
slots (users, feature tokens walked by side-information metapaths) train as in plain SGNS. Side-information
vectors are rows of the same input matrix as corpus tokens, so a tag walked by ``Artist-HAS_TAG->Tag`` and a tag
aggregated into an artist are one vector.

Neither gensim nor any other library here trains a per-token aggregated input vector with learned weights,
hence this numba kernel; the rest (vocabulary, down-sampling, window, learning-rate schedule, negatives by
count^ns_exponent) follows mp2v/training/numba_sgns.py, whose corpus reader it reuses.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numba
import numpy as np
import numpy.typing as npt

from mp2v.errors import ConfigError
from mp2v.training.gensim_sgns import TrainConfig
from mp2v.training.numba_sgns import Vocabulary, _walk_chunks
from mp2v.types import FloatMatrix, Token


@dataclass
class EgesTrainResult:
    """Rows of ``inputs``/``outputs``/``slots``/``logits`` follow ``tokens`` (corpus tokens, then features)."""

    tokens: list[Token]
    inputs: FloatMatrix
    outputs: FloatMatrix
    #: (tokens, 1 + max_side) rows of input-row indices, -1 padded; column 0 is the token itself.
    slots: npt.NDArray[np.int64]
    logits: FloatMatrix
    seconds: float
    epoch_losses: list[float]

    def aggregated(self, rows: npt.NDArray[np.int64]) -> FloatMatrix:
        """:math:`H` of the given token rows (the plain input vector for tokens without side information)."""
        return aggregate(self.inputs, self.slots[rows], self.logits[rows])


def aggregate(inputs: FloatMatrix, slots: npt.NDArray[np.int64], logits: FloatMatrix) -> FloatMatrix:
    """Softmax-weighted sums of ``inputs`` rows named in ``slots`` (-1 ignored), one per row of ``slots``."""
    valid = slots >= 0
    weights = np.where(valid, np.exp(logits - np.where(valid, logits, -np.inf).max(axis=1, keepdims=True)), 0.0)
    weights /= np.maximum(weights.sum(axis=1, keepdims=True), 1e-12)
    return np.einsum("rj,rjd->rd", weights, inputs[np.maximum(slots, 0)]).astype(np.float32)


@numba.njit(parallel=True, fastmath=True, cache=True)
def _train_chunk(walks: np.ndarray, inputs: np.ndarray, outputs: np.ndarray, slots: np.ndarray,
                 logits: np.ndarray, keep: np.ndarray, cdf: np.ndarray, window: int, negative: int,
                 alpha: float, min_alpha: float, words_before: float, total_words: float, seed: int,
                 attention: bool) -> float:
    count, width = walks.shape
    dim = inputs.shape[1]
    n_slots = slots.shape[1]
    losses = np.zeros(count)
    for w in numba.prange(count):
        np.random.seed(seed + w)  # per walk: draws do not depend on the thread that takes it
        rate = alpha - (alpha - min_alpha) * min(1.0, (words_before + w * width) / total_words)
        kept = np.empty(width, dtype=np.int64)
        size = 0
        for p in range(width):
            token = walks[w, p]
            if token < 0:
                break
            if keep[token] >= 1.0 or np.random.random() < keep[token]:
                kept[size] = token
                size += 1
        hidden = np.empty(dim, dtype=np.float32)
        gradient = np.empty(dim, dtype=np.float32)
        weights = np.empty(n_slots, dtype=np.float32)
        for i in range(size):
            centre = kept[i]
            top = -1e30
            for j in range(n_slots):
                if slots[centre, j] >= 0 and logits[centre, j] > top:
                    top = logits[centre, j]
            total = 0.0
            for j in range(n_slots):
                weights[j] = np.exp(logits[centre, j] - top) if slots[centre, j] >= 0 else 0.0
                total += weights[j]
            hidden[:] = 0.0
            for j in range(n_slots):
                weights[j] /= total
                if weights[j] > 0:
                    for d in range(dim):
                        hidden[d] += weights[j] * inputs[slots[centre, j], d]
            reach = np.random.randint(1, window + 1)
            for jj in range(max(0, i - reach), min(size, i + reach + 1)):
                if jj == i:
                    continue
                context = kept[jj]
                gradient[:] = 0.0
                for k in range(negative + 1):
                    if k == 0:
                        target, label = context, 1.0
                    else:
                        target = min(int(np.searchsorted(cdf, np.random.random(), side="right")), cdf.size - 1)
                        if target == context:
                            continue
                        label = 0.0
                    dot = 0.0
                    for d in range(dim):
                        dot += hidden[d] * outputs[target, d]
                    dot = min(max(dot, -20.0), 20.0)
                    score = 1.0 / (1.0 + np.exp(-dot))
                    losses[w] -= np.log(score + 1e-12) if label > 0 else np.log(1.0 - score + 1e-12)
                    step = (label - score) * rate
                    for d in range(dim):
                        gradient[d] += step * outputs[target, d]
                        outputs[target, d] += step * hidden[d]
                for j in range(n_slots):
                    if weights[j] <= 0:
                        continue
                    row = slots[centre, j]
                    if attention and n_slots > 1:
                        along = 0.0
                        for d in range(dim):
                            along += gradient[d] * (inputs[row, d] - hidden[d])
                        logits[centre, j] += weights[j] * along
                    for d in range(dim):
                        inputs[row, d] += weights[j] * gradient[d]
    return float(losses.sum())


def train_eges(corpus: Path, config: TrainConfig, side: Mapping[Token, Sequence[Token]], *,
               attention: bool = True, max_side: int = 5) -> EgesTrainResult:
    """EGES (``attention``) or its mean variant on a walk corpus; ``side`` maps item tokens to feature tokens."""
    if not corpus.is_file() or corpus.stat().st_size == 0:
        raise ConfigError(f"walk corpus {corpus} is missing or empty: walk the graph first")
    if max_side < 0:
        raise ConfigError(f"EGES: max_side={max_side} is invalid; set it to an integer >= 0")
    vocabulary = Vocabulary(corpus)
    tokens = list(vocabulary.tokens)
    index = dict(vocabulary.index)
    for features in side.values():
        for feature in list(features)[:max_side]:
            if feature not in index:  # side information never walked still gets a (trained) vector
                index[feature] = len(tokens)
                tokens.append(feature)
    slots = np.full((len(tokens), 1 + max_side), -1, dtype=np.int64)
    slots[:, 0] = np.arange(len(tokens))
    for item, features in side.items():
        row = index.get(item)
        if row is not None and row < vocabulary.counts.size:
            picked = [index[f] for f in list(features)[:max_side]]
            slots[row, 1:1 + len(picked)] = picked
    weights = vocabulary.counts ** config.ns_exponent
    cdf = np.cumsum(weights) / weights.sum()
    keep = vocabulary.keep_probability(config.sample)
    rng = np.random.default_rng(config.seed)
    dim = config.dimensions
    # word2vec.c's U(-0.5/d, 0.5/d), not initial_inputs' wider range: the committed EGES studies were made with it and
    # the wider range was not measured for EGES.
    inputs = ((rng.random((len(tokens), dim)) - 0.5) / dim).astype(np.float32)
    outputs = np.zeros_like(inputs)
    logits = np.zeros(slots.shape, dtype=np.float32)
    words = float(vocabulary.counts.sum())
    losses: list[float] = []
    previous = numba.get_num_threads()
    numba.set_num_threads(min(config.workers, numba.config.NUMBA_NUM_THREADS))  # type: ignore[attr-defined]
    started = time.monotonic()
    try:
        done, seed = 0.0, config.seed * 1_000_003
        for _ in range(config.epochs):
            loss = 0.0
            for walks in _walk_chunks(corpus, vocabulary):
                loss += _train_chunk(walks, inputs, outputs, slots, logits, keep, cdf, config.window,
                                     config.negative, config.alpha, config.min_alpha, done, words * config.epochs,
                                     seed, attention)
                done += float((walks >= 0).sum())
                seed += walks.shape[0]
            losses.append(loss)
    finally:
        numba.set_num_threads(previous)
    return EgesTrainResult(tokens, inputs, outputs, slots, logits, time.monotonic() - started, losses)
