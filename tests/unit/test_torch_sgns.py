"""The PyTorch SGNS trainer: settings and the missing-extra error (no torch needed), then training on CPU,
typed negatives and a 2-process gloo group on loopback (marked ``torch``; skipped without torch)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.stats import chisquare

from mp2v.embeddings.store import Embeddings
from mp2v.errors import ConfigError
from mp2v.graph.model import LASTFM
from mp2v.models.mp2v import MP2V, MatrixWalks, Mp2vParams
from mp2v.serving.scoring import recommend_for_user
from mp2v.training import torch_options
from mp2v.training.gensim_sgns import TrainConfig
from mp2v.training.numba_sgns import Vocabulary
from mp2v.training.torch_options import MISSING_TORCH, TorchOptions
from mp2v.types import Device, Trainer
from tests.unit.test_training import _two_communities


def test_options_take_strings_and_reject_bad_values() -> None:
    assert TorchOptions(device="cpu").device is Device.CPU  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="device='tpu' is invalid; choose one of auto, cpu, cuda"):
        TorchOptions(device="tpu")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="processes must be at least 1"):
        TorchOptions(processes=0)


def test_choosing_torch_without_it_says_which_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(torch_options, "torch_available", lambda: False)
    import scipy.sparse as sp

    train = sp.csr_matrix(np.eye(4, dtype=np.float32))
    source = MatrixWalks(np.arange(4), np.arange(4), walks_per_node=2, walk_length=4)
    model = MP2V(Mp2vParams(train=TrainConfig(dimensions=4, epochs=1), trainer=Trainer.TORCH), source)
    with pytest.raises(ConfigError) as raised:
        model.fit(train)
    assert str(raised.value) == MISSING_TORCH
    assert MISSING_TORCH.startswith("the torch trainer needs torch") and "pip install -e '.[gnn]'" in MISSING_TORCH
    assert "\n" not in MISSING_TORCH


@pytest.fixture
def torch() -> object:
    return pytest.importorskip("torch")


def _separated(result: object, tolerance: float = 0.5) -> float:
    """Mean cosine within communities minus across; asserts every user's top 5 stay in its community."""
    embeddings = Embeddings.from_tokens(result.tokens, result.inputs, result.outputs, LASTFM)  # type: ignore[attr-defined]
    vectors = embeddings.item_input / np.linalg.norm(embeddings.item_input, axis=1, keepdims=True)
    community = (embeddings.item_ids >= 110).astype(int)
    similarity = vectors @ vectors.T
    same = similarity[community[:, None] == community[None, :]].mean()
    across = similarity[community[:, None] != community[None, :]].mean()
    for user in range(20):
        top = [item for item, _ in recommend_for_user(embeddings, user, k=5, rule="dot")]
        assert all((item >= 110) == (user >= 10) for item in top), (user, top)
    return float(same - across)


