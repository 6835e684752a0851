"""Skip-gram with negative sampling whose negatives can be drawn per node type (metapath2vec++).

For a centre token ``c`` and a context token ``o`` of node type ``T(o)`` within the (shrunk) window,

    log sigma(v_c . u_o) + sum_{k=1..negative} E_{n ~ P(n)} log sigma(-v_c . u_n)

with ``P(n) ~ count(n)^ns_exponent`` over all tokens (``typed=False``: what gensim does) or over the tokens of
type ``T(o)`` only (``typed=True``: the heterogeneous negative sampling of metapath2vec++, Dong, Chawla and
Swami, KDD 2017). gensim cannot restrict its negatives to a type, hence this trainer; its untyped mode exists
so that the two differ in the negatives alone (same pairs, schedule, initialisation and updates).

A numba kernel does what word2vec's C code does: per walk, frequent tokens are down-sampled (threshold
``sample``), each centre gets a window shrunk uniformly in 1..``window``, and plain SGD updates the vectors
pair by pair (lock-free across ``workers`` threads, as gensim) with a learning rate falling linearly from
``alpha`` to ``min_alpha``. Input vectors start from U(-0.5/d, 0.5/d), output vectors from 0. The corpus file
is read once per epoch in chunks of walks, never held whole. With ``workers=1`` a seed gives identical vectors.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numba
import numpy as np
import numpy.typing as npt

from mp2v.errors import ConfigError
from mp2v.training.gensim_sgns import TrainConfig
from mp2v.types import FloatMatrix, Token

#: Walks read from the corpus file per kernel call.
WALKS_PER_CHUNK = 20_000


@dataclass
class TypedTrainResult:
    tokens: list[Token]
    inputs: FloatMatrix
    outputs: FloatMatrix
    seconds: float
    words_per_second: float
    epoch_losses: list[float]


class Vocabulary:
    """Tokens by falling count, their counts, and their node type (the token's prefix: ``u:``, ``a:``, ...)."""

    def __init__(self, corpus: Path | Iterable[Sequence[str]]) -> None:
        counts: Counter[str] = Counter()
        if isinstance(corpus, Path):
            with open(corpus, encoding="utf-8") as lines:
                for line in lines:
                    counts.update(line.split())
        else:  # a restartable iterable of walks (the torch trainer's other input)
            for walk in corpus:
                counts.update(walk)
        if not counts:
            raise ConfigError(f"walk corpus {corpus} is empty: run `mp2v walk` first")
        self.tokens = sorted(counts, key=lambda t: (-counts[t], t))
        self.index = {token: row for row, token in enumerate(self.tokens)}
        self.counts = np.array([counts[t] for t in self.tokens], dtype=np.float64)
        #: Node types by their token prefix; ``types`` holds each token's index in this list.
        self.prefixes = sorted({t.split(":", 1)[0] for t in self.tokens})
        self.types = np.array([self.prefixes.index(t.split(":", 1)[0]) for t in self.tokens], dtype=np.int64)

    def pair_weights(self, weights: Mapping[tuple[str, str], float]) -> npt.NDArray[np.float32]:
        """``table[c, o]``: the weight of a pair whose centre has type ``c`` and context type ``o``; 1 but for
        the (centre prefix, context prefix) pairs in ``weights`` (0 leaves such pairs out)."""
        table = np.ones((len(self.prefixes), len(self.prefixes)), dtype=np.float32)
        for (centre, context), weight in weights.items():
            unknown = [p for p in (centre, context) if p not in self.prefixes]
            if unknown:
                raise ConfigError(f"pair_weights names node type {unknown[0]!r}, which no token of the walk "
                                  f"corpus has; its types are {', '.join(self.prefixes)}")
            table[self.prefixes.index(centre), self.prefixes.index(context)] = weight
        return table

    def keep_probability(self, sample: float) -> npt.NDArray[np.float64]:
        """word2vec's down-sampling: keep a token with probability (sqrt(f / s) + 1) * s / f, f its frequency."""
        if sample <= 0:
            return np.ones(self.counts.size)
        threshold = sample * self.counts.sum()
        return np.minimum(1.0, (np.sqrt(self.counts / threshold) + 1) * threshold / self.counts)


def negative_tables(vocabulary: Vocabulary, exponent: float, typed: bool) -> tuple[
        npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Per group (one per node type, or one for all): member tokens and their cumulative distribution,
    concatenated; ``starts`` delimits the groups, ``group_of`` maps a token to the group its negatives use."""
    group_of = vocabulary.types if typed else np.zeros(vocabulary.types.size, dtype=np.int64)
    order = np.argsort(group_of, kind="stable")
    weights = vocabulary.counts[order] ** exponent
    sizes = np.bincount(group_of, minlength=int(group_of.max()) + 1)
    starts = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
    cdf = np.empty(order.size)
    for group in range(sizes.size):
        part = weights[starts[group]:starts[group + 1]]
        cdf[starts[group]:starts[group + 1]] = np.cumsum(part) / part.sum()
    return order.astype(np.int64), cdf, starts, group_of.astype(np.int64)


@numba.njit(nogil=True, fastmath=True, cache=True)
def _draw(members: np.ndarray, cdf: np.ndarray, start: int, stop: int) -> int:
    position = start + int(np.searchsorted(cdf[start:stop], np.random.random(), side="right"))
    return int(members[min(position, stop - 1)])


@numba.njit(parallel=True, fastmath=True, cache=True)
def _train_chunk(walks: np.ndarray, inputs: np.ndarray, outputs: np.ndarray, lock: np.ndarray, keep: np.ndarray,
                 members: np.ndarray, cdf: np.ndarray, starts: np.ndarray, group_of: np.ndarray,
                 types: np.ndarray, pair_weight: np.ndarray, window: int, negative: int, alpha: float,
                 min_alpha: float, l2: float, skip_at: float, words_before: float, total_words: float,
                 seed: int) -> float:
    count, width = walks.shape
    dim = inputs.shape[1]
    losses = np.zeros(count)
    for w in numba.prange(count):
        # Seeded per walk: the draws do not depend on which thread takes the walk.
        np.random.seed(seed + w)
        progress = min(1.0, (words_before + w * width) / total_words)
        rate = alpha - (alpha - min_alpha) * progress
        kept = np.empty(width, dtype=np.int64)
        size = 0
        for p in range(width):
            token = walks[w, p]
            if token < 0:
                break
            if keep[token] >= 1.0 or np.random.random() < keep[token]:
                kept[size] = token
                size += 1
        gradient = np.empty(dim, dtype=np.float32)
        for i in range(size):
            centre = kept[i]
            reach = np.random.randint(1, window + 1)
            for j in range(max(0, i - reach), min(size, i + reach + 1)):
                if j == i:
                    continue
                context = kept[j]
                weight = pair_weight[types[centre], types[context]]
                if weight == 0.0:
                    continue
                group = group_of[context]
                gradient[:] = 0.0
                for k in range(negative + 1):
                    if k == 0:
                        target, label = context, 1.0
                    else:
                        target = _draw(members, cdf, starts[group], starts[group + 1])
                        if target == context:
                            continue
                        label = 0.0
                    dot = 0.0
                    for d in range(dim):
                        dot += inputs[centre, d] * outputs[target, d]
                    if abs(dot) >= skip_at:
                        continue
                    dot = min(max(dot, -20.0), 20.0)
                    score = 1.0 / (1.0 + np.exp(-dot))
                    losses[w] -= weight * (np.log(score + 1e-12) if label > 0 else np.log(1.0 - score + 1e-12))
                    step = (label - score) * rate * weight
                    # The L2 term decays the rows of the observed pair only (k == 0), once per occurrence.
                    decay = rate * weight * l2 if k == 0 else 0.0
                    for d in range(dim):
                        gradient[d] += step * outputs[target, d]
                        outputs[target, d] += step * inputs[centre, d] - decay * outputs[target, d]
                for d in range(dim):
                    inputs[centre, d] += (gradient[d] - rate * weight * l2 * inputs[centre, d]) * lock[centre]
    return float(losses.sum())


def _initialise(vocabulary: Vocabulary, inputs: np.ndarray, lock: np.ndarray, vectors: Mapping[Token, np.ndarray],
                *, freeze: bool) -> None:
    rows = [(vocabulary.index[t], v) for t, v in vectors.items() if t in vocabulary.index]
    if not rows:
        raise ConfigError("none of the initial vectors' tokens occur in the walk corpus")
    for row, vector in rows:
        if vector.shape != (inputs.shape[1],):
            raise ConfigError(f"initial vector of {vocabulary.tokens[row]} has shape {vector.shape}; the model "
                              f"needs ({inputs.shape[1]},): train the baseline with the same dimensions")
        inputs[row] = vector
        lock[row] = 0.0 if freeze else 1.0


def _walk_chunks(corpus: Path, vocabulary: Vocabulary) -> Iterator[npt.NDArray[np.int64]]:
    """Walks as rows of token ids, padded with -1."""
    rows: list[list[int]] = []
    with open(corpus, encoding="utf-8") as lines:
        for line in lines:
            rows.append([vocabulary.index[t] for t in line.split()])
            if len(rows) == WALKS_PER_CHUNK:
                yield _pad(rows)
                rows = []
    if rows:
        yield _pad(rows)


def _pad(rows: list[list[int]]) -> npt.NDArray[np.int64]:
    table = np.full((len(rows), max(map(len, rows))), -1, dtype=np.int64)
    for row, walk in enumerate(rows):
        table[row, :len(walk)] = walk
    return table


def initial_inputs(rows: int, dim: int, rng: np.random.Generator) -> npt.NDArray[np.float32]:
    """Input vectors drawn U(-1/dim, 1/dim), as gensim 4 draws them (word2vec.c draws half that range).

    The wider range measured better on Last.fm R-MP2V (3 seeds, test Recall@20): numba-typed 0.2573 -> 0.2615,
    torch 0.2500 -> 0.2571 (results/trainers.md)."""
    return ((rng.random((rows, dim)) * 2.0 - 1.0) / dim).astype(np.float32)


@dataclass(frozen=True)
class KernelOptions:
    """Research options of the kernel, all off by default (docs/benchmark.md, "The skip-gram objective itself").

    ``l2`` adds ``l2 / 2 (|v_c|^2 + |u_o|^2)`` to each observed pair's loss, so a row is shrunk once per
    occurrence (the frequency-weighted penalty of ALS-WR, Zhou et al. 2008). ``pair_weights`` scales the loss
    of the (centre prefix, context prefix) pairs it names: ``{("u", "u"): 0}`` leaves out user-user context.
    ``skip_saturated`` leaves out each (pair or negative) update whose ``|v_c . u_o|`` reaches it, as gensim's
    kernel does at 6 (its ``MAX_EXP``; word2vec.c and this kernel update with sigma clamped). ``decay_share``
    < 1 makes the learning rate within each epoch fall only that share of the epoch's part of the linear
    schedule, the next epoch starting where the whole schedule would: gensim's schedule in ``corpus_file``
    mode with ``w`` workers is ``1 / w`` (each worker reads 1 / w of the corpus and measures its progress
    against the whole epoch; docs/training.md)."""

    l2: float = 0.0
    pair_weights: Mapping[tuple[str, str], float] = field(default_factory=dict)
    skip_saturated: float | None = None
    decay_share: float = 1.0

    def __post_init__(self) -> None:
        if not self.l2 >= 0:
            raise ConfigError(f"l2 must be 0 or more, not {self.l2}")
        if self.skip_saturated is not None and not self.skip_saturated > 0:
            raise ConfigError(f"skip_saturated must be above 0 (gensim's is 6), not {self.skip_saturated}")
        for (centre, context), weight in self.pair_weights.items():
            if not weight >= 0:
                raise ConfigError(f"pair weight of ({centre}, {context}) must be 0 or more, not {weight}")
        if not 0 < self.decay_share <= 1:
            raise ConfigError(f"decay_share must be in (0, 1] (gensim's corpus_file schedule is 1 / workers), "
                              f"not {self.decay_share}")

    @property
    def skip_at(self) -> float:
        # A finite "never": fastmath lets the compiler assume no value is infinite.
        return 1e30 if self.skip_saturated is None else float(self.skip_saturated)


def train_typed(corpus: Path, config: TrainConfig, *, typed: bool = True,
                initial_vectors: Mapping[Token, np.ndarray] | None = None, progress: bool = False,
                options: KernelOptions = KernelOptions()) -> TypedTrainResult:
    """SGNS on a walk corpus; ``typed`` draws each pair's negatives from its context token's node type.
    ``initial_vectors`` seed chosen tokens' input vectors (kept fixed with ``config.freeze_initialised``);
    ``options`` are research options (:class:`KernelOptions`)."""
    if not corpus.is_file() or corpus.stat().st_size == 0:
        raise ConfigError(f"walk corpus {corpus} is missing or empty: run `mp2v walk` first")
    vocabulary = Vocabulary(corpus)
    pair_weight = vocabulary.pair_weights(options.pair_weights)
    members, cdf, starts, group_of = negative_tables(vocabulary, config.ns_exponent, typed)
    keep = vocabulary.keep_probability(config.sample)
    rng = np.random.default_rng(config.seed)
    dim = config.dimensions
    inputs = initial_inputs(len(vocabulary.tokens), dim, rng)
    outputs = np.zeros_like(inputs)
    lock = np.ones(len(vocabulary.tokens), dtype=np.float32)
    if initial_vectors:
        _initialise(vocabulary, inputs, lock, initial_vectors, freeze=config.freeze_initialised)
    words = float(vocabulary.counts.sum())
    losses: list[float] = []
    previous_threads = numba.get_num_threads()
    numba.set_num_threads(min(config.workers, numba.config.NUMBA_NUM_THREADS))  # type: ignore[attr-defined]
    started = time.monotonic()
    try:
        chunk_seed = config.seed * 1_000_003
        # The schedule, then the optional tail: the rate restarts at tail_alpha and falls to min_alpha again.
        phases = [(config.epochs, config.alpha)] + ([(config.tail_epochs, config.tail_alpha)]
                                                    if config.tail_epochs else [])
        for phase_epochs, alpha in phases:
            # The kernel's rate falls with (words before + words in the chunk) / total: scaling the epoch's
            # position by 1 / decay_share makes each epoch cover only decay_share of its part of the schedule.
            total = words * phase_epochs / options.decay_share
            for epoch in range(phase_epochs):
                loss, done = 0.0, 0.0
                for walks in _walk_chunks(corpus, vocabulary):
                    loss += _train_chunk(walks, inputs, outputs, lock, keep, members, cdf, starts, group_of,
                                         vocabulary.types, pair_weight, config.window, config.negative, alpha,
                                         config.min_alpha, options.l2, options.skip_at,
                                         epoch * words / options.decay_share + done, total, chunk_seed)
                    done += float((walks >= 0).sum())
                    chunk_seed += walks.shape[0]
                losses.append(loss)
                if progress:
                    print(f"epoch {len(losses)}/{config.epochs + config.tail_epochs}: loss {loss:,.0f}", flush=True)
    finally:
        numba.set_num_threads(previous_threads)
    seconds = time.monotonic() - started
    epochs = config.epochs + config.tail_epochs
    return TypedTrainResult(vocabulary.tokens, inputs, outputs, seconds, words * epochs / max(seconds, 1e-9), losses)
