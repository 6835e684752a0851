"""The test guard: a database with data and no sentinel is refused unless the suite created its server."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import pytest

from mp2v.db.runner import QueryRunner
from tests import guard
from tests.fakes import FakeRunner


def _runner(nodes: int, sentinels: int, uri: str) -> FakeRunner:
    runner = FakeRunner({
        guard._COUNTS: lambda p, i: [{"nodes": nodes, "sentinels": sentinels}],
        guard._MARK: lambda p, i: [],
    })
    cast(Any, runner).settings = SimpleNamespace(uri=uri, database="neo4j")
    return runner


def _marked(runner: FakeRunner) -> bool:
    return any(name == guard._MARK for name, _, _ in runner.calls)


def test_data_without_the_sentinel_on_a_server_the_suite_did_not_create_stops_the_session() -> None:
    runner = _runner(nodes=50, sentinels=0, uri="bolt://127.0.0.1:1")
    with pytest.raises(pytest.exit.Exception, match="refusing to use the database 'neo4j'"):
        guard.claim(cast(QueryRunner, runner))
    assert not _marked(runner)


def test_a_killed_sessions_leftovers_on_the_suites_own_server_are_adopted() -> None:
    runner = _runner(nodes=50, sentinels=0, uri="bolt://127.0.0.1:2")
    guard.claim(cast(QueryRunner, runner), owned=True)
    assert _marked(runner)


@pytest.mark.parametrize(("nodes", "sentinels", "marks"), [(0, 0, True), (7, 1, False)])
def test_an_empty_or_marked_database_is_claimed(nodes: int, sentinels: int, marks: bool) -> None:
    runner = _runner(nodes=nodes, sentinels=sentinels, uri=f"bolt://127.0.0.1:{3 + nodes}")
    guard.claim(cast(QueryRunner, runner))
    assert _marked(runner) is marks