@pytest.mark.torch
def test_pairs_stay_within_the_window_after_down_sampling(torch: object) -> None:
    from mp2v.training.torch_sgns import chunk_pairs

    walks = [list(range(10 * w, 10 * w + 10)) for w in range(50)]  # every token once: positions are ids
    keep = np.ones(500)
    centre, context = chunk_pairs(walks, keep, 3, np.random.default_rng(0))
    distance = np.abs(centre - context)
    assert (centre // 10 == context // 10).all() and distance.min() == 1 and distance.max() == 3
    # The reduced window: offset d is used by centres whose reach is >= d, i.e. with probability (4 - d) / 3.
    counts = np.bincount(distance, minlength=4)[1:]
    assert counts[0] > counts[1] > counts[2]
    dropped = chunk_pairs(walks, np.where(np.arange(500) % 2 == 0, 1.0, 0.0), 1, np.random.default_rng(0))
    assert (dropped[0] % 2 == 0).all() and set(np.abs(dropped[0] - dropped[1]).tolist()) == {2}


@pytest.mark.torch
@pytest.mark.parametrize("typed", [True, False])
def test_negatives_follow_count_power_within_the_group(tmp_path: Path, torch: object, typed: bool) -> None:
    import torch as th

    from mp2v.training.torch_sgns import NegativeSampler

    path = tmp_path / "walks.txt"
    path.write_text("u:1 a:7 u:1 a:8\nu:1 a:7 u:2 a:7\nu:1 a:8 t:5\n")
    vocabulary = Vocabulary(path)  # u:1 x4, a:7 x3, a:8 x2, t:5 x1, u:2 x1
    sampler = NegativeSampler(vocabulary, 0.75, typed, th.device("cpu"))
    generator = th.Generator().manual_seed(0)
    draws = sampler.draw(th.full((4000,), 1), 5, generator).numpy().ravel()  # context a:7
    allowed = [1, 2] if typed else [0, 1, 2, 3, 4]
    assert set(draws.tolist()) <= set(allowed)
    observed = np.array([(draws == token).sum() for token in allowed])
    expected = vocabulary.counts[allowed] ** 0.75
    assert chisquare(observed, expected / expected.sum() * draws.size).pvalue > 0.001


@pytest.mark.torch
@pytest.mark.parametrize("typed", [True, False])
def test_trainer_separates_planted_communities(tmp_path: Path, torch: object, typed: bool) -> None:
    from mp2v.training.torch_launch import train_torch

    corpus = tmp_path / "walks.txt"
    _two_communities(corpus)
    config = TrainConfig(dimensions=16, window=3, epochs=8, workers=1)
    result, figures = train_torch(corpus, config, TorchOptions(device=Device.CPU, batch_pairs=256), typed=typed)
    assert len(result.tokens) == 40 and result.words_per_second > 0 and figures["processes"] == 1
    assert result.epoch_losses[-1] < result.epoch_losses[0]
    assert _separated(result) > 0.5


@pytest.mark.torch
def test_one_process_is_reproducible_frozen_rows_stay_and_iterables_match(tmp_path: Path, torch: object) -> None:
    from mp2v.training.torch_launch import train_torch
    from mp2v.training.torch_sgns import train_rank
    from mp2v.walks.corpus import WalkCorpus

    corpus = tmp_path / "walks.txt"
    _two_communities(corpus)
    config, options = TrainConfig(dimensions=8, epochs=2, workers=1, seed=3), TorchOptions(device=Device.CPU)
    first, _ = train_torch(corpus, config, options, typed=True)
    second, _ = train_torch(corpus, config, options, typed=True)
    assert np.array_equal(first.inputs, second.inputs) and np.array_equal(first.outputs, second.outputs)
    import torch as th

    streamed, _ = train_rank(WalkCorpus(corpus), config, options, th.device("cpu"), typed=True)
    assert np.array_equal(streamed.inputs, first.inputs)
    start = {"a:100": np.full(8, 0.25, dtype=np.float32)}
    frozen, _ = train_torch(corpus, TrainConfig(dimensions=8, epochs=2, workers=1, freeze_initialised=True),
                            options, typed=False, initial_vectors=start)
    assert np.array_equal(frozen.inputs[frozen.tokens.index("a:100")], start["a:100"])


@pytest.mark.torch
def test_two_gloo_processes_on_loopback_learn_like_one(tmp_path: Path, torch: object) -> None:
    from mp2v.training.torch_launch import train_torch

    corpus = tmp_path / "walks.txt"
    _two_communities(corpus)
    config = TrainConfig(dimensions=16, window=3, epochs=8, workers=1)
    one, _ = train_torch(corpus, config, TorchOptions(device=Device.CPU, batch_pairs=256), typed=True)
    two, figures = train_torch(corpus, config, TorchOptions(device=Device.CPU, batch_pairs=256, processes=2,
                                                           sync_walks=100), typed=True)
    assert figures["processes"] == 2 and figures["allreduce_mb_per_rank"] > 0
    assert two.tokens == one.tokens and not np.array_equal(two.inputs, one.inputs)
    assert _separated(two) > 0.5
    assert abs(_separated(two) - _separated(one)) < 0.3
    # Both ranks' losses are summed: each epoch covers the whole corpus once, as in one process.
    assert two.epoch_losses[-1] == pytest.approx(one.epoch_losses[-1], rel=0.5)
