"""Evaluation and serving end to end on a planted two-community graph."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from mp2v.config import ProjectPaths, Settings, load_settings
from mp2v.db.runner import QueryRunner
from mp2v.embeddings.store import RunStore
from mp2v.errors import ConfigError
from mp2v.experiments.evaluate import EvaluationConfig, evaluate
from mp2v.experiments.protocols import read_interactions
from mp2v.graph.model import graph_fingerprint, read_model
from mp2v.serving.scoring import recommend_for_user, similar_items
from mp2v.serving.vector_index import Server, serve_run, served_runs
from mp2v.training.gensim_sgns import TrainConfig
from tests.conftest import Backend
from tests.graphs import two_communities

CONFIG = EvaluationConfig(stage="test", walks_per_node=20, walk_length=20,
                          train=TrainConfig(dimensions=16, epochs=5, workers=1))


@pytest.fixture()
def settings(tmp_path: Path, neo4j_backend: Backend) -> Settings:
    return replace(load_settings(), paths=ProjectPaths(tmp_path / "home"), neo4j=neo4j_backend.settings)


def test_evaluate_learns_communities_reports_and_reuses(db: QueryRunner, settings: Settings) -> None:
    two_communities(db)
    outcome = evaluate(db, settings, CONFIG, progress=False)
    by_name = {r.name: r for r in outcome.results}
    assert set(by_name) == {"MP2V", "R-MP2V", "item2vec"}
    for name in ("MP2V", "R-MP2V"):
        result = by_name[name]
        # Each user has 15 own-community videos, ~6 of them seen in training: the top 5 of every user stays
        # inside their own community (videos 1000-1014 vs 1015-1029).
        split_items = np.arange(1000, 1030)
        top = split_items[result.topk[:, :5]]
        users = np.arange(40)
        assert ((top >= 1015) == (users[:, None] >= 20)).mean() > 0.95
        assert result.metrics["recall@20"] > 0.9  # the top 20 holds all ~9 unseen own-community videos
    assert {"json", "markdown", "metrics_plot", "diversity_plot", "pca_plot"} <= set(outcome.report)
    assert all(path.is_file() for path in outcome.report.values())
    assert "| R-MP2V |" in outcome.report["markdown"].read_text()
    # The variant to compare against was chosen on validation (fits on the tuning rows), not on test.
    assert [r.name for r in outcome.validation] == ["MP2V", "R-MP2V"]
    assert all(r.stage == "validation" and r.run_id not in {t.run_id for t in outcome.results}
               for r in outcome.validation)
    assert outcome.choice is not None
    validation_recall = {r.name: r.metrics["recall@20"] for r in outcome.validation}
    assert outcome.choice.name == max(validation_recall, key=validation_recall.__getitem__)
    assert outcome.choice.validation == validation_recall
    assert {t["a"] for t in outcome.tests} == {outcome.choice.name}
    recorded = json.loads(outcome.report["json"].read_text())
    assert recorded["chosen_variant"] == outcome.choice.name
    assert recorded["chosen_by"] == "validation recall@20"
    assert recorded["chosen_validation_recall@20"] == round(validation_recall[outcome.choice.name], 4)
    assert [m["stage"] for m in recorded["methods"]] == ["test"] * 3
    # Held-out interactions are marked on the graph, on the split's own property: exactly the test split
    # (+ validation) of the protocol.
    runs = RunStore(settings.paths.runs)
    properties = {runs.load(result.run_id).metadata["holdout_property"]
                  for result in outcome.results if result.run_id and "MP2V" in result.name}
    assert len(properties) == 1 and next(iter(properties)).startswith("holdout_")
    marked = {row["split"]: row["count"] for row in db.read(
        "eval/holdout_counts", {"property": properties.pop()},
        identifiers={"User": "User", "Interaction": "WATCHED", "Item": "Video"})}
    # 8 interactions per user: round(0.2 * 8) = 2 test and round(0.2 * 6) = 1 validation per user.
    assert marked == {"test": 80, "validation": 40}
    again = evaluate(db, settings, CONFIG, progress=False)
    assert again.choice == outcome.choice
    for before, after in zip([*outcome.validation, *outcome.results], [*again.validation, *again.results],
                             strict=True):
        assert after.metrics == before.metrics and after.run_id == before.run_id
        assert any("reused" in note for note in after.notes)


def test_served_rankings_match_offline_rankings(db: QueryRunner, settings: Settings) -> None:
    two_communities(db)
    fingerprint = graph_fingerprint(db)
    outcome = evaluate(db, settings, replace(CONFIG, methods=("R-MP2V", "item2vec")), progress=False)
    store = RunStore(settings.paths.runs)
    model = read_model(db)
    table = read_interactions(db, model)
    seen = {table.user_ids[u]: set(table.item_ids[table.matrix[u].indices].tolist())
            for u in range(table.matrix.shape[0])}
    for result in outcome.results:
        run = store.load(result.run_id)  # type: ignore[arg-type]
        record = serve_run(db, model, run)
        assert serve_run(db, model, run)["served_at"] == record["served_at"]  # serving again is a no-op
        server = Server(db, model, record["slot"])
        rule = run.metadata["scoring"]
        for user in run.embeddings.user_ids.tolist():
            online = server.recommend(user, k=10, exclude_seen=True)
            offline = recommend_for_user(run.embeddings, user, 10, rule, seen[user])
            assert [r.item_id for r in online] == [i for i, _ in offline]
            np.testing.assert_allclose([r.score for r in online], [s for _, s in offline], rtol=1e-4, atol=1e-5)
        item = run.embeddings.item_ids[0].item()
        assert [r.item_id for r in server.similar(item, 5)] == [i for i, _ in similar_items(run.embeddings, item, 5)]
    assert set(served_runs(db)) == {"r_mp2v", "item2vec"}
    # Serving writes :ServedRun nodes and vector properties, not data: stored runs must stay current.
    assert graph_fingerprint(db) == fingerprint
    server = Server(db, model, "r_mp2v")
    with pytest.raises(ConfigError, match="no User with id 999"):
        server.recommend(999)
    with pytest.raises(ConfigError, match="no Video with id 5"):
        server.similar(5)
    with pytest.raises(ConfigError, match="no run is served in slot 'bpr'"):
        Server(db, model, "bpr")


def test_interaction_pairs_join_the_walks_and_key_the_run(db: QueryRunner, settings: Settings) -> None:
    """``interaction_pairs``: the training interactions as extra sentences; a run of its own, walks kept as is."""
    two_communities(db)
    config = replace(CONFIG, methods=("R-MP2V",), interaction_pairs=2)
    outcome = evaluate(db, settings, config, progress=False)
    result = next(r for r in outcome.results if r.name == "R-MP2V")
    assert result.metrics["recall@20"] > 0.9  # still learns the planted communities
    runs = RunStore(settings.paths.runs)
    stored = runs.load(result.run_id)
    assert stored.metadata["params"]["interaction_pairs"] == 2
    corpus = next(settings.paths.home.rglob(stored.metadata["corpus"]))
    # The kept corpus is the walks alone (pair lines have two tokens; walks here have 20); the mixed file is gone.
    assert all(len(line.split()) > 2 for line in corpus.read_text().splitlines())
    assert not list(settings.paths.home.rglob("*-pairs.txt"))
    plain = evaluate(db, settings, replace(config, interaction_pairs=0), progress=False)
    assert next(r for r in plain.results if r.name == "R-MP2V").run_id != result.run_id
