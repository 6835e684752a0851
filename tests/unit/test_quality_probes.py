"""The probes' arithmetic: the fold-in user step against the weighted least-squares solution written out in
full, and the hierarchical-softmax scorer against a path-by-path sum and the softmax's normalisation."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from gensim.models import Word2Vec

from bench.quality_probes import HierarchicalScores, fold_in


def test_fold_in_matches_the_full_weighted_least_squares_solution() -> None:
    rng = np.random.default_rng(3)
    items = rng.normal(size=(9, 4))
    dense = np.where(rng.random((5, 9)) < 0.4, rng.integers(1, 5, size=(5, 9)), 0).astype(float)
    alpha, regularization = 3.0, 0.7
    solved = fold_in(items, sp.csr_matrix(dense), alpha, regularization, batch=2)
    for user in range(5):
        confidence = np.diag(1.0 + alpha * dense[user])  # every item, the unobserved ones at confidence 1
        preference = (dense[user] > 0).astype(float)
        expected = np.linalg.solve(items.T @ confidence @ items + regularization * np.eye(4),
                                   items.T @ confidence @ preference)
        np.testing.assert_allclose(solved[user], expected, rtol=1e-9, atol=1e-12)


def _hierarchical_model() -> Word2Vec:
    rng = np.random.default_rng(5)
    vocabulary = [f"u:{n}" for n in range(6)] + [f"a:{n}" for n in range(12)]
    walks = [[vocabulary[k] for k in rng.integers(0, len(vocabulary), size=12)] for _ in range(60)]
    return Word2Vec(walks, vector_size=8, window=2, min_count=1, sg=1, hs=1, negative=0, epochs=3, workers=1,
                    seed=1)


def test_hierarchical_scores_sum_the_log_sigmoids_along_each_huffman_path() -> None:
    model = _hierarchical_model()
    users, items = [f"u:{n}" for n in range(6)], [f"a:{n}" for n in range(12)] + ["a:missing"]
    scores = HierarchicalScores(model, users, items)(np.arange(6))
    for row, user in enumerate(users):
        vector = model.wv[user].astype(np.float64)
        for col, item in enumerate(items[:-1]):
            codes, points = model.wv.get_vecattr(item, "code"), model.wv.get_vecattr(item, "point")
            expected = sum(np.log(1.0 / (1.0 + np.exp(-(1 - 2 * int(c)) * vector @ model.syn1[p])))
                           for c, p in zip(codes, points, strict=True))
            np.testing.assert_allclose(scores[row, col], expected, rtol=1e-4)
    assert np.isneginf(scores[:, -1]).all()  # an item the model never saw is never recommended


def test_hierarchical_probabilities_over_the_whole_vocabulary_sum_to_one() -> None:
    model = _hierarchical_model()
    vocabulary = list(model.wv.index_to_key)
    scores = HierarchicalScores(model, vocabulary, vocabulary)(np.arange(len(vocabulary)))
    np.testing.assert_allclose(np.exp(scores.astype(np.float64)).sum(axis=1), 1.0, rtol=1e-4)
