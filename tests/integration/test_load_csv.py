"""Generic CSV into the real server: custom labels, string ids, idempotent re-run, other datasets refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from loaders import LoadOptions, run_load
from loaders.csv_generic import CsvConfig, CsvLabels, build_plan
from loaders.plan import GraphPlan
from loaders.rejects import Validation
from mp2v.cli.main import app
from mp2v.db.admin import graph_stats
from mp2v.db.runner import QueryRunner
from mp2v.errors import ConfigError
from mp2v.graph.model import read_model
from tests.conftest import Backend
from tests.cypher_helpers import cypher

OPTIONS = LoadOptions(progress=False, batch_size=2)  # tiny batches: several transactions per type


def test_generic_csv_load_and_rerun(db: QueryRunner, tmp_path: Path) -> None:
    (tmp_path / "i.csv").write_text("user,item,weight\nann,a,3\nann,a,1\nbob,b,2\ncid,a,1\n")
    (tmp_path / "f.csv").write_text("user,follows\nann,bob\nbob,ann\nbob,zed\n")
    (tmp_path / "g.csv").write_text("item,feature\na,rock\nb,pop\n")
    config = CsvConfig(interactions=tmp_path / "i.csv", follows=tmp_path / "f.csv", features=tmp_path / "g.csv",
                       dataset="tiny", id_type="string", weight_transform="log1p",
                       labels=CsvLabels(user="Listener", item="Song", interaction="PLAYED", feature="Genre"))

    def build(validation: Validation) -> GraphPlan:
        return build_plan(config, validation)

    result = run_load(build, db, OPTIONS, rejects_dir=tmp_path / "r")
    assert result.plan.files[1].rejected == 1  # bob -> zed: zed has no interactions
    stats = graph_stats(db)
    assert stats.labels == {"Listener": 3, "Song": 2, "Genre": 2, "Dataset": 1}
    assert stats.relationships == {"PLAYED": 3, "FOLLOWS": 2, "HAS_FEATURE": 2}
    edge = cypher(db, "MATCH (:Listener {id: 'ann'})-[p:PLAYED]->(:Song {id: 'a'}) RETURN properties(p) AS p")
    assert edge["p"][0] == {"raw": 4.0, "count": 2, "weight": pytest.approx(1.6094379)}
    model = read_model(db)
    assert (model.user_label, model.item_label, model.interaction_type) == ("Listener", "Song", "PLAYED")

    run_load(build, db, OPTIONS, rejects_dir=tmp_path / "r")
    assert graph_stats(db) == stats

    other = CsvConfig(interactions=tmp_path / "i.csv", dataset="other", id_type="string")
    with pytest.raises(ConfigError, match="already holds dataset 'tiny'"):
        run_load(lambda v: build_plan(other, v), db, OPTIONS, rejects_dir=tmp_path / "r")
    assert graph_stats(db) == stats


def test_cli_load_csv_summary_errors_and_bulk_refusal(db: QueryRunner, neo4j_backend: Backend, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    settings = neo4j_backend.settings
    monkeypatch.setenv("NEO4J_URI", settings.uri)
    monkeypatch.setenv("NEO4J_USERNAME", settings.username)
    monkeypatch.setenv("NEO4J_PASSWORD", settings.password)
    monkeypatch.setenv("MP2V_HOME", str(tmp_path / "home"))
    (tmp_path / "i.csv").write_text("u;i;w\n1;10;2\n2;10;x\n")
    cli = CliRunner()
    ok = cli.invoke(app, ["load", "csv", "--interactions", str(tmp_path / "i.csv"), "--delimiter", ";",
                          "--user-col", "u", "--item-col", "i", "--weight-col", "w", "--no-progress"])
    assert ok.exit_code == 0, ok.output
    assert "i.csv" in ok.output and "rela INTERACTED" in ok.output
    assert (tmp_path / "home" / "rejects" / "csv" / "i.rejects.csv").is_file()

    strict = cli.invoke(app, ["load", "csv", "--interactions", str(tmp_path / "i.csv"), "--delimiter", ";",
                              "--user-col", "u", "--item-col", "i", "--weight-col", "w", "--strict"])
    assert strict.exit_code == 1
    assert f"error: {tmp_path / 'i.csv'}, line 3, field 'w': 'x' is not a number" in strict.output

    bulk = cli.invoke(app, ["load", "csv", "--interactions", str(tmp_path / "i.csv"), "--bulk"])
    assert bulk.exit_code == 1 and "NEO4J_URI" in bulk.output


def test_reload_replaces_the_features_of_the_items_the_file_lists(db: QueryRunner, tmp_path: Path) -> None:
    (tmp_path / "i.csv").write_text("user,item,weight\n1,10,1\n1,11,2\n2,12,1\n")
    (tmp_path / "g.csv").write_text("item,feature\n10,100\n10,101\n11,100\n12,102\n")
    config = CsvConfig(interactions=tmp_path / "i.csv", features=tmp_path / "g.csv", dataset="feat")

    def build(validation: Validation) -> GraphPlan:
        return build_plan(config, validation)

    def features() -> set[tuple[int, int]]:
        rows = cypher(db, "MATCH (i:Item)-[:HAS_FEATURE]->(f:Feature) RETURN i.id AS i, f.id AS f")
        return set(zip(rows["i"].tolist(), rows["f"].tolist(), strict=True))

    run_load(build, db, OPTIONS, rejects_dir=tmp_path / "r")
    assert features() == {(10, 100), (10, 101), (11, 100), (12, 102)}
    played = graph_stats(db).relationships["INTERACTED"]
    # Item 10 drops 101 and gains 103, item 11 moves to 102; item 12 is not in the file: it keeps 102.
    (tmp_path / "g.csv").write_text("item,feature\n10,100\n10,103\n11,102\n")
    result = run_load(build, db, OPTIONS, rejects_dir=tmp_path / "r")
    assert features() == {(10, 100), (10, 103), (11, 102), (12, 102)}
    assert result.write is not None and {s.name: s.deleted for s in result.write.steps}["HAS_FEATURE"] == 2
    assert graph_stats(db).relationships["INTERACTED"] == played
