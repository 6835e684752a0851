"""Generic CSV loader: column mapping, id types, weight transforms, bad rows (no server)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from loaders import csv_generic
from loaders.csv_generic import CsvColumns, CsvConfig, CsvLabels
from loaders.rejects import Validation
from loaders.writer import _columns
from mp2v.errors import ConfigError, InputError


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_mapped_columns_transforms_and_repeated_rows(tmp_path: Path) -> None:
    interactions = _write(tmp_path / "plays.tsv", "listener\ttrack\tcount\tat\n1\t10\t3\t100\n1\t10\t4\t200\n"
                                                  "2\t10\t1\t150\n2\t11\t0\t\n")
    config = CsvConfig(interactions=interactions, delimiter="tab", weight_transform="log1p",
                       columns=CsvColumns(user="listener", item="track", weight="count", timestamp="at"))
    plan = csv_generic.build_plan(config, Validation(tmp_path / "r"))
    edges = plan.relationships[0].frame
    assert edges[["start", "end", "raw", "count"]].values.tolist() == [[1, 10, 7, 2], [2, 10, 1, 1], [2, 11, 0, 1]]
    assert np.allclose(edges["weight"], np.log1p([7, 1, 0]))
    assert edges["ts"].tolist()[:2] == [200, 150] and np.isnan(edges["ts"].iloc[2])
    assert plan.model.weight_formula == "log1p(sum(weight))" and plan.model.item_label == "Item"
    assert "1 repeated (user, item) rows merged" in plan.files[0].notes[0]


def test_string_ids_labels_follows_and_features(tmp_path: Path) -> None:
    interactions = _write(tmp_path / "i.csv", "user,item,weight\nann,song-a,1\nbob,song-b,2\nann,song-b,1\n")
    follows = _write(tmp_path / "f.csv", "user,follows\nann,bob\nbob,ann\nbob,bob\ncid,ann\n")
    features = _write(tmp_path / "g.csv", "item,feature\nsong-a,rock\nsong-a,rock\nsong-z,pop\n")
    config = CsvConfig(interactions=interactions, follows=follows, features=features, dataset="music",
                       id_type="string", weight_transform="binary",
                       labels=CsvLabels(user="Listener", item="Song", interaction="PLAYED", feature="Genre"))
    plan = csv_generic.build_plan(config, Validation(tmp_path / "r"))
    assert [n.label for n in plan.nodes] == ["Listener", "Song", "Genre"]
    assert plan.id_type == "string" and plan.model.dataset == "music"
    assert plan.relationships[0].frame["weight"].tolist() == [1.0, 1.0, 1.0]
    checks = {c.name: c for c in plan.files}
    assert checks["f.csv"].rejects[["line", "reason"]].values.tolist() == [
        [4, "a user cannot follow itself"], [5, "'cid' is not a known user (no row in i.csv)"]]
    assert checks["g.csv"].duplicate_rows == 1
    assert checks["g.csv"].rejects["line"].tolist() == [4]
    assert plan.relationships[1].frame.values.tolist() == [["ann", "bob"], ["bob", "ann"]]


def test_bad_weights_and_ids(tmp_path: Path) -> None:
    interactions = _write(tmp_path / "i.csv", "user,item,weight\n1,2,1\nx,2,1\n1,2,-1\n1,2,inf\n1,2,\n3,4,NaN\n")
    plan = csv_generic.build_plan(CsvConfig(interactions=interactions), Validation(tmp_path / "r"))
    assert plan.files[0].rejects[["line", "field"]].values.tolist() == [
        [3, "user"], [4, "weight"], [5, "weight"], [6, "weight"], [7, "weight"]]


def test_missing_mapped_column_and_bad_config(tmp_path: Path) -> None:
    interactions = _write(tmp_path / "i.csv", "usr,item,score\n1,2,1\n")
    with pytest.raises(InputError, match=r"missing column 'user'.*\(rename 'usr' to 'user'; or name the file's "
                                         r"column with --user-col\)"):
        csv_generic.build_plan(CsvConfig(interactions=interactions), Validation(tmp_path / "r"))
    # A weight column the user named must be there; only the default one may be absent.
    interactions = _write(tmp_path / "i.csv", "user,item,score\n1,2,1\n")
    with pytest.raises(InputError, match="missing column 'plays'.*with --weight-col"):
        csv_generic.build_plan(CsvConfig(interactions=interactions, columns=CsvColumns(weight="plays")),
                               Validation(tmp_path / "r"))
    follows = _write(tmp_path / "f.csv", "follower,followed\n1,1\n")
    with pytest.raises(InputError, match="missing columns 'user', 'follows'.*with --follower-col, --followed-col"):
        csv_generic.build_plan(CsvConfig(interactions=interactions, follows=follows), Validation(tmp_path / "r"))
    with pytest.raises(ConfigError, match="--encoding 'utf-9' is not an encoding"):
        CsvConfig(interactions=interactions, encoding="utf-9")
    with pytest.raises(ConfigError, match="letters, digits"):
        CsvConfig(interactions=interactions, labels=CsvLabels(item="Item) DETACH DELETE (n"))
    with pytest.raises(ConfigError, match="must differ"):
        CsvConfig(interactions=interactions, labels=CsvLabels(item="User"))
    with pytest.raises(ConfigError, match="one character"):
        CsvConfig(interactions=interactions, delimiter=";;")


@pytest.mark.parametrize(("text", "header"), [("user,item\n1,10\n1,11\n2,10\n1,10\n", True),
                                             ("1 10\n1 11\n2 10\n1 10\n", False)])
def test_a_file_without_weights_weighs_each_row_one(tmp_path: Path, text: str, header: bool) -> None:
    config = CsvConfig(interactions=_write(tmp_path / "i.txt", text), header=header,
                       delimiter="," if header else "whitespace")
    plan = csv_generic.build_plan(config, Validation(tmp_path / "r"))
    edges = plan.relationships[0].frame
    assert edges[["start", "end", "raw", "count"]].values.tolist() == [[1, 10, 2, 2], [1, 11, 1, 1], [2, 10, 1, 1]]
    assert any("every row weighs 1" in note for note in plan.files[0].notes)


def test_rows_for_the_driver_are_plain_python_with_nulls() -> None:
    import pandas as pd

    frame = pd.DataFrame({"a": np.array([1, 2], dtype=np.int64), "b": [0.5, np.nan], "c": ["x", None],
                          "d": pd.array([7, pd.NA], dtype="Int64")})
    columns = _columns(frame)
    assert columns == [[1, 2], [0.5, None], ["x", None], [7, None]]
    assert all(type(v) in (int, float, str, type(None)) for column in columns for v in column)
