"""Atomic writes and one-line errors for damaged files (mp2v.common.files)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from mp2v.common.files import atomic_path, read_json, write_bytes, write_json, write_text
from mp2v.errors import EvaluationError, ModelStoreError


class Crash(Exception):
    pass


def test_write_json_round_trips_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "run.json"
    write_json(target, {"a": 1, "b": [1, 2]})
    assert read_json(target, "the run") == {"a": 1, "b": [1, 2]}
    assert os.listdir(target.parent) == ["run.json"]


def test_write_json_writes_numpy_values_and_dataclasses_as_plain_json(tmp_path: Path) -> None:
    @dataclass
    class Point:
        x: int
        y: float

    target = tmp_path / "values.json"
    write_json(target, {"n": np.int64(3), "f": np.float32(0.5), "a": np.arange(3), "p": Point(1, 2.5),
                        "path": Path("/x")})
    assert read_json(target, "the values") == {"n": 3, "f": 0.5, "a": [0, 1, 2], "p": {"x": 1, "y": 2.5},
                                               "path": "/x"}


def test_write_text_and_bytes_replace_the_old_content(tmp_path: Path) -> None:
    target = tmp_path / "notes.md"
    write_text(target, "old")
    write_text(target, "new ü")
    assert target.read_text(encoding="utf-8") == "new ü"
    write_bytes(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"


def test_a_crash_mid_write_leaves_the_old_file_intact(tmp_path: Path) -> None:
    target = tmp_path / "run.json"
    write_json(target, {"version": 1})
    with pytest.raises(Crash), atomic_path(target) as temporary:
        temporary.write_text('{"version": 2, "trunc')
        raise Crash
    assert read_json(target, "the run") == {"version": 1}
    assert sorted(os.listdir(tmp_path)) == ["run.json"]


def test_a_crash_before_the_first_write_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "embeddings.npz"
    with pytest.raises(Crash), atomic_path(target) as temporary:
        np.savez(temporary, x=np.arange(3))
        raise Crash
    assert not target.exists()
    assert os.listdir(tmp_path) == []


def test_atomic_path_keeps_the_suffix_numpy_needs(tmp_path: Path) -> None:
    target = tmp_path / "arrays.npz"
    with atomic_path(target) as temporary:
        np.savez(temporary, x=np.arange(4))
    with np.load(target) as data:
        assert data["x"].tolist() == [0, 1, 2, 3]
    assert os.listdir(tmp_path) == ["arrays.npz"]


@pytest.mark.parametrize("content, reason", [
    ('{"run_id": "x", "method": "MP', "not valid JSON"),
    ("", "not valid JSON"),
    ("[1, 2]", "a JSON list, not an object"),
    (b"\xff\xfe\x00", "cannot be read"),
])
def test_a_damaged_file_gives_one_line_naming_it(tmp_path: Path, content: str | bytes, reason: str) -> None:
    target = tmp_path / "run.json"
    if isinstance(content, bytes):
        target.write_bytes(content)
    else:
        target.write_text(content)
    with pytest.raises(ModelStoreError) as caught:
        read_json(target, "the run's metadata", fix="delete it or re-run `mp2v evaluate`")
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{target}: the run's metadata")
    assert reason in message
    assert message.endswith("delete it or re-run `mp2v evaluate`")


def test_a_missing_file_and_a_chosen_error_class(tmp_path: Path) -> None:
    with pytest.raises(EvaluationError, match="split.json: the split sidecar is missing"):
        read_json(tmp_path / "split.json", "the split sidecar", error=EvaluationError)
