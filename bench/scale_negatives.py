"""Retrain one size's R-MP2V from the scale study's corpus with another negative-sampling exponent and rank.

A probe behind docs/scale.md's "ns_exponent" table, not part of the study: it reads a finished size's folder
(``<MP2V_HOME>/scale/size-N``: files, saved split, corpus), trains 64-dimensional skip-gram vectors, and prints
the dot score's approximate Recall@20 (hits / min(20, |test|)) on 2,000 sampled test users and the overlap of
its top-20 lists with popularity's::

    python -m bench.scale_negatives .mp2v/scale/scale/size-10000000 --ns-exponent 0.25
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mp2v.embeddings.store import Embeddings
from mp2v.evaluation.ranking import top_k_batched
from mp2v.evaluation.split import load_split
from mp2v.graph.model import GraphModel
from mp2v.training import gensim_sgns


def _rows(mapping: dict[Any, int], ids: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """``vectors`` in the order of ``ids`` (zeros where an id has no vector)."""
    rows = np.array([mapping.get(i, -1) for i in ids.tolist()])
    out = np.zeros((ids.size, vectors.shape[1]), np.float32)
    out[rows >= 0] = vectors[rows[rows >= 0]]
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, help="a finished size of the study, e.g. .mp2v/scale/scale/size-1000000")
    parser.add_argument("--ns-exponent", type=float, default=0.0)
    parser.add_argument("--sample", type=float, default=1e-3)
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args(argv)
    size = args.folder.name.removeprefix("size-")
    split = load_split(args.folder / "splits" / f"scale-{size}-holdout-seed42")
    train = (split.train + split.validation).tocsr()
    test = (split.test != 0).tocsr()
    frame = pd.read_csv(args.folder / "files" / "interactions.csv", usecols=["user", "item"])
    user_ids, item_ids = np.unique(frame["user"].to_numpy()), np.unique(frame["item"].to_numpy())
    started = time.monotonic()
    config = gensim_sgns.TrainConfig(dimensions=64, epochs=args.epochs, workers=2, ns_exponent=args.ns_exponent,
                                     sample=args.sample)
    tokens, inputs, outputs = gensim_sgns.input_vectors(gensim_sgns.train(args.folder / "corpus.txt", config,
                                                                          progress=False).model)
    vectors = Embeddings.from_tokens(tokens, inputs, outputs, GraphModel(dataset=f"scale-{size}"))
    trained = time.monotonic() - started
    users_v = _rows(vectors.user_rows, user_ids, vectors.user_input)
    items_v = _rows(vectors.item_rows, item_ids, vectors.item_output)
    candidates = np.flatnonzero(np.diff(test.indptr) > 0)
    users = np.sort(np.random.default_rng(0).choice(candidates, min(2000, candidates.size), replace=False))
    truth = [set(test.indices[test.indptr[u]:test.indptr[u + 1]].tolist()) for u in users]
    popularity = np.asarray((train != 0).sum(axis=0), dtype=np.float32).ravel()
    popular = top_k_batched(lambda u: np.tile(popularity, (u.size, 1)), users, 20, exclude=train, batch_size=256)
    ranked = top_k_batched(lambda u: users_v[u] @ items_v.T, users, 20, exclude=train, batch_size=256)
    recall = np.mean([len(set(r.tolist()) & t) / min(20, len(t)) for r, t in zip(ranked, truth, strict=True)])
    overlap = np.mean([len(set(a.tolist()) & set(b.tolist())) / 20 for a, b in zip(ranked, popular, strict=True)])
    base = np.mean([len(set(r.tolist()) & t) / min(20, len(t)) for r, t in zip(popular, truth, strict=True)])
    print(f"size {size}, ns_exponent {args.ns_exponent}, sample {args.sample}, {args.epochs} epochs "
          f"(trained in {trained:.0f} s): recall~ {recall:.4f} (popularity {base:.4f}), "
          f"overlap with popularity's top-20 {overlap:.3f}")


if __name__ == "__main__":
    main()
