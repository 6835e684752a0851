"""A delta is read as its dataset's files were: the load records its reading options, the caller overrides them."""

from __future__ import annotations

from pathlib import Path

import pytest

from loaders.csv_delta import delta_config
from loaders.csv_generic import CsvColumns, CsvConfig
from mp2v.errors import ConfigError
from mp2v.graph.model import READING_OPTION, GraphModel


def _loaded(**reading: object) -> GraphModel:
    """The model a ``mp2v load csv`` of these reading options records (no file is read to build it)."""
    return CsvConfig(interactions=Path("ratings.txt"), **reading).model()  # type: ignore[arg-type]


def test_the_load_records_how_it_read_its_files_and_the_properties_round_trip() -> None:
    model = _loaded(delimiter="whitespace", header=False, encoding="latin-1")
    recorded = model.options[READING_OPTION]
    assert (recorded["delimiter"], recorded["header"], recorded["encoding"]) == ("whitespace", False, "latin-1")
    assert (recorded["columns"]["user"], recorded["columns"]["item"], recorded["columns"]["weight"]) == ("1", "2", "3")
    assert GraphModel.from_properties(model.to_properties()) == model


def test_a_delta_reads_as_loaded_unless_told_otherwise() -> None:
    model = _loaded(delimiter=";", encoding="latin-1", columns=CsvColumns(user="uid", item="song", weight="plays"))
    day = delta_config(model, Path("day.csv"))
    assert (day.delimiter, day.header, day.encoding) == (";", True, "latin-1")
    assert (day.columns.user, day.columns.item, day.columns.weight) == ("uid", "song", "plays")
    told = delta_config(model, Path("day.csv"), columns={"item": "track"}, delimiter="tab", encoding="utf-8")
    assert (told.sep, told.encoding, told.columns.user, told.columns.item) == ("\t", "utf-8", "uid", "track")


def test_a_delta_without_a_header_does_not_inherit_the_loads_column_names() -> None:
    model = _loaded(columns=CsvColumns(user="uid", item="song"))
    positional = delta_config(model, Path("day.txt"), header=False)
    assert (positional.columns.user, positional.columns.item, positional.columns.weight) == ("1", "2", "3")
    no_header = _loaded(delimiter="whitespace", header=False)
    day = delta_config(no_header, Path("day.txt"))
    assert (day.header, day.sep, day.columns.user, day.columns.item) == (False, r"\s+", "1", "2")


def test_a_dataset_loaded_before_reading_was_recorded_reads_with_the_defaults() -> None:
    model = GraphModel(dataset="csv", options={"weight_transform": "raw", "id_type": "integer"})
    day = delta_config(model, Path("day.csv"), delimiter="|")
    assert (day.delimiter, day.header, day.encoding, day.columns) == ("|", True, "utf-8", CsvColumns())


def test_an_unknown_column_field_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"delta columns usr: name columns by feature, followed, follower, item"):
        delta_config(_loaded(), Path("day.csv"), columns={"usr": "u"})


def test_how_files_were_read_leaves_the_graph_fingerprint_as_it_is() -> None:
    from mp2v.graph.model import graph_fingerprint
    from tests.fakes import FakeRunner

    def fingerprint(model: GraphModel) -> str:
        runner = FakeRunner({
            "model/read_dataset": lambda *_: [{"properties": model.to_properties()}],
            "admin/labels": lambda *_: [{"label": "User"}], "admin/relationship_types": lambda *_: [],
            "admin/count_label": lambda *_: [{"count": 3}]})
        return graph_fingerprint(runner)  # type: ignore[arg-type]

    semicolons, tabs = _loaded(delimiter=";"), _loaded(delimiter="tab", encoding="latin-1")
    assert semicolons.options != tabs.options and fingerprint(semicolons) == fingerprint(tabs)
    assert fingerprint(semicolons) != fingerprint(_loaded(weight_transform="log1p"))
