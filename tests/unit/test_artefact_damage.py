"""Splits and corpus sidecars: written atomically, and a damaged one is one line naming the file."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from mp2v.errors import EvaluationError, WalkError
from mp2v.evaluation.split import load_split, save_split, three_way_split
from mp2v.walks.corpus import WalkCorpus, sidecar_path


def _saved_split(tmp_path: Path) -> tuple[Path, Path]:
    rng = np.random.default_rng(1)
    matrix = sp.csr_matrix((rng.random((30, 20)) < 0.4).astype(np.float32))
    return save_split(tmp_path / "lastfm-holdout-seed42", three_way_split(matrix, 0.2, 0.2, seed=42))


def test_save_split_leaves_only_the_two_files(tmp_path: Path) -> None:
    npz, meta = _saved_split(tmp_path)
    assert sorted(os.listdir(tmp_path)) == sorted([npz.name, meta.name])
    assert load_split(npz).info.kind == "three_way"


@pytest.mark.parametrize("damage", ["truncate_npz", "truncate_json", "garbage_npz"])
def test_a_damaged_split_is_one_line_naming_the_file(tmp_path: Path, damage: str) -> None:
    npz, meta = _saved_split(tmp_path)
    target = npz if damage.endswith("npz") else meta
    data = target.read_bytes()
    target.write_bytes(b"not a zip at all" if damage == "garbage_npz" else data[: len(data) // 2])
    with pytest.raises(EvaluationError) as caught:
        load_split(npz)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(target))
    assert "to re-split" in message


def test_a_corpus_without_or_with_a_damaged_sidecar_is_one_line(tmp_path: Path) -> None:
    corpus = tmp_path / "lastfm-mp2v-test.txt"
    corpus.write_text("u:1 a:2\n")
    with pytest.raises(WalkError, match="sidecar is missing.*mp2v walk"):
        WalkCorpus(corpus).sidecar()
    sidecar_path(corpus).write_text('{"walks": 1')
    with pytest.raises(WalkError) as caught:
        WalkCorpus(corpus).sidecar()
    assert str(caught.value).startswith(f"{sidecar_path(corpus)}: the walk corpus sidecar is damaged")
