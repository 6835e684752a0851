"""Skip-gram with negative sampling in PyTorch: CPU, one GPU, or one rank of a ``torch.distributed`` group.

The objective, vocabulary, down-sampling, reduced window and negative tables are those of
:mod:`mp2v.training.numba_sgns` (and so of gensim): for a centre ``c`` and a context ``o`` of node type
``T(o)`` within a window shrunk uniformly in 1..``window``,

    log sigma(v_c . u_o) + sum_{k=1..negative} log sigma(-v_c . u_n_k),   n_k ~ count^ns_exponent

over all tokens, or over the tokens of type ``T(o)`` only (``typed``: metapath2vec++). Training is plain SGD
on the rows a batch touches (``index_add_`` of the batch's gradients into the input and output tables, no
autograd, no optimizer state), with word2vec's learning rate falling linearly from ``alpha`` to ``min_alpha``
over all epochs. The corpus (a walk file, or a restartable iterable of token lists) is read as a stream, one
chunk of walks at a time; the pairs of a chunk are shuffled and cut into batches of ``batch_pairs``.

Across ranks (:mod:`mp2v.training.torch_launch`), each rank reads walks ``i % world == rank`` and keeps a
full replica of both tables; every ``sync_walks`` walks the ranks add up what each changed in the rows any of
them touched (docs/training_torch.md gives the cost).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import torch
import torch.distributed as dist

from mp2v.errors import ConfigError
from mp2v.training.gensim_sgns import TrainConfig
from mp2v.training.numba_sgns import TypedTrainResult, Vocabulary, initial_inputs, negative_tables
from mp2v.training.torch_options import TorchOptions
from mp2v.types import Token

Sentences = Path | Iterable[Sequence[str]]


def sentences(corpus: Sentences) -> Iterator[Sequence[str]]:
    """One pass over the walks: a file's lines split on whitespace, or the iterable itself (restartable)."""
    if isinstance(corpus, Path):
        with open(corpus, encoding="utf-8") as lines:
            for line in lines:
                yield line.split()
    else:
        yield from corpus


class NegativeSampler:
    """Draws negatives on the device: per group, ``P(n) ~ count^exponent``; the groups' cumulative
    distributions are stacked as ``group + cdf`` so that one ``searchsorted`` serves every group."""

    def __init__(self, vocabulary: Vocabulary, exponent: float, typed: bool, device: torch.device) -> None:
        members, cdf, starts, group_of = negative_tables(vocabulary, exponent, typed)
        position_group = np.repeat(np.arange(starts.size - 1), np.diff(starts))
        self.members = torch.from_numpy(members).to(device)
        self.stacked = torch.from_numpy(position_group + cdf).to(device)
        self.last = torch.from_numpy(starts[1:] - 1).to(device)
        self.group_of = torch.from_numpy(group_of).to(device)

    def draw(self, contexts: torch.Tensor, negative: int, generator: torch.Generator) -> torch.Tensor:
        """``negative`` draws per context from the context's group: (batch, negative) token ids."""
        group = self.group_of[contexts].unsqueeze(1).expand(-1, negative)
        uniform = torch.rand(group.shape, generator=generator, device=contexts.device, dtype=torch.float64)
        position = torch.searchsorted(self.stacked, group + uniform, right=True)
        return self.members[torch.minimum(position, self.last[group])]


