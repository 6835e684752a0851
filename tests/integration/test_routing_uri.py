"""The routing scheme a Neo4j cluster needs (``neo4j://``) through the project's runner, against the single
local test server: a Community instance answers the routing request with itself as writer and reader, so
the driver fetches a routing table and sends the write session to the writer and the read and streaming
sessions to a reader. What a cluster adds is documented in docs/scale.md."""

from __future__ import annotations

from dataclasses import replace

import pytest

from mp2v.db.queries import Statement
from mp2v.db.runner import QueryRunner

WRITE = Statement("UNWIND range(1, $n) AS i CREATE (:RoutingProbe {id: i}) RETURN count(*) AS created")
READ = Statement("MATCH (p:RoutingProbe) RETURN count(p) AS n, sum(p.id) AS total")
IDS = Statement("MATCH (p:RoutingProbe) RETURN p.id AS id ORDER BY id")


def test_neo4j_routing_uri_reads_writes_and_streams_through_the_runner(db: QueryRunner) -> None:
    uri = db.settings.uri
    if not uri.startswith("bolt://"):
        pytest.skip(f"the test server's URI {uri} is not a direct bolt:// one")
    routed_settings = replace(db.settings, uri="neo4j://" + uri.removeprefix("bolt://"))
    with QueryRunner(routed_settings) as routed:
        routed.verify()
        records, counters = routed.write(WRITE, {"n": 25})
        assert records == [{"created": 25}] and counters.nodes_created == 25
        assert routed.read(READ) == [{"n": 25, "total": 325}]
        streamed = [row[0] for batch in routed.stream(IDS, batch_size=10) for row in batch]
        assert streamed == list(range(1, 26))
    # The direct connection sees what the routed one wrote: one database, not a copy.
    assert db.read(READ) == [{"n": 25, "total": 325}]
