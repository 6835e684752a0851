"""The server underneath everything: Cypher writes, a GDS projection, gds.randomWalk and gds.degree."""

from __future__ import annotations

import pytest

from mp2v.config import Neo4jSettings
from mp2v.db.check import check_connection, connect
from mp2v.db.runner import QueryRunner
from mp2v.errors import ConnectionCheckError
from tests.conftest import Backend
from tests.cypher import query
from tests.cypher_helpers import cypher


def _create_star(runner: QueryRunner) -> None:
    # A hub user 0 who watched videos 1..5; user 9 watched only video 1.
    cypher(runner,
        "UNWIND range(1, 5) AS v "
        "MERGE (u:User {id: 0}) MERGE (video:Video {id: v}) MERGE (u)-[:WATCHED]->(video)"
    )
    cypher(runner, "MATCH (video:Video {id: 1}) MERGE (:User {id: 9})-[:WATCHED]->(video)")


def test_server_has_gds_213(db: QueryRunner) -> None:
    info = check_connection(db)
    assert info.gds_version.startswith("2.13.")
    assert info.neo4j_version.startswith("5.26.")
    assert info.gds_procedures > 300


def test_project_degree_and_random_walk(db: QueryRunner) -> None:
    _create_star(db)
    projected = cypher(db, "CALL gds.graph.project('star', ['User', 'Video'], "
                           "{WATCHED: {orientation: 'UNDIRECTED'}}) YIELD nodeCount, relationshipCount "
                           "RETURN nodeCount, relationshipCount")
    try:
        assert int(projected["nodeCount"][0]) == 7
        assert int(projected["relationshipCount"][0]) == 12  # 6 edges, both directions
        degrees = cypher(db, "CALL gds.degree.stream('star') YIELD nodeId, score "
                             "RETURN gds.util.asNode(nodeId).id AS id, score")
        by_node = dict(zip(degrees["id"].tolist(), degrees["score"].tolist(), strict=True))
        assert by_node[0] == 5.0 and by_node[9] == 1.0 and by_node[1] == 2.0
        ids = cypher(db, "MATCH (u:User {id: 9}), (h:User {id: 0}), (v:Video {id: 1}) "
                         "RETURN id(u) AS user9, id(h) AS hub, id(v) AS video1")
        user9, hub, video1 = (int(ids[column][0]) for column in ("user9", "hub", "video1"))
        walks = cypher(db, "CALL gds.randomWalk.stream('star', {walkLength: 5, walksPerNode: 20, "
                           "sourceNodes: [$user9], randomSeed: 7, concurrency: 1}) YIELD nodeIds RETURN nodeIds",
                       {"user9": user9})
        assert len(walks) == 20
        for path in walks["nodeIds"]:
            assert path[0] == user9 and path[1] == video1  # user 9's only edge
            assert len(path) == 5
            assert set(path[2::2]) <= {user9, hub}  # even steps are users
    finally:
        cypher(db, "CALL gds.graph.drop('star') YIELD graphName RETURN graphName")


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
    running = cypher(db,
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
