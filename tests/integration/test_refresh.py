"""`mp2v refresh` on the real server: the delta is read the way its dataset was loaded, may name users and
items the graph already holds, leaves the :Dataset node as it is, and loads idempotently."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from loaders import LoadOptions, run_load
from loaders.csv_delta import delta_config
from loaders.csv_generic import CsvConfig, CsvLabels, build_plan
from loaders.ratings import Aggregate, RatingRules
from mp2v.cli.main import app
from mp2v.config import ProjectPaths, Settings, load_settings
from mp2v.db.admin import graph_stats
from mp2v.db.runner import QueryRunner
from mp2v.embeddings.store import Embeddings, RunStore
from mp2v.errors import ConfigError
from mp2v.experiments.refresh import DeltaFiles, RefreshConfig, load_delta, refresh
from mp2v.graph.model import GraphModel, read_model
from tests.conftest import Backend
from tests.cypher_helpers import cypher

LABELS = CsvLabels(user="Listener", item="Song", interaction="PLAYED", feature="Genre", has_feature="IN_GENRE")


@pytest.fixture()
def settings(tmp_path: Path, neo4j_backend: Backend) -> Settings:
    return replace(load_settings(), paths=ProjectPaths(tmp_path / "home"), neo4j=neo4j_backend.settings)


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _base(db: QueryRunner, tmp_path: Path) -> GraphModel:
    """A catalogue loaded with non-default labels, string ids, log1p weights and max-merged ratings."""
    config = CsvConfig(
        interactions=_write(tmp_path / "i.csv", "user,item,weight\nann,a,3\nann,b,1\nbob,b,2\ncid,a,4\ncid,c,1\n"),
        follows=_write(tmp_path / "f.csv", "user,follows\nann,bob\n"),
        features=_write(tmp_path / "g.csv", "item,feature\na,rock\nb,pop\nc,pop\n"),
        dataset="songs", id_type="string", weight_transform="log1p", labels=LABELS,
        ratings=RatingRules(aggregate=Aggregate.MAX))
    run_load(lambda v: build_plan(config, v), db, LoadOptions(progress=False), rejects_dir=tmp_path / "r")
    return read_model(db)


def _previous_run(settings: Settings, model: GraphModel) -> str:
    """A stored run of every node, as a full training would leave it (random vectors suffice to start from)."""
    tokens = [model.token("Listener", u) for u in ("ann", "bob", "cid")] + [model.token("Song", i) for i in "abc"]
    vectors = np.random.default_rng(0).normal(size=(len(tokens), 8)).astype(np.float32)
    embeddings = Embeddings.from_tokens(tokens, vectors, vectors.copy(), model)
    return RunStore(settings.paths.runs).save("R-MP2V", embeddings, {"dataset": model.dataset,
                                                                      "scoring": "dot"}).run_id


def test_refresh_reads_the_delta_like_its_dataset(db: QueryRunner, settings: Settings, tmp_path: Path) -> None:
    model = _base(db, tmp_path)
    previous = _previous_run(settings, model)
    delta = DeltaFiles(
        interactions=_write(tmp_path / "day.csv", "user,item,weight\ndan,a,2\ndan,a,5\ndan,d,1\n"),
        # ann and cid interact with nothing today; b gets a new genre; zed is nowhere.
        follows=_write(tmp_path / "day-f.csv", "user,follows\nann,cid\ndan,ann\nzed,ann\n"),
        features=_write(tmp_path / "day-g.csv", "item,feature\nb,jazz\nd,pop\n"))
    config = RefreshConfig(delta=delta, walks_per_node=2, walk_length=6, serve=False)
    result = refresh(db, settings, config)
    assert result.run.metadata["refreshed_from"] == previous
    assert read_model(db) == model  # labels, features, weights and rules as loaded
    stats = graph_stats(db, with_degrees=False)
    assert stats.labels == {"Listener": 4, "Song": 4, "Genre": 3, "Dataset": 1}
    assert stats.relationships == {"PLAYED": 7, "FOLLOWS": 3, "IN_GENRE": 4}
    # The delta's repeated rows merge by the dataset's rule (max, not the default sum), weighed by log1p.
    edge = cypher(db, "MATCH (:Listener {id: 'dan'})-[p:PLAYED]->(:Song {id: 'a'}) RETURN p.raw AS raw, "
                      "p.weight AS weight")
    assert (edge["raw"][0], edge["weight"][0]) == (5.0, pytest.approx(np.log1p(5.0)))
    follows = cypher(db, "MATCH (a:Listener)-[:FOLLOWS]->(b:Listener) RETURN a.id + '>' + b.id AS pair")
    assert sorted(follows["pair"]) == ["ann>bob", "ann>cid", "dan>ann"]
    genres = cypher(db, "MATCH (:Song {id: 'b'})-[:IN_GENRE]->(g) RETURN g.id AS genre")
    assert genres["genre"].tolist() == ["jazz"]  # the features of an item the file describes are replaced
    follows_file = next(line.split() for line in result.load_summary if line.strip().startswith("day-f.csv"))
    assert follows_file[1:3] == ["3", "1"]  # 3 rows, 1 rejected: zed is neither in the delta nor in the graph

    # Loaded again, and once more without a features file: nothing changes, not even the feature label.
    load_delta(db, settings, delta)
    load_delta(db, settings, replace(delta, features=None))
    assert graph_stats(db, with_degrees=False) == stats
    assert read_model(db) == model
    # A day of follows alone.
    load_delta(db, settings, DeltaFiles(follows=_write(tmp_path / "f2.csv", "user,follows\nbob,cid\nbob,ann\n")))
    assert graph_stats(db, with_degrees=False).relationships == {**stats.relationships, "FOLLOWS": 5}


def test_refresh_refuses_other_loaders_and_empty_deltas(db: QueryRunner, settings: Settings,
                                                             tmp_path: Path) -> None:
    lastfm = GraphModel(dataset="lastfm", item_label="Artist", interaction_type="LISTENED",
                        options={"weight": "log1p"})
    db.write("model/write_dataset", {"properties": lastfm.to_properties()})
    with pytest.raises(ConfigError, match=r"loaded by `mp2v load lastfm`.*without --interactions"):
        load_delta(db, settings, DeltaFiles(_write(tmp_path / "day.csv", "user,item\n1,2\n")))
    plain = GraphModel(dataset="plain", options={"weight_transform": "raw"})
    with pytest.raises(ConfigError, match="loaded without features, so a delta cannot add them"):
        delta_config(plain, None, features=tmp_path / "g.csv")
    with pytest.raises(ConfigError, match="a delta needs at least one file"):
        DeltaFiles()
    with pytest.raises(ConfigError, match=r"alpha 0 \(must be > 0\)"):
        RefreshConfig(delta=None, alpha=0)


def test_cli_refresh_with_a_day_of_follows_in_its_own_columns(db: QueryRunner, neo4j_backend: Backend, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    connection = neo4j_backend.settings
    for name, value in (("NEO4J_URI", connection.uri), ("NEO4J_USERNAME", connection.username),
                        ("NEO4J_PASSWORD", connection.password), ("MP2V_HOME", str(tmp_path / "home"))):
        monkeypatch.setenv(name, value)
    model = _base(db, tmp_path)
    _previous_run(load_settings(), model)
    day = _write(tmp_path / "day-f.csv", "fan;idol\ncid;ann\n")  # read with load csv's reading options
    answer = CliRunner().invoke(app, ["refresh", "--follows", str(day), "--no-serve", "--walks-per-node", "2",
                                      "--walk-length", "6", "--alpha", "0.005", "--delimiter", ";",
                                      "--follower-col", "fan", "--followed-col", "idol"])
    assert answer.exit_code == 0, answer.output
    assert "day-f.csv" in answer.output and "new run" in answer.output
    refreshed = RunStore(tmp_path / "home" / "runs").latest(dataset="songs")
    assert refreshed.metadata["alpha"] == 0.005 and refreshed.metadata["delta"] == [str(day)]
    assert graph_stats(db, with_degrees=False).relationships["FOLLOWS"] == 2


def test_a_delta_is_read_as_its_catalogues_files_were(db: QueryRunner, settings: Settings, tmp_path: Path) -> None:
    """A catalogue of header-less, space-separated ratings: its day's file needs no reading flags."""
    config = CsvConfig(interactions=_write(tmp_path / "ratings.txt", "1 10 4\n1 11 2\n2 10 5\n"),
                       dataset="spaced", delimiter="whitespace", header=False)
    run_load(lambda v: build_plan(config, v), db, LoadOptions(progress=False), rejects_dir=tmp_path / "r")
    lines = load_delta(db, settings, DeltaFiles(_write(tmp_path / "day.txt", "2  11 3\n3 10 1\n")))
    assert any(line.split()[:3] == ["day.txt", "2", "0"] for line in lines), lines  # 2 rows, none rejected
    edges = cypher(db, "MATCH (u:User)-[r:INTERACTED]->(i:Item) RETURN u.id AS u, i.id AS i, r.raw AS raw "
                       "ORDER BY u, i")
    assert edges.values.tolist() == [[1, 10, 4.0], [1, 11, 2.0], [2, 10, 5.0], [2, 11, 3.0], [3, 10, 1.0]]
