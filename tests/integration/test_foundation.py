"""The server underneath everything: Cypher writes, a GDS projection, gds.randomWalk and gds.degree."""

from __future__ import annotations

import pytest

from mp2v.config import Neo4jSettings
from mp2v.db.check import check_connection, connect
from mp2v.db.runner import QueryRunner
from mp2v.errors import ConnectionCheckError
from tests.conftest import Backend
from tests.cypher import query


def _create_star(runner: QueryRunner) -> None:
    # A hub user 0 who watched videos 1..5; user 9 watched only video 1.
    runner.gds().run_cypher(
        "UNWIND range(1, 5) AS v "
        "MERGE (u:User {id: 0}) MERGE (video:Video {id: v}) MERGE (u)-[:WATCHED]->(video)"
    )
    runner.gds().run_cypher("MATCH (video:Video {id: 1}) MERGE (:User {id: 9})-[:WATCHED]->(video)")


def test_server_has_gds_213(db: QueryRunner) -> None:
    info = check_connection(db)
    assert info.gds_version.startswith("2.13.")
    assert info.neo4j_version.startswith("5.26.")
    assert info.gds_procedures > 300


def test_project_degree_and_random_walk(db: QueryRunner) -> None:
    _create_star(db)
    gds = db.gds()
    graph, result = gds.graph.project.native(
        "star", ["User", "Video"], {"WATCHED": {"orientation": "UNDIRECTED"}}
    )
    try:
        assert result.node_count == 7
        assert result.relationship_count == 12  # 6 edges, both directions
        degrees = gds.degree.stream(graph)
        ids = [node["id"] for node in gds.util.as_nodes(degrees["nodeId"].tolist())]
        by_node = dict(zip(ids, degrees["score"].tolist(), strict=True))
        assert by_node[0] == 5.0 and by_node[9] == 1.0 and by_node[1] == 2.0
        user9 = gds.util.find_node_id(["User"], {"id": 9})
        walks = gds.random_walk.stream(
            graph, walk_length=5, walks_per_node=20, source_nodes=[user9], random_seed=7, concurrency=1
        )
        assert len(walks) == 20
        hub = gds.util.find_node_id(["User"], {"id": 0})
        video1 = gds.util.find_node_id(["Video"], {"id": 1})
        for path in walks["nodeIds"]:
            assert path[0] == user9 and path[1] == video1  # user 9's only edge
            assert len(path) == 5
            assert set(path[2::2]) <= {user9, hub}  # even steps are users
    finally:
        graph.drop()


def test_stream_stops_server_work_when_consumer_stops(db: QueryRunner) -> None:
    rows = 0
    for batch in db.stream("admin/ping", batch_size=1):
        rows += len(batch)
    assert rows == 1
    # A long query abandoned after its first batch leaves no transaction running on the server.
    long_running = db.stream(query("long_unwind"), {"n": 50_000_000}, batch_size=1_000)
    first = next(long_running)
    assert len(first) == 1_000
    long_running.close()
    running = db.gds().run_cypher(
        "SHOW TRANSACTIONS YIELD currentQuery "
        "WHERE currentQuery STARTS WITH '// Used by the runner' RETURN count(*) AS n"
    )
    assert int(running["n"][0]) == 0


def test_wrong_password_is_one_clear_line(neo4j_backend: Backend) -> None:
    wrong = Neo4jSettings(neo4j_backend.settings.uri, neo4j_backend.settings.username, "not-the-password")
    with pytest.raises(ConnectionCheckError) as error:
        connect(wrong)
    message = str(error.value)
    assert "rejected the credentials" in message and "\n" not in message


def test_unreachable_server_is_one_clear_line() -> None:
    nowhere = Neo4jSettings("bolt://127.0.0.1:1", "neo4j", "whatever-password")
    with pytest.raises(ConnectionCheckError) as error:
        connect(nowhere)
    assert "not reachable at bolt://127.0.0.1:1" in str(error.value)
