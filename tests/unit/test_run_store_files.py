"""Damaged run folders give one line naming the file: RunStore and `mp2v runs`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from mp2v.cli.main import app
from mp2v.embeddings.store import Embeddings, RunStore
from mp2v.errors import ModelStoreError


def _embeddings() -> Embeddings:
    rng = np.random.default_rng(0)
    return Embeddings(user_ids=np.array([1, 2]), item_ids=np.array([7, 8, 9]),
                      user_input=rng.random((2, 4)), item_input=rng.random((3, 4)),
                      user_output=np.zeros((2, 4)), item_output=rng.random((3, 4)))


def _store(root: Path) -> tuple[RunStore, str, str]:
    store = RunStore(root)
    good = store.save("MP2V", _embeddings(), {"dataset": "lastfm", "stage": "test", "cache_key": "k1"},
                      run_id="good-run").run_id
    bad = store.save("R-MP2V", _embeddings(), {"dataset": "lastfm", "stage": "test", "cache_key": "k2"},
                     run_id="bad-run").run_id
    return store, good, bad


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    store, good, _ = _store(tmp_path)
    loaded = RunStore(tmp_path).load(good)
    assert loaded.method == "MP2V"
    np.testing.assert_array_equal(loaded.embeddings.item_input, _embeddings().item_input)
    assert sorted(p.name for p in (tmp_path / good).iterdir()) == ["embeddings.npz", "run.json"]


def test_truncated_run_json_is_one_line_in_load(tmp_path: Path) -> None:
    _, _, bad = _store(tmp_path)
    _truncate(tmp_path / bad / "run.json")
    with pytest.raises(ModelStoreError) as caught:
        RunStore(tmp_path).load(bad)
    message = str(caught.value)
    assert "\n" not in message
    assert str(tmp_path / bad / "run.json") in message
    assert "delete the folder" in message


def test_truncated_embeddings_are_one_line_in_load(tmp_path: Path) -> None:
    _, good, _ = _store(tmp_path)
    _truncate(tmp_path / good / "embeddings.npz")
    with pytest.raises(ModelStoreError) as caught:
        RunStore(tmp_path).load(good)
    assert "\n" not in str(caught.value)
    assert str(tmp_path / good / "embeddings.npz") in str(caught.value)


def test_scan_separates_good_and_damaged_runs(tmp_path: Path) -> None:
    _, good, bad = _store(tmp_path)
    (tmp_path / bad / "run.json").write_text("[]")
    runs, damaged = RunStore(tmp_path).scan()
    assert [r["run_id"] for r in runs] == [good]
    assert len(damaged) == 1 and bad in str(damaged[0])


def test_runs_command_lists_good_runs_and_warns_once_per_damaged_one(tmp_path: Path) -> None:
    _, good, bad = _store(tmp_path / "runs")
    _truncate(tmp_path / "runs" / bad / "run.json")
    result = CliRunner().invoke(app, ["runs"], env={"MP2V_HOME": str(tmp_path)})
    assert result.exit_code == 0, result.output
    assert good in result.stdout and bad not in result.stdout
    warnings = result.stderr.strip().splitlines()
    assert len(warnings) == 1
    assert warnings[0].startswith("warning: ")
    assert str(tmp_path / "runs" / bad / "run.json") in warnings[0]
    assert "Traceback" not in result.output


def test_one_damaged_run_does_not_block_finding_or_serving_the_others(tmp_path: Path,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    _, good, bad = _store(tmp_path)
    _truncate(tmp_path / bad / "run.json")
    store = RunStore(tmp_path)
    found = store.find("k1")
    assert found is not None and found.run_id == good
    assert store.find("k2") is None  # the damaged run cannot be reused: the caller trains afresh
    assert store.latest().run_id == good
    assert any(str(tmp_path / bad / "run.json") in record.getMessage() for record in caplog.records)