def chunk_pairs(walks: list[list[int]], keep: npt.NDArray[np.float64], window: int,
                rng: np.random.Generator) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(centre, context) pairs of a chunk of walks, shuffled: frequent tokens down-sampled, each centre's window
    shrunk uniformly in 1..``window`` (word2vec's reduced window)."""
    width = max(map(len, walks))
    ids = np.full((len(walks), width), -1, dtype=np.int64)
    for row, walk in enumerate(walks):
        ids[row, :len(walk)] = walk
    kept = (ids >= 0) & (rng.random(ids.shape) < keep[np.maximum(ids, 0)])
    # Dropped tokens leave no gap (word2vec removes them before windowing): kept ones move left, in order.
    order = np.argsort(~kept, axis=1, kind="stable")
    ids = np.where(np.take_along_axis(kept, order, axis=1), np.take_along_axis(ids, order, axis=1), -1)
    reach = rng.integers(1, window + 1, size=ids.shape)
    centres, contexts = [], []
    for offset in range(1, window + 1):
        left, right = ids[:, :-offset], ids[:, offset:]
        valid = (left >= 0) & (right >= 0)
        forward = valid & (reach[:, :-offset] >= offset)  # centre on the left, context to its right
        backward = valid & (reach[:, offset:] >= offset)  # centre on the right, context to its left
        centres += [left[forward], right[backward]]
        contexts += [right[forward], left[backward]]
    centre, context = np.concatenate(centres), np.concatenate(contexts)
    shuffle = rng.permutation(centre.size)
    return centre[shuffle], context[shuffle]


class RowSync:
    """Keeps replicas equal across ranks: the rows touched by any rank since the last call get the sum of
    every rank's change to them. One process: nothing to do."""

    def __init__(self, tables: Sequence[torch.Tensor]) -> None:
        self.tables = tables
        self.active = dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1
        rows = tables[0].shape[0]
        self.touched = torch.zeros(rows, dtype=torch.uint8, device=tables[0].device)
        self.snapshots = [t.clone() for t in tables] if self.active else []
        #: Bytes this rank sent into all-reduces (mask + rows), for the benchmark's communication figure.
        self.bytes = 0

    def mark(self, *rows: torch.Tensor) -> None:
        if self.active:
            for index in rows:
                self.touched[index] = 1

    def more(self, has_more: bool) -> bool:
        """Whether any rank still has walks (every rank calls this the same number of times)."""
        if not self.active:
            return has_more
        flag = torch.tensor([int(has_more)], device=self.touched.device)
        dist.all_reduce(flag)
        return bool(flag.item())

    def __call__(self) -> None:
        if not self.active:
            return
        dist.all_reduce(self.touched, op=dist.ReduceOp.MAX)
        rows = torch.nonzero(self.touched).squeeze(1)
        self.bytes += self.touched.numel()
        for table, snapshot in zip(self.tables, self.snapshots, strict=True):
            change = table[rows] - snapshot[rows]
            dist.all_reduce(change)
            table[rows] = snapshot[rows] + change
            snapshot[rows] = table[rows]
            self.bytes += change.numel() * change.element_size()
        self.touched.zero_()


@dataclass
class _State:
    inputs: torch.Tensor
    outputs: torch.Tensor
    lock: torch.Tensor
    sampler: NegativeSampler
    generator: torch.Generator


def _step(state: _State, sync: RowSync, centre: torch.Tensor, context: torch.Tensor, negative: int,
          rate: float) -> float:
    """One batch of SGD on the touched rows; returns the batch's loss."""
    negatives = state.sampler.draw(context, negative, state.generator)
    targets = torch.cat((context.unsqueeze(1), negatives), dim=1)  # (batch, 1 + negative)
    sync.mark(centre, targets.reshape(-1))
    labels = torch.zeros(targets.shape, device=targets.device)
    labels[:, 0] = 1.0
    # A negative equal to the context is skipped, as word2vec does.
    weight = torch.ones_like(labels)
    weight[:, 1:] = (negatives != context.unsqueeze(1)).float()
    v = state.inputs[centre]  # (batch, dim)
    u = state.outputs[targets]  # (batch, 1 + negative, dim)
    dot = torch.bmm(u, v.unsqueeze(2)).squeeze(2).clamp(-20.0, 20.0)
    score = torch.sigmoid(dot)
    loss = -(weight * torch.log(torch.where(labels > 0, score, 1.0 - score) + 1e-12)).sum()
    step = (labels - score) * weight * rate  # (batch, 1 + negative)
    gradient_v = torch.bmm(step.unsqueeze(1), u).squeeze(1)
    state.outputs.index_add_(0, targets.reshape(-1), (step.unsqueeze(2) * v.unsqueeze(1)).reshape(-1, v.shape[1]))
    state.inputs.index_add_(0, centre, gradient_v * state.lock[centre].unsqueeze(1))
    return float(loss)


def initial_tables(vocabulary: Vocabulary, dimensions: int, seed: int,
                   vectors: Mapping[Token, np.ndarray] | None, freeze: bool) -> tuple[np.ndarray, np.ndarray]:
    """Inputs U(-1/d, 1/d) from the seed (the same on every rank), given tokens' vectors copied in;
    the lock is 0 for frozen rows."""
    inputs = initial_inputs(len(vocabulary.tokens), dimensions, np.random.default_rng(seed))
    lock = np.ones(len(vocabulary.tokens), dtype=np.float32)
    if vectors:
        rows = [(vocabulary.index[t], v) for t, v in vectors.items() if t in vocabulary.index]
        if not rows:
            raise ConfigError("none of the initial vectors' tokens occur in the walk corpus")
        for row, vector in rows:
            if vector.shape != (dimensions,):
                raise ConfigError(f"initial vector of {vocabulary.tokens[row]} has shape {vector.shape}; the "
                                  f"model needs ({dimensions},): train the baseline with the same dimensions")
            inputs[row] = vector
            lock[row] = 0.0 if freeze else 1.0
    return inputs, lock


def _chunks(corpus: Sentences, vocabulary: Vocabulary, rank: int, world: int,
            size: int) -> Iterator[tuple[list[list[int]], int]]:
    """This rank's walks (``i % world == rank``) as token ids, ``size`` at a time, with their token count."""
    chunk: list[list[int]] = []
    words = 0
    for number, walk in enumerate(sentences(corpus)):
        if number % world != rank or not walk:
            continue
        chunk.append([vocabulary.index[t] for t in walk])
        words += len(walk)
        if len(chunk) == size:
            yield chunk, words
            chunk, words = [], 0
    if chunk:
        yield chunk, words


def train_rank(corpus: Sentences, config: TrainConfig, options: TorchOptions, device: torch.device, *,
               typed: bool, rank: int = 0, world: int = 1, vocabulary: Vocabulary | None = None,
               initial_vectors: Mapping[Token, np.ndarray] | None = None,
               progress: Callable[[str], None] | None = None) -> tuple[TypedTrainResult, int]:
    """Train on this rank's shard; returns the (synchronised) tables and the bytes this rank all-reduced."""
    vocabulary = vocabulary or Vocabulary(corpus)
    torch.set_num_threads(config.workers)
    inputs, lock = initial_tables(vocabulary, config.dimensions, config.seed, initial_vectors,
                                  config.freeze_initialised)
    generator = torch.Generator(device=device)
    generator.manual_seed(config.seed * 1_000_003 + rank)
    state = _State(torch.from_numpy(inputs).to(device), torch.zeros(inputs.shape, device=device),
                   torch.from_numpy(lock).to(device), NegativeSampler(vocabulary, config.ns_exponent, typed, device),
                   generator)
    sync = RowSync((state.inputs, state.outputs))
    rng = np.random.default_rng([config.seed, rank])
    keep = vocabulary.keep_probability(config.sample)
    total = float(vocabulary.counts.sum()) * config.epochs
    done, losses = 0.0, []
    started = time.monotonic()
    for epoch in range(config.epochs):
        loss = 0.0
        chunks = _chunks(corpus, vocabulary, rank, world, options.sync_walks)
        while sync.more((item := next(chunks, None)) is not None):
            if item is not None:
                walks, words = item
                centre, context = (torch.from_numpy(a).to(device) for a in chunk_pairs(walks, keep, config.window,
                                                                                         rng))
                batches = max(1, -(-centre.numel() // options.batch_pairs))
                for b in range(batches):
                    part = slice(b * options.batch_pairs, (b + 1) * options.batch_pairs)
                    # Progress of the whole group: every rank is about as far through its shard.
                    progress_share = min(1.0, (done + words * b / batches) * world / total)
                    rate = config.alpha - (config.alpha - config.min_alpha) * progress_share
                    loss += _step(state, sync, centre[part], context[part], config.negative, rate)
                done += words
            sync()
        losses.append(_sum_over_ranks(loss, sync.active, device))
        if progress is not None:
            progress(f"epoch {epoch + 1}/{config.epochs}: loss {losses[-1]:,.0f}")
    seconds = time.monotonic() - started
    words_all = float(vocabulary.counts.sum()) * config.epochs
    return TypedTrainResult(list(vocabulary.tokens), state.inputs.cpu().numpy(), state.outputs.cpu().numpy(),
                            seconds, words_all / max(seconds, 1e-9), losses), sync.bytes


def _sum_over_ranks(value: float, active: bool, device: torch.device) -> float:
    if not active:
        return value
    total = torch.tensor([value], dtype=torch.float64, device=device)
    dist.all_reduce(total)
    return float(total.item())
