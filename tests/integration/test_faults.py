"""Faults against a private server: a fresh home connects first time; a server killed during a load, a walk
or an evaluation gives one error line (no traceback) and a non-zero exit; a re-run after restart is exact.

Everything here runs on its own throwaway server (a tmp ``MP2V_HOME`` and a free port), never the session's
test server, because the tests kill the JVM with SIGKILL.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from mp2v.config import Settings, load_settings
from mp2v.db.admin import graph_stats
from mp2v.db.check import connect
from mp2v.db.queries import Statement
from mp2v.db.runner import QueryRunner
from mp2v.ops.server import LocalServer, start_local

pytestmark = pytest.mark.skipif(os.environ.get("MP2V_TEST_BACKEND", "local") not in ("local", "auto"),
                                reason="starts and kills its own local server")

COUNTS = {"User": 1_892, "Artist": 17_632}
RELATIONSHIPS = {"LISTENED": 92_834, "FOLLOWS": 25_434, "HAS_TAG": 108_437}
RUNNING = Statement("SHOW TRANSACTIONS YIELD currentQuery WHERE NOT currentQuery STARTS WITH 'SHOW' "
                    "AND any(marker IN $markers WHERE currentQuery CONTAINS marker) RETURN count(*) AS n")
LISTENED = Statement("MATCH ()-[r:LISTENED]->() RETURN count(r) AS n")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Private:
    """A private server home: the CLI's environment, and settings read the way a fresh command reads them."""

    home: Path
    env: dict[str, str]

    def settings(self) -> Settings:
        return load_settings({key: value for key, value in self.env.items() if key.startswith(("MP2V_", "NEO4J_"))})

    @property
    def server(self) -> LocalServer:
        return LocalServer(self.settings().server)

    def cli(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, "-m", "mp2v.cli.main", *args], env=self.env, cwd=self.home,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "mp2v.cli.main", *args], env=self.env, cwd=self.home,
                              capture_output=True, text=True, timeout=600)

    def kill_server(self) -> None:
        pid = self.server.pid()
        assert pid is not None, "the private server is not running"
        os.kill(pid, signal.SIGKILL)
        while self.server.pid() is not None:
            time.sleep(0.1)


@pytest.fixture(scope="module")
def private(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Private]:
    home = tmp_path_factory.mktemp("mp2v-faults")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    env.update(MP2V_HOME=str(home), MP2V_BOLT_PORT=str(_free_port()), MP2V_HEAP=os.environ.get("MP2V_HEAP", "1g"),
               MP2V_PAGECACHE=os.environ.get("MP2V_PAGECACHE", "256m"), NEO4J_PASSWORD="")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).resolve().parents[2]),
                                                      env.get("PYTHONPATH")]))
    private = Private(home, env)
    try:
        yield private
    finally:
        private.server.stop()


def _one_error_line(result: subprocess.CompletedProcess[str] | tuple[int, str], what: str) -> str:
    code, stderr = (result.returncode, result.stderr) if isinstance(result, subprocess.CompletedProcess) else result
    assert code != 0, f"{what} succeeded although the server was killed"
    assert "Traceback" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, stderr
    return errors[0]


def _kill_during(private: Private, process: subprocess.Popen[str], statement: Statement,
                 params: dict[str, object], ready: int = 1) -> tuple[int, str]:
    """SIGKILL the server once ``statement`` counts ``ready`` or more; then the process's exit code and stderr."""
    with QueryRunner(private.settings().neo4j) as watcher:
        while process.poll() is None:
            rows, _ = watcher.run_autocommit(statement, params)
            if int(rows[0]["n"]) >= ready:
                private.kill_server()
                break
            time.sleep(0.05)
        else:
            pytest.fail(f"the command ended before the fault could be injected: {process.communicate()}")
    _, stderr = process.communicate(timeout=300)
    return process.returncode, stderr


def _loaded(private: Private) -> None:
    with connect(private.settings().neo4j) as runner:
        stats = graph_stats(runner, with_degrees=False)
    assert {label: stats.labels.get(label) for label in COUNTS} == COUNTS
    assert stats.relationships == RELATIONSHIPS


def test_fresh_home_starts_and_connects_first_time(private: Private) -> None:
    """The bench/demo pattern: settings read before the first start have no password; the start's have."""
    before = private.settings()
    assert before.neo4j.password == "" and not before.server.password_file.exists()
    connected, started = start_local(before)
    assert not started.already_running
    with connect(connected.neo4j) as runner:
        assert runner.read("admin/ping")
    assert private.settings().neo4j.password == connected.neo4j.password  # a later command reads it too
    assert before.server.password_file.stat().st_mode & 0o777 == 0o600
    for folder in (before.server.home, before.server.home / "data"):
        assert folder.stat().st_mode & 0o777 == 0o700, folder
    status = private.run("db", "status")
    assert status.returncode == 0, status.stderr


@pytest.mark.slow  # two Last.fm loads on the shared 2-core machine: minutes
def test_server_killed_during_load_then_rerun_is_exact(private: Private) -> None:
    started = private.run("db", "start")  # each slow test stands alone: `-m slow` deselects the first-start test
    assert started.returncode == 0, started.stderr
    load = private.cli("load", "lastfm", "--no-progress", "--batch-size", "2000")
    line = _one_error_line(_kill_during(private, load, LISTENED, {}), "the load")
    assert "mp2v db start" in line and "idempotent" in line, line
    restarted = private.run("db", "start")
    assert restarted.returncode == 0, restarted.stderr
    rerun = private.run("load", "lastfm", "--no-progress")
    assert rerun.returncode == 0, rerun.stderr
    _loaded(private)


@pytest.mark.slow  # walks the Last.fm graph the load test loaded
def test_server_killed_during_walk(private: Private, tmp_path: Path) -> None:
    private.run("db", "start")
    walk = private.cli("walk", "--engine", "gds", "--walks-per-node", "100", "--out", str(tmp_path / "walks.txt"))
    line = _one_error_line(_kill_during(private, walk, RUNNING, {"markers": ["randomWalk"]}), "the walk")
    assert "mp2v db start" in line, line


@pytest.mark.slow  # needs the loaded graph; walks and trains before the fault
def test_server_killed_during_evaluate(private: Private) -> None:
    private.run("db", "start")
    evaluate = private.cli("evaluate", "--stage", "validation", "--fresh", "--epochs", "1")
    markers = ["held-out", "holdout", "gds.graph.project", "randomWalk", "export", "node_table", "Interaction",
               "interaction"]
    line = _one_error_line(_kill_during(private, evaluate, RUNNING, {"markers": markers}), "the evaluation")
    assert "mp2v db start" in line or "not reachable" in line, line
    private.run("db", "start")
    _loaded(private)  # a killed evaluation leaves the loaded graph intact
