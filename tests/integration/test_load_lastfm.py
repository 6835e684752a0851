"""Last.fm into the real server: exact counts, an interrupted load completed by a re-run, idempotence."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from loaders import LoadOptions, run_load
from loaders import lastfm as lastfm_loader
from loaders.plan import GraphPlan
from loaders.rejects import Validation
from loaders.summary import summary_lines
from mp2v.db.admin import graph_stats
from mp2v.db.runner import QueryRunner
from mp2v.graph.model import read_model
from tests import conftest
from tests.conftest import Backend
from tests.cypher_helpers import cypher

COUNTS = {"User": 1_892, "Artist": 17_632, "Tag": 11_946, "Dataset": 1}
RELATIONSHIPS = {"LISTENED": 92_834, "FOLLOWS": 25_434, "HAS_TAG": 108_437}
OPTIONS = LoadOptions(progress=False)


class Crash(Exception):
    """Raised by the test hook to cut a load off after some committed batches."""


def _build(validation: Validation) -> GraphPlan:
    return lastfm_loader.build_plan(lastfm_loader.LastfmConfig(), validation)


def _checksums(db: QueryRunner) -> dict[str, Any]:
    frame = cypher(db,
        "MATCH (:User)-[l:LISTENED]->(:Artist) WITH sum(l.plays) AS plays, sum(l.weight) AS weight "
        "MATCH (:Artist)-[t:HAS_TAG]->(:Tag) "
        "RETURN plays, weight, sum(t.count) AS tag_count, sum(t.weight) AS tag_weight"
    )
    return {key: float(value) for key, value in frame.iloc[0].items()}


def test_interrupted_load_rerun_and_idempotence(db: QueryRunner, tmp_path: Path) -> None:
    def crash_after_three_batches(name: str, done: int) -> None:
        if name == "LISTENED" and done >= 30_000:
            raise Crash

    with pytest.raises(Crash):
        run_load(_build, db, replace(OPTIONS, after_batch=crash_after_three_batches), rejects_dir=tmp_path)
    partial = graph_stats(db, with_degrees=False).relationships
    # Whole 10 k batches only (two writer sessions: the other one may have committed one more batch).
    assert set(partial) == {"LISTENED"} and partial["LISTENED"] in (30_000, 40_000)

    completed = run_load(_build, db, OPTIONS, rejects_dir=tmp_path)
    print("\n".join(summary_lines(completed)))
    assert completed.write is not None
    assert completed.write.created("relationships") == {"LISTENED": 92_834 - partial["LISTENED"], "FOLLOWS": 25_434,
                                                        "HAS_TAG": 108_437}
    stats = graph_stats(db)
    assert stats.labels == COUNTS and stats.relationships == RELATIONSHIPS
    rejected = {check.name: check.rejected for check in completed.plan.files}
    assert rejected["user_taggedartists.dat"] == 1_538 and sum(rejected.values()) == 1_538
    sums = _checksums(db)
    assert sums["tag_count"] == 186_479 - 1_538
    assert read_model(db) == completed.plan.model
    follows_both_ways = cypher(db,
        "MATCH (a:User)-[:FOLLOWS]->(b:User) WHERE NOT (b)-[:FOLLOWS]->(a) RETURN count(*) AS n")
    assert int(follows_both_ways["n"][0]) == 0

    again = run_load(_build, db, OPTIONS, rejects_dir=tmp_path)
    print("\n".join(summary_lines(again)))
    assert again.write is not None
    assert set(again.write.created("nodes").values()) == {0}
    assert set(again.write.created("relationships").values()) == {0}
    assert graph_stats(db) == stats
    assert _checksums(db) == sums


@pytest.mark.slow
def test_server_stopped_mid_load_then_rerun(db: QueryRunner, neo4j_backend: Backend, tmp_path: Path) -> None:
    """The server itself goes away part-way (not just the client): a re-run after restart ends identical."""
    if neo4j_backend.kind != "local" or os.environ.get("NEO4J_URI"):
        pytest.skip("stops the server: only with the local test server")
    from mp2v.ops.server import LocalServer

    server = LocalServer(conftest.test_server_settings())

    def stop_server(name: str, done: int) -> None:
        if name == "LISTENED" and done >= 20_000:
            server.stop()

    with pytest.raises(Exception):  # noqa: B017 - whatever the driver raises once the server is gone
        run_load(_build, db, replace(OPTIONS, after_batch=stop_server), rejects_dir=tmp_path)
    server.start()
    run_load(_build, db, OPTIONS, rejects_dir=tmp_path)
    stats = graph_stats(db, with_degrees=False)
    assert stats.labels == COUNTS and stats.relationships == RELATIONSHIPS
