"""The numba SGNS kernel with shared and type-aware (metapath2vec++) negatives."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import chisquare

from mp2v.embeddings.store import Embeddings
from mp2v.errors import ConfigError
from mp2v.graph.model import LASTFM
from mp2v.serving.scoring import recommend_for_user
from mp2v.training.gensim_sgns import TrainConfig
from mp2v.training.numba_sgns import KernelOptions, Vocabulary, _draw, negative_tables, train_typed
from tests.unit.test_training import _two_communities

#: Every (centre, context) pair of node types in the two-community walks.
PAIRS = [(c, o) for c in "au" for o in "au"]


def _corpus(path: Path) -> Vocabulary:
    # counts: u:1 x4, a:7 x3, a:8 x2, u:2 x1, t:5 x1
    path.write_text("u:1 a:7 u:1 a:8\nu:1 a:7 u:2 a:7\nu:1 a:8 t:5\n")
    return Vocabulary(path)


def test_vocabulary_counts_and_types(tmp_path: Path) -> None:
    vocabulary = _corpus(tmp_path / "walks.txt")
    assert vocabulary.tokens == ["u:1", "a:7", "a:8", "t:5", "u:2"]
    assert vocabulary.counts.tolist() == [4, 3, 2, 1, 1]
    assert vocabulary.types.tolist() == [2, 0, 0, 1, 2]  # prefixes a, t, u in sorted order
    keep = vocabulary.keep_probability(0.1)  # threshold 1.1 words: u:1 kept with (sqrt(4/1.1)+1)*1.1/4
    assert keep[0] == pytest.approx((np.sqrt(4 / 1.1) + 1) * 1.1 / 4)
    assert keep[3] == 1.0 and vocabulary.keep_probability(0).tolist() == [1.0] * 5


@pytest.mark.parametrize("typed", [True, False])
def test_negatives_follow_count_power_within_the_group(tmp_path: Path, typed: bool) -> None:
    vocabulary = _corpus(tmp_path / "walks.txt")
    members, cdf, starts, group_of = negative_tables(vocabulary, 0.75, typed)
    context = 1  # a:7: typed negatives are artists only
    group = group_of[context]
    start, stop = int(starts[group]), int(starts[group + 1])
    allowed = sorted(members[start:stop].tolist())
    assert allowed == ([1, 2] if typed else [0, 1, 2, 3, 4])
    draws = np.array([_draw(members, cdf, start, stop) for _ in range(20_000)])
    observed = np.array([(draws == token).sum() for token in allowed])
    expected = vocabulary.counts[allowed] ** 0.75
    assert observed.sum() == draws.size
    assert chisquare(observed, expected / expected.sum() * draws.size).pvalue > 0.001


@pytest.mark.parametrize("typed", [True, False])
def test_trainer_separates_planted_communities(tmp_path: Path, typed: bool) -> None:
    corpus = tmp_path / "walks.txt"
    _two_communities(corpus)
    # gensim passes the same test in 3 epochs because it keeps the starting learning rate for its first job of
    # 10,000 words, most of this tiny corpus; here the rate falls per walk, so learning takes more epochs.
    result = train_typed(corpus, TrainConfig(dimensions=16, window=3, epochs=8, workers=1), typed=typed)
    assert len(result.tokens) == 40 and result.words_per_second > 0 and len(result.epoch_losses) == 8
    assert result.epoch_losses[-1] < result.epoch_losses[0]
    embeddings = Embeddings.from_tokens(result.tokens, result.inputs, result.outputs, LASTFM)
    vectors = embeddings.item_input / np.linalg.norm(embeddings.item_input, axis=1, keepdims=True)
    community = (embeddings.item_ids >= 110).astype(int)
    similarity = vectors @ vectors.T
    same = similarity[community[:, None] == community[None, :]].mean()
    across = similarity[community[:, None] != community[None, :]].mean()
    assert same > across + 0.5
    for user in range(20):
        top = [item for item, _ in recommend_for_user(embeddings, user, k=5, rule="dot")]
        assert all((item >= 110) == (user >= 10) for item in top), (user, top)


def test_single_worker_is_reproducible_and_frozen_vectors_stay(tmp_path: Path) -> None:
    corpus = tmp_path / "walks.txt"
    _two_communities(corpus)
    config = TrainConfig(dimensions=8, epochs=2, workers=1, seed=3)
    first, second = train_typed(corpus, config), train_typed(corpus, config)
    assert np.array_equal(first.inputs, second.inputs) and np.array_equal(first.outputs, second.outputs)
    start = {"a:100": np.full(8, 0.25, dtype=np.float32)}
    frozen = train_typed(corpus, TrainConfig(dimensions=8, epochs=2, workers=1, freeze_initialised=True),
                         initial_vectors=start)
    assert np.array_equal(frozen.inputs[frozen.tokens.index("a:100")], start["a:100"])
    moved = train_typed(corpus, TrainConfig(dimensions=8, epochs=2, workers=1), initial_vectors=start)
    assert not np.array_equal(moved.inputs[moved.tokens.index("a:100")], start["a:100"])


def test_bad_inputs_are_explained(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="missing or empty"):
        train_typed(tmp_path / "absent.txt", TrainConfig())
    corpus = tmp_path / "walks.txt"
    _two_communities(corpus)
    with pytest.raises(ConfigError, match="shape"):
        train_typed(corpus, TrainConfig(dimensions=8, epochs=1), initial_vectors={"a:100": np.zeros(4)})
    with pytest.raises(ConfigError, match="none of the initial vectors"):
        train_typed(corpus, TrainConfig(dimensions=8, epochs=1), initial_vectors={"a:999": np.zeros(8)})


def test_l2_shrinks_the_vectors_of_observed_pairs(tmp_path: Path) -> None:
    corpus = tmp_path / "walks.txt"
    _two_communities(corpus)
    config = TrainConfig(dimensions=8, epochs=2, workers=1, seed=3)
    plain, unpenalised = train_typed(corpus, config), train_typed(corpus, config, options=KernelOptions(l2=0.0))
    assert np.array_equal(plain.inputs, unpenalised.inputs)  # the default is the unpenalised objective
    penalised = train_typed(corpus, config, options=KernelOptions(l2=1.0))
    for field in ("inputs", "outputs"):
        norm = {name: np.linalg.norm(getattr(r, field), axis=1).mean()
                for name, r in (("plain", plain), ("penalised", penalised))}
        assert norm["penalised"] < 0.8 * norm["plain"], (field, norm)
    with pytest.raises(ConfigError, match="l2 must be 0 or more"):
        train_typed(corpus, config, options=KernelOptions(l2=-0.1))


def test_skipped_pair_types_leave_their_vectors_untrained(tmp_path: Path) -> None:
    corpus = tmp_path / "walks.txt"
    _two_communities(corpus)
    config = TrainConfig(dimensions=8, epochs=2, workers=1, seed=3)
    # Typed negatives: a user's output vector moves only as the context (or negative) of user context.
    result = train_typed(corpus, config, typed=True,
                         options=KernelOptions(pair_weights={("u", "u"): 0, ("a", "u"): 0}))
    users = np.array([token.startswith("u:") for token in result.tokens])
    assert not result.outputs[users].any() and result.outputs[~users].any()
    trained = train_typed(corpus, config, typed=True)
    assert trained.outputs[users].any()
    untouched = train_typed(corpus, config, options=KernelOptions(pair_weights=dict.fromkeys(PAIRS, 0.0)))
    assert not untouched.outputs.any() and untouched.epoch_losses == [0.0, 0.0]
    with pytest.raises(ConfigError, match="node type 't'.*its types are a, u"):
        train_typed(corpus, config, options=KernelOptions(pair_weights={("u", "t"): 0}))
    with pytest.raises(ConfigError, match=r"pair weight of \(u, u\) must be 0 or more"):
        KernelOptions(pair_weights={("u", "u"): -1})


def test_a_pair_weight_scales_its_pairs_loss(tmp_path: Path) -> None:
    corpus = tmp_path / "walks.txt"
    _two_communities(corpus)
    config = TrainConfig(dimensions=8, epochs=1, workers=1, seed=3)
    # With every weight equal, a weight w is a learning rate w times as large; w = 1 is the plain objective.
    plain = train_typed(corpus, config)
    unit = train_typed(corpus, config, options=KernelOptions(pair_weights={("u", "a"): 1.0}))
    assert np.array_equal(plain.inputs, unit.inputs)
    halved = train_typed(corpus, config, options=KernelOptions(pair_weights=dict.fromkeys(PAIRS, 0.5)))
    slower = train_typed(corpus, replace(config, alpha=config.alpha / 2, min_alpha=config.min_alpha / 2))
    assert np.allclose(halved.inputs, slower.inputs, atol=1e-5)


def test_saturated_updates_can_be_skipped_as_gensim_does(tmp_path: Path) -> None:
    corpus = tmp_path / "walks.txt"
    _two_communities(corpus)
    config = TrainConfig(dimensions=8, epochs=4, workers=1, seed=3)
    clamped = train_typed(corpus, config)
    largest = float(np.abs(clamped.inputs @ clamped.outputs.T).max())  # about 4 on this corpus
    # A rule beyond every dot the training reaches changes nothing; one below it stops the dots near it.
    beyond = train_typed(corpus, config, options=KernelOptions(skip_saturated=largest + 1))
    assert np.array_equal(beyond.inputs, clamped.inputs)
    capped = train_typed(corpus, config, options=KernelOptions(skip_saturated=largest / 4))
    assert float(np.abs(capped.inputs @ capped.outputs.T).max()) < largest / 2
    with pytest.raises(ConfigError, match="skip_saturated must be above 0"):
        train_typed(corpus, config, options=KernelOptions(skip_saturated=0))


def test_decay_share_follows_gensims_corpus_file_schedule(tmp_path: Path) -> None:
    corpus = tmp_path / "walks.txt"
    _two_communities(corpus)
    config = TrainConfig(dimensions=8, epochs=1, workers=1, seed=3)
    whole = train_typed(corpus, config, options=KernelOptions(decay_share=1.0))
    assert np.array_equal(whole.inputs, train_typed(corpus, config).inputs)
    # One epoch covering half its schedule: the rate falls from alpha to halfway towards min_alpha.
    half = train_typed(corpus, config, options=KernelOptions(decay_share=0.5))
    halfway = train_typed(corpus, replace(config, min_alpha=(config.alpha + config.min_alpha) / 2))
    assert np.allclose(half.inputs, halfway.inputs, atol=1e-5)
    assert not np.allclose(half.inputs, train_typed(corpus, config).inputs, atol=1e-3)
    with pytest.raises(ConfigError, match=r"decay_share must be in \(0, 1\]"):
        train_typed(corpus, config, options=KernelOptions(decay_share=0))
