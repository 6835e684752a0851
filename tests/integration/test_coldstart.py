"""Cold start against the real server: the study on generated CSV and KuaiRec-format data, and a new item
written from side information only, served by the vector index at once."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from loaders import LoadOptions, run_load
from loaders import kuairec as kuairec_loader
from loaders.csv_generic import CsvConfig, build_plan
from loaders.plan import GraphPlan
from loaders.rejects import Validation
from mp2v.db.runner import QueryRunner
from mp2v.embeddings.side_vectors import SideVectors
from mp2v.embeddings.store import RunStore
from mp2v.experiments.coldstart import run_coldstart_study, train_graph_eges
from mp2v.experiments.coldstart_eval import StudySettings
from mp2v.graph.model import read_model
from mp2v.models.eges import Aggregation
from mp2v.serving.coldstart import embed_item, write_cold_item
from mp2v.serving.vector_index import Server, serve_run
from tests.cypher_helpers import cypher
from tests.data_factories import write_kuairec

OPTIONS = LoadOptions(progress=False)
TINY = StudySettings(item_share=0.2, user_share=0.2, dimensions=8, epochs=3, walks_per_node=5, walk_length=10,
                     workers=1, ks=(2, 5, 10))


def _write_csv(folder: Path) -> CsvConfig:
    """Two tastes: even users play even items (features rock*), odd users odd items (features pop*)."""
    rng = np.random.default_rng(0)
    plays = ["user,item,weight"]
    for user in range(60):
        for item in rng.choice(np.arange(user % 2, 50, 2), 8, replace=False).tolist():
            plays.append(f"{user},{item},{int(rng.integers(1, 9))}")
    features = ["item,feature"]
    for item in range(50):
        kind = "rock" if item % 2 == 0 else "pop"
        features += [f"{item},{kind}{f}" for f in rng.choice(3, 2, replace=False).tolist()]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "plays.csv").write_text("\n".join(plays) + "\n")
    (folder / "features.csv").write_text("\n".join(features) + "\n")
    return CsvConfig(interactions=folder / "plays.csv", features=folder / "features.csv", dataset="tastes",
                     id_type="string")


def _load_csv(db: QueryRunner, tmp_path: Path) -> None:
    config = _write_csv(tmp_path / "csv")

    def build(validation: Validation) -> GraphPlan:
        return build_plan(config, validation)
    run_load(build, db, OPTIONS, rejects_dir=tmp_path / "rejects")


def test_study_on_generated_csv(db: QueryRunner, tmp_path: Path) -> None:
    _load_csv(db, tmp_path)
    markdown, data = run_coldstart_study(db, TINY, tmp_path / "results")
    assert markdown.name == "coldstart-tastes.md" and "## Cold-start users" in markdown.read_text()
    result = json.loads(data.read_text())
    assert result["cold_items"]["counts"]["cold_items"] == 10
    assert result["cold_users"]["counts"]["held_out_users"] == 12
    assert "EGES" in result["cold_items"]["means"] and "popularity" in result["cold_users"]["means"]


def test_study_on_generated_kuairec(db: QueryRunner, tmp_path: Path) -> None:
    write_kuairec(tmp_path / "data", users=40, videos=50, rows=700, social=False)
    config = kuairec_loader.KuaiRecConfig(tmp_path / "data", threshold=0.0)

    def build(validation: Validation) -> kuairec_loader.GraphPlan:
        return kuairec_loader.build_plan(config, validation)
    run_load(build, db, OPTIONS, rejects_dir=tmp_path / "rejects")
    _, data = run_coldstart_study(db, TINY, tmp_path / "results")
    result = json.loads(data.read_text())
    assert result["dataset"] == "kuairec" and result["cold_items"]["counts"]["users"] > 0


@pytest.mark.parametrize("aggregation", [Aggregation.ATTENTION])
def test_a_new_item_from_side_information_is_served_at_once(db: QueryRunner, tmp_path: Path,
                                                           aggregation: Aggregation) -> None:
    _load_csv(db, tmp_path)
    store = RunStore(tmp_path / "runs")
    stored = train_graph_eges(db, store, tmp_path / "walks", aggregation=aggregation, max_side=2,
                              walks_per_node=5, side_walks_per_node=3, walk_length=10, dimensions=8, window=2,
                              epochs=3, workers=1, seed=1)
    assert stored.metadata["metapaths"][1] == "Item-HAS_FEATURE->Feature<-HAS_FEATURE-Item@3"
    side = SideVectors.load(stored.path)
    assert side.known_features.all()  # every feature node got a vector from the walks and aggregation
    model = read_model(db)
    record = serve_run(db, model, stored)
    item = embed_item(stored, side, ["rock0", "rock1"], k=5)
    write_cold_item(db, model, record, "new", "fresh rock", ["rock0", "rock1"], item.vector)
    linked = cypher(db, "MATCH (:Item {id: 'new'})-[:HAS_FEATURE]->(f) RETURN f.id AS f ORDER BY f")
    assert linked["f"].tolist() == ["rock0", "rock1"]
    neighbours = Server(db, model, record["slot"]).similar("new", 5)
    assert [r.item_id for r in neighbours] == [i for i, _ in item.neighbours]
    assert sum(int(r.item_id) % 2 == 0 for r in neighbours) >= 4  # rock items are the even ones
