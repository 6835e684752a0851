"""The trainer, the run store and the scoring rules, without a server."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from mp2v.embeddings.store import Embeddings, RunStore
from mp2v.errors import ConfigError, ModelStoreError
from mp2v.graph.model import LASTFM
from mp2v.serving.scoring import Scorer, recommend_for_user, similar_items
from mp2v.training.gensim_sgns import TrainConfig, train, train_description
from mp2v.training.trainers import train_vectors
from mp2v.types import Trainer


def _two_communities(path: Path, seed: int = 0) -> None:
    """Walks that never cross: users 0-9 with artists 100-109, users 10-19 with artists 110-119."""
    rng = np.random.default_rng(seed)
    lines = []
    for community in (0, 1):
        users = [f"u:{community * 10 + i}" for i in range(10)]
        artists = [f"a:{100 + community * 10 + i}" for i in range(10)]
        for _ in range(300):
            lines.append(" ".join(rng.choice(users if step % 2 == 0 else artists) for step in range(20)))
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("mode", ["corpus_file", "iterable"])
def test_trainer_separates_planted_communities(tmp_path: Path, mode: str) -> None:
    corpus = tmp_path / "walks.txt"
    _two_communities(corpus)
    result = train(corpus, TrainConfig(dimensions=16, window=3, epochs=3, workers=1, mode=mode), progress=False)  # type: ignore[arg-type]
    model = result.model
    assert len(model.wv) == 40 and result.words_per_second > 0
    embeddings = Embeddings.from_tokens(list(model.wv.index_to_key), model.wv.vectors, model.syn1neg, LASTFM)
    vectors = embeddings.item_input / np.linalg.norm(embeddings.item_input, axis=1, keepdims=True)
    similarity = vectors @ vectors.T
    community = (embeddings.item_ids >= 110).astype(int)
    same = similarity[community[:, None] == community[None, :]].mean()
    across = similarity[community[:, None] != community[None, :]].mean()
    assert same > across + 0.5
    # Every user's top recommendations (skip-gram score) come from their own community.
    for user in range(20):
        top = [item for item, _ in recommend_for_user(embeddings, user, k=5, rule="dot")]
        assert all((item >= 110) == (user >= 10) for item in top), (user, top)


def test_same_seed_single_worker_is_reproducible(tmp_path: Path) -> None:
    corpus = tmp_path / "walks.txt"
    _two_communities(corpus)
    config = TrainConfig(dimensions=8, epochs=2, workers=1, seed=3)
    first = train(corpus, config, progress=False).model.wv.vectors
    second = train(corpus, config, progress=False).model.wv.vectors
    np.testing.assert_array_equal(first, second)


def test_initial_vectors_are_used_and_can_be_frozen(tmp_path: Path) -> None:
    corpus = tmp_path / "walks.txt"
    _two_communities(corpus)
    start = {f"a:{100 + i}": np.full(8, 0.01 * (i + 1), dtype=np.float32) for i in range(20)}
    frozen = train(corpus, TrainConfig(dimensions=8, epochs=2, workers=1, freeze_initialised=True),
                   initial_vectors=start, progress=False).model
    for token, vector in start.items():
        np.testing.assert_array_equal(frozen.wv[token], vector)
    trained = train(corpus, TrainConfig(dimensions=8, epochs=2, workers=1), initial_vectors=start,
                    progress=False).model
    assert not np.allclose(trained.wv["a:100"], start["a:100"])
    with pytest.raises(ConfigError, match="shape"):
        train(corpus, TrainConfig(dimensions=4, epochs=1), initial_vectors=start, progress=False)


def test_bad_settings_and_missing_corpus_are_clear(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"window 0 \(must be >= 1\)"):
        TrainConfig(window=0)
    with pytest.raises(ConfigError, match=r"dimensions 0 \(must be >= 1\), min_alpha 0.5 \(must be in"):
        TrainConfig(dimensions=0, min_alpha=0.5)
    with pytest.raises(ConfigError, match="run `mp2v walk` first"):
        train(tmp_path / "absent.txt", TrainConfig(), progress=False)


def _embeddings() -> Embeddings:
    # Two users, three items; user 1's input vector points at item 10, user 2's at item 12.
    return Embeddings(
        user_ids=np.array([1, 2]), item_ids=np.array([10, 11, 12]),
        user_input=np.array([[1.0, 0.0], [0.0, 1.0]], np.float32),
        user_output=np.zeros((2, 2), np.float32),
        item_input=np.array([[1.0, 0.1], [0.7, 0.7], [0.1, 1.0]], np.float32),
        item_output=np.array([[2.0, 0.0], [0.5, 0.5], [0.0, 3.0]], np.float32),
    )


def test_scoring_rules_by_hand() -> None:
    emb = _embeddings()
    # dot: v_u . u_i -> user 1: [2.0, 0.5, 0.0]; user 2: [0.0, 0.5, 3.0]
    np.testing.assert_allclose(Scorer(emb, "dot")(np.array([0, 1])), [[2.0, 0.5, 0.0], [0.0, 0.5, 3.0]])
    # cosine of input vectors: user 1 vs item 11 = 0.7 / |(0.7, 0.7)| = 0.7071
    cosine = Scorer(emb, "cosine")(np.array([0]))[0]
    assert cosine[1] == pytest.approx(0.70710677) and cosine.argmax() == 0
    assert [i for i, _ in recommend_for_user(emb, 2, k=2, rule="dot", seen={12})] == [11, 10]
    assert similar_items(emb, 10, k=1)[0][0] == 11
    with pytest.raises(ConfigError, match="no embedding"):
        recommend_for_user(emb, 99)


def test_run_store_round_trip_and_refuses_outside_paths(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs")
    saved = store.save("R-MP2V", _embeddings(), {"dataset": "lastfm", "cache_key": "k1", "scoring": "dot"})
    loaded = store.load(saved.run_id)
    np.testing.assert_array_equal(loaded.embeddings.item_output, _embeddings().item_output)
    assert loaded.metadata["scoring"] == "dot" and store.find("k1").run_id == saved.run_id  # type: ignore[union-attr]
    assert store.latest("R-MP2V").run_id == saved.run_id
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    for bad in (outside, "../elsewhere", tmp_path / "runs" / ".." / "elsewhere"):
        with pytest.raises(ModelStoreError, match="only read from the project's runs folder"):
            store.load(bad)
    with pytest.raises(ModelStoreError, match="no stored run"):
        store.load("20990101-000000-nothing")


def test_a_tail_continues_the_trained_model_at_the_tail_rate(tmp_path: Path) -> None:
    corpus = tmp_path / "walks.txt"
    _two_communities(corpus)
    plain = TrainConfig(dimensions=8, epochs=2, workers=1, seed=3)
    tailed = train(corpus, TrainConfig(dimensions=8, epochs=2, workers=1, seed=3, tail_epochs=1, tail_alpha=0.005),
                   progress=False)
    assert len(tailed.epoch_losses) == 3
    # The same as training plainly and then one more epoch whose rate falls from 0.005 to min_alpha.
    continued = train(corpus, plain, progress=False).model
    continued.train(corpus_file=str(corpus), total_words=continued.corpus_total_words, epochs=1, start_alpha=0.005,
                    end_alpha=plain.min_alpha)
    np.testing.assert_array_equal(tailed.model.wv.vectors, continued.wv.vectors)
    assert not np.array_equal(tailed.model.wv.vectors, train(corpus, plain, progress=False).model.wv.vectors)


def test_a_tail_is_checked_and_kept_out_of_run_keys_when_absent() -> None:
    with pytest.raises(ConfigError, match=r"tail_alpha 0.05 \(must be in \[min_alpha, alpha\] with a tail\)"):
        TrainConfig(tail_epochs=1, tail_alpha=0.05)
    with pytest.raises(ConfigError, match=r"tail_epochs -1 \(must be >= 0\)"):
        TrainConfig(tail_epochs=-1)
    assert TrainConfig(alpha=0.001).tail_alpha == 0.0025  # no tail, so its rate is not checked
    assert "tail_epochs" not in train_description(TrainConfig())
    assert train_description(TrainConfig(tail_epochs=1))["tail_alpha"] == 0.0025


def test_the_numba_kernel_trains_the_tail_and_torch_refuses_it(tmp_path: Path) -> None:
    corpus = tmp_path / "walks.txt"
    _two_communities(corpus)
    config = TrainConfig(dimensions=8, epochs=1, workers=1, seed=3)
    plain = train_vectors(corpus, config, Trainer.NUMBA)
    tailed = train_vectors(corpus, replace(config, tail_epochs=2), Trainer.NUMBA)
    assert len(plain.epoch_losses) == 1 and len(tailed.epoch_losses) == 3
    assert not np.array_equal(plain.inputs, tailed.inputs)
    with pytest.raises(ConfigError, match=r"tail epochs \(1\) are not implemented in the torch trainer"):
        train_vectors(corpus, TrainConfig(dimensions=8, epochs=1, tail_epochs=1), Trainer.TORCH)
