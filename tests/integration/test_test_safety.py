"""The suite never wipes a database it did not create: pointed at a private server holding data (through
NEO4J_URI, which tests ignore, and through MP2V_TEST_NEO4J_URI), a test run stops and the data stays."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from mp2v.config import load_settings
from mp2v.db.queries import Statement
from mp2v.db.runner import QueryRunner
from mp2v.ops.server import LocalServer
from tests.conftest import ROOT
from tests.guard import SENTINEL_LABEL

PROBE = ROOT / "tests" / "integration" / "probe_wipes_database.py"
USER_DATA = Statement("UNWIND range(1, 25) AS i CREATE (:Customer {id: i})-[:BOUGHT]->(:Order {id: i})")
COUNT = Statement("MATCH (n) OPTIONAL MATCH (n)-[r]->() RETURN count(DISTINCT n) AS nodes, count(r) AS rels")


@dataclass(frozen=True)
class PrivateServer:
    server: LocalServer
    mp2v_home: Path

    def counts(self) -> tuple[int, int]:
        with QueryRunner(self.server.connection()) as runner:
            row = runner.read(COUNT)[0]
        return int(row["nodes"]), int(row["rels"])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def private(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateServer]:
    """A server with someone's data, laid out where the local test backend would look for its test server."""
    home, port = tmp_path_factory.mktemp("user-home"), _free_port()
    settings = replace(load_settings().server, home=home / f"test-neo4j-{port}", bolt_port=port, heap="1g",
                       pagecache="256m")
    server = LocalServer(settings)
    server.start()
    try:
        with QueryRunner(server.connection()) as runner:
            runner.write(USER_DATA)
        yield PrivateServer(server, home)
    finally:
        server.stop()


def _run_probe(private: PrivateServer, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "MP2V_TEST_", "PYTEST_"))}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", str(PROBE)],
        env={**base, **env}, cwd=ROOT, capture_output=True, text=True, timeout=300,
    )


def _assert_refused(private: PrivateServer, run: subprocess.CompletedProcess[str]) -> None:
    output = run.stdout + run.stderr
    assert run.returncode == pytest.ExitCode.USAGE_ERROR, output[-3000:]
    assert "refusing to use the database 'neo4j'" in output and f"no (:{SENTINEL_LABEL}) node" in output
    assert "1 passed" not in output
    assert private.counts() == (50, 25)


def test_neo4j_uri_is_ignored_and_the_local_test_server_with_data_is_refused(private: PrivateServer) -> None:
    """The user's NEO4J_URI names the server; the local backend finds the same server as its test server."""
    connection = private.server.connection()
    run = _run_probe(private, NEO4J_URI=connection.uri, NEO4J_PASSWORD=connection.password,
                     MP2V_TEST_BACKEND="local", MP2V_HOME=str(private.mp2v_home),
                     MP2V_TEST_BOLT_PORT=str(connection.uri.rsplit(":", 1)[1]))
    _assert_refused(private, run)


def test_test_uri_with_data_is_refused(private: PrivateServer) -> None:
    connection = private.server.connection()
    run = _run_probe(private, NEO4J_URI=connection.uri, NEO4J_PASSWORD=connection.password,
                     MP2V_TEST_NEO4J_URI=connection.uri, MP2V_TEST_NEO4J_PASSWORD=connection.password)
    _assert_refused(private, run)


def test_uri_backend_never_falls_back_to_neo4j_uri(private: PrivateServer) -> None:
    connection = private.server.connection()
    run = _run_probe(private, NEO4J_URI=connection.uri, NEO4J_PASSWORD=connection.password, MP2V_TEST_BACKEND="uri")
    output = run.stdout + run.stderr
    assert run.returncode != 0 and "MP2V_TEST_BACKEND=uri needs MP2V_TEST_NEO4J_URI" in output, output[-3000:]
    assert private.counts() == (50, 25)
