"""Warm-started skip-gram for the daily refresh: a new run that starts from the previous run's vectors.

Tokens the previous run knew start from its input and output vectors; a new token (a user or item that
arrived with the day's delta) starts from the mean of the previous vectors of its neighbours in the walks
(the tokens right before and after it: its graph neighbours along the metapath), or from gensim's random
initialisation when none of its neighbours is known. Then SGNS trains on the new corpus for
``config.epochs`` epochs (a refresh uses fewer than a full retrain).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from gensim.models import Word2Vec

from mp2v.embeddings.store import Embeddings
from mp2v.errors import ConfigError
from mp2v.graph.model import GraphModel
from mp2v.training.gensim_sgns import TrainConfig, TrainResult, stable_hash
from mp2v.types import FloatMatrix, Token


@dataclass(frozen=True)
class WarmStart:
    """How many tokens started from the previous run, from their neighbours, or at random."""

    previous: int
    from_neighbours: int
    random: int


def previous_vectors(embeddings: Embeddings, model: GraphModel) -> dict[Token, tuple[np.ndarray, np.ndarray]]:
    """Token -> (input, output) vector of a stored run, with the graph's token prefixes."""
    prefixes = model.token_prefixes
    vectors: dict[Token, tuple[np.ndarray, np.ndarray]] = {}
    for label, ids, inputs, outputs in (
            (model.user_label, embeddings.user_ids, embeddings.user_input, embeddings.user_output),
            (model.item_label, embeddings.item_ids, embeddings.item_input, embeddings.item_output)):
        for row, entity in enumerate(ids.tolist()):
            vectors[f"{prefixes[label]}:{entity}"] = (inputs[row], outputs[row])
    return vectors


def neighbour_sums(corpus: Path, new: set[Token], known: set[Token]) -> dict[Token, list[Token]]:
    """For each new token, the known tokens next to it anywhere in the corpus (one pass, line by line)."""
    found: dict[Token, list[Token]] = {}
    with corpus.open(encoding="utf-8") as handle:
        for line in handle:
            tokens = line.split()
            for position, token in enumerate(tokens):
                if token not in new:
                    continue
                for other in (tokens[position - 1] if position else None,
                              tokens[position + 1] if position + 1 < len(tokens) else None):
                    if other is not None and other in known:
                        found.setdefault(token, []).append(other)
    return found


def warm_train(corpus: Path, config: TrainConfig, previous: Embeddings, model: GraphModel) -> tuple[TrainResult,
                                                                                                      WarmStart]:
    """Train on ``corpus`` starting from ``previous`` (see the module docstring)."""
    if not corpus.is_file() or corpus.stat().st_size == 0:
        raise ConfigError(f"walk corpus {corpus} is missing or empty: the refresh's walk step wrote nothing")
    w2v = Word2Vec(vector_size=config.dimensions, window=config.window, min_count=1, sg=1, hs=0,
                   negative=config.negative, ns_exponent=config.ns_exponent, sample=config.sample,
                   alpha=config.alpha, min_alpha=config.min_alpha, workers=config.workers, seed=config.seed,
                   hashfxn=stable_hash, compute_loss=True)
    w2v.build_vocab(corpus_file=str(corpus))
    if previous.dimensions != config.dimensions:
        raise ConfigError(f"the previous run has {previous.dimensions} dimensions but the refresh trains "
                          f"{config.dimensions}; refresh with --dimensions {previous.dimensions}")
    old = previous_vectors(previous, model)
    vocabulary: dict[Token, int] = w2v.wv.key_to_index
    inputs: FloatMatrix = w2v.wv.vectors
    outputs: FloatMatrix = w2v.syn1neg
    new = {token for token in vocabulary if token not in old}
    for token, index in vocabulary.items():
        if token in old:
            inputs[index], outputs[index] = old[token]
    neighbours = neighbour_sums(corpus, new, set(old)) if new else {}
    for token, near in neighbours.items():
        index = vocabulary[token]
        inputs[index] = np.mean([old[n][0] for n in near], axis=0)
        outputs[index] = np.mean([old[n][1] for n in near], axis=0)
    words = int(w2v.corpus_total_words)
    started = time.monotonic()
    w2v.train(corpus_file=str(corpus), total_words=words, epochs=config.epochs, compute_loss=True)
    seconds = time.monotonic() - started
    result = TrainResult(model=w2v, seconds=seconds, words_per_second=words * config.epochs / max(seconds, 1e-9))
    return result, WarmStart(len(vocabulary) - len(new), len(neighbours), len(new) - len(neighbours))
