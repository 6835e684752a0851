"""Run only by test_test_safety.py (the name keeps it out of normal collection): a test whose ``db`` fixture
wipes the database, pointed at a server that holds someone's data. The session must stop before it runs."""

from __future__ import annotations

from mp2v.db.queries import Statement
from mp2v.db.runner import QueryRunner


def test_probe_writes_into_a_wiped_database(db: QueryRunner) -> None:
    db.write(Statement("CREATE (:ProbeRan)"))
