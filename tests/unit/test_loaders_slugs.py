"""Dataset names become folder names: only slugs pass, anywhere they are used (library and CLI)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from loaders.csv_generic import CsvConfig
from loaders.pipeline import rejects_folder
from mp2v.cli.main import app
from mp2v.common.slugs import check_slug, suggest_slug
from mp2v.errors import ConfigError


@pytest.mark.parametrize("value", ["lastfm", "KuaiRec-2_0", "a", "x" * 64, "2024"])
def test_slugs_pass_unchanged(value: str) -> None:
    assert check_slug(value, "--dataset") == value


@pytest.mark.parametrize(("value", "problem"), [
    ("../../../tmp/x", "contains characters other than"), ("", "is empty"), ("a b", "contains characters"),
    ("caf\u00e9", "contains characters"), ("a/b", "contains characters"), ("..", "contains characters"),
    ("x" * 65, "is 65 characters long"), ("name\n", "contains characters"),
])
def test_other_values_are_refused_with_how_to_fix(value: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        check_slug(value, "--dataset")
    message = str(caught.value)
    assert message.startswith("--dataset ") and problem in message and "\n" not in message
    assert "use 1-64 letters, digits, '-' or '_'" in message
    assert check_slug(suggest_slug(value), "--dataset")  # the suggested name itself passes


def test_suggestion_and_long_values_are_cut() -> None:
    assert suggest_slug("../../../tmp/x") == "tmp-x"
    assert suggest_slug("///") == "data"
    with pytest.raises(ConfigError) as caught:
        check_slug("y" * 5_000_000, "run name")
    assert len(str(caught.value)) < 400 and "(5,000,000 characters)" in str(caught.value)


def test_rejects_folder_and_csv_config_refuse_paths(tmp_path: Path) -> None:
    assert rejects_folder(tmp_path, "csv") == tmp_path / "rejects" / "csv"
    with pytest.raises(ConfigError, match="--dataset '../../../tmp/x'"):
        rejects_folder(tmp_path, "../../../tmp/x")
    with pytest.raises(ConfigError, match="--dataset"):
        CsvConfig(interactions=tmp_path / "i.csv", dataset="../x")


def test_cli_load_csv_refuses_a_path_as_dataset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MP2V_HOME", str(tmp_path / "home"))
    (tmp_path / "i.csv").write_text("user,item,weight\n1,2,3\n")
    outside = tmp_path / "outside"
    result = CliRunner().invoke(app, ["load", "csv", "--interactions", str(tmp_path / "i.csv"), "--dataset",
                                      f"../../{outside.name}", "--no-progress"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "error: --dataset '../../outside' contains characters other than letters, digits, '-' and '_'; it "
        "becomes a folder name, so use 1-64 letters, digits, '-' or '_' (e.g. 'outside')"]
    assert not outside.exists() and not (tmp_path / "home").exists()
