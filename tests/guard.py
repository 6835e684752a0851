"""The one way tests wipe a database: only one that is empty or carries the test sentinel node.

A database the suite finds empty is marked with a ``(:Mp2vTestDatabase)`` node; a database that holds nodes
but no sentinel belongs to someone else (a user's server named by mistake, a port clash) and the session
stops before anything is written. The sentinel is removed while a test runs (tests see an empty database)
and written again after each test and at the end of the session, so the next session recognises the database.
A session killed part-way leaves its data without the sentinel; on a server the suite created itself (a fresh
container, or the local test server whose folder holds ``OWNER_FILE``) that database is still the suite's.
"""

from __future__ import annotations

import pytest

from mp2v.db.admin import clear_database
from mp2v.db.queries import Statement
from mp2v.db.runner import QueryRunner

SENTINEL_LABEL = "Mp2vTestDatabase"
#: Written into the local test server's folder when the suite creates that server.
OWNER_FILE = "CREATED_BY_MP2V_TESTS"

_COUNTS = Statement(
    "MATCH (n) WITH count(n) AS nodes "
    f"OPTIONAL MATCH (s:{SENTINEL_LABEL}) RETURN nodes, count(s) AS sentinels"
)
_UNMARK = Statement(f"MATCH (s:{SENTINEL_LABEL}) DELETE s")
_MARK = Statement(f"MERGE (:{SENTINEL_LABEL} {{purpose: 'mp2v test suite: may be wiped'}})")

#: (uri, database) pairs this process has checked and may wipe.
_claimed: set[tuple[str, str]] = set()


def _key(runner: QueryRunner) -> tuple[str, str]:
    return runner.settings.uri, runner.settings.database


def refusal(runner: QueryRunner, nodes: int) -> str:
    """The one line the session stops with when a database is not a test database."""
    return (
        f"refusing to use the database {runner.settings.database!r} at {runner.settings.uri} for tests: it holds "
        f"{nodes:,} nodes and no (:{SENTINEL_LABEL}) node, so the test suite did not create it and would wipe it; "
        "point MP2V_TEST_NEO4J_URI at an empty server (or unset it to let the tests start their own)"
    )


def claim(runner: QueryRunner, *, owned: bool = False) -> None:
    """Check once per process that the database is the suite's own (marking it if empty), else stop the session.

    ``owned``: the suite created the server, so data without the sentinel is a killed session's leftovers.
    """
    if _key(runner) in _claimed:
        return
    row = runner.read(_COUNTS)[0]
    nodes, sentinels = int(row["nodes"]), int(row["sentinels"])
    if nodes and not sentinels and not owned:
        pytest.exit(refusal(runner, nodes), returncode=pytest.ExitCode.USAGE_ERROR)
    if not sentinels:
        mark(runner)
    _claimed.add(_key(runner))


def mark(runner: QueryRunner) -> None:
    """Write the sentinel (idempotent)."""
    runner.write(_MARK)


def clear_test_database(runner: QueryRunner) -> None:
    """Wipe a claimed test database (the sentinel too: tests start from an empty database)."""
    claim(runner)
    clear_database(runner)


def unmark(runner: QueryRunner) -> None:
    """Remove the sentinel while tests look at a graph they did not wipe first (a loaded Last.fm)."""
    claim(runner)
    runner.write(_UNMARK)
