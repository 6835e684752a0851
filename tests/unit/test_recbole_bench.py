"""bench/recbole_lastfm.py without the study: its split is the benchmark's, early stopping picks the best
validation epoch, and a run without torch skips the torch rows and says so."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from bench import recbole_lastfm
from bench.recbole_lastfm import Config, lastfm_split, run_config


def test_split_is_the_benchmarks_ratio_8_1_1() -> None:
    train, validation, test = lastfm_split()
    # The counts `mp2v benchmark lastfm --protocol ratio-8-1-1` recorded with its saved split.
    assert (train.nnz, validation.nnz, test.nnz) == (74265, 9283, 9286)
    assert (train.multiply(validation)).nnz == 0 and (train.multiply(test)).nnz == 0
    assert set(np.unique(train.data)) == {1.0}


def _planted(seed: int = 0) -> tuple[sp.csr_matrix, sp.csr_matrix, sp.csr_matrix]:
    """Two user blocks, each interacting with half of its own block's items; held-out items are in-block."""
    rng = np.random.default_rng(seed)
    users, items = 40, 40
    dense = np.zeros((users, items), dtype=np.float32)
    for user in range(users):
        block = np.arange(20) + (20 if user >= 20 else 0)
        dense[user, rng.choice(block, 12, replace=False)] = 1.0
    parts = []
    for share in (0.2, 0.2):
        held = np.zeros_like(dense)
        for user in range(users):
            liked = np.flatnonzero(dense[user])
            held[user, rng.choice(liked, max(1, int(share * liked.size)), replace=False)] = 1.0
        dense = dense - held
        parts.append(sp.csr_matrix(held))
    return sp.csr_matrix(dense), parts[1], parts[0]


def test_early_stopping_keeps_the_best_validation_epoch_and_refits() -> None:
    config = Config("bpr", "implicit", {"factors": 8, "learning_rate": 0.05, "regularization": 0.001}, 40)
    lines: list[str] = []
    row = run_config(config, _planted(), every=5, patience=2, threads=1, log=lines.append)
    checked = [float(line.split("valid N@10 ")[1].split()[0]) for line in lines]
    assert row["validation"]["ndcg@10"] == pytest.approx(max(checked), abs=1e-4)
    assert row["epochs"] == 5 * (int(np.argmax(checked)) + 1) and row["stopped_at"] <= 40
    # In-block held-out items among 40: a trained model beats chance (10 of 40 items ranked -> ~0.25).
    assert row["recbole"]["recall@10"] > 0.4 and row["refit"]["recall@10"] > 0.4


def test_without_torch_the_torch_rows_are_skipped_and_reported(monkeypatch: pytest.MonkeyPatch,
                                                                tmp_path: Path) -> None:
    monkeypatch.setattr(recbole_lastfm, "torch_available", lambda: False)
    monkeypatch.setattr(recbole_lastfm, "CONFIGS", [
        Config("tiny lightgcn", "lightgcn", {"dim": 4, "layers": 1, "learning_rate": 1e-2, "l2": 0.0}),
        Config("tiny bpr", "implicit", {"factors": 4, "learning_rate": 0.05, "regularization": 0.01}, 2)])
    monkeypatch.setattr(sys, "argv", ["recbole_lastfm", "--out", str(tmp_path), "--every", "1", "--patience", "1"])
    recbole_lastfm.main()
    data = json.loads((tmp_path / "lastfm-ratio-8-1-1-recbole.json").read_text())
    assert [row["name"] for row in data["rows"]] == ["tiny bpr"]
    text = (tmp_path / "lastfm-ratio-8-1-1-recbole.md").read_text()
    assert "Skipped: tiny lightgcn (torch is not installed" in text and "| tiny bpr | " in text


def test_a_searched_row_is_saved_before_the_refit_and_resumed_without_searching_again() -> None:
    config = Config("bpr", "implicit", {"factors": 8, "learning_rate": 0.05, "regularization": 0.001}, 10)
    saved: list[dict[str, object]] = []
    first = run_config(config, _planted(), every=5, patience=1, threads=1, log=lambda line: None, save=saved.append)
    assert saved and saved[0]["refit"] is None and saved[0]["epochs"] == first["epochs"]
    lines: list[str] = []
    again = run_config(config, _planted(), every=5, patience=1, threads=1, log=lines.append, searched=saved[0])
    assert not lines and again["recbole"] == first["recbole"] and again["refit"] is not None
