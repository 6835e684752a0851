"""`mp2v db start|stop|status` against a throwaway local server (its own home and a free port)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Cli:
    def __init__(self, home: Path, port: int) -> None:
        self.home = home
        self.port = port
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
        self.env.update(MP2V_HOME=str(home), MP2V_BOLT_PORT=str(port), MP2V_HEAP="1g", MP2V_PAGECACHE="256m")

    def __call__(self, *args: str, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "mp2v.cli.main", *args],
            env={**self.env, **(extra_env or {})}, capture_output=True, text=True, timeout=300,
            cwd=self.home,
        )

    @property
    def pid_file(self) -> Path:
        return self.home / "neo4j" / "run" / "mp2v-neo4j.pid"


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    runner = Cli(tmp_path_factory.mktemp("mp2v-home"), _free_port())
    yield runner
    runner("db", "stop")


def test_start_twice_status_and_stop(cli: Cli) -> None:
    first = cli("db", "start")
    assert first.returncode == 0, first.stderr
    assert "Neo4j started" in first.stdout and f"127.0.0.1:{cli.port}" in first.stdout
    password_file = cli.home / "neo4j" / "password"
    assert password_file.stat().st_mode & 0o777 == 0o600
    assert password_file.read_text().strip() not in ("", "neo4j")
    pid = int(cli.pid_file.read_text())

    second = cli("db", "start")
    assert second.returncode == 0
    assert f"already running (pid {pid})" in second.stdout

    status = cli("db", "status")
    assert status.returncode == 0, status.stderr
    assert "GDS 2.13." in status.stdout and "procedures in gds.list()" in status.stdout
    assert "Neo4j 5.26." in status.stdout and str(cli.home / "neo4j" / "data") in status.stdout
    count = int(status.stdout.split("GDS 2.13.")[1].split(", ")[1].split(" ")[0])
    assert count > 300

    wrong = cli("db", "status", extra_env={"NEO4J_PASSWORD": "definitely-wrong"})
    assert wrong.returncode != 0
    assert wrong.stderr.strip().count("\n") == 0 and "rejected the credentials" in wrong.stderr

    stopped = cli("db", "stop")
    assert stopped.returncode == 0 and "Neo4j stopped" in stopped.stdout
    assert not cli.pid_file.exists()
    assert not Path(f"/proc/{pid}").exists() or b"CommunityEntryPoint" not in Path(
        f"/proc/{pid}/cmdline").read_bytes()

    down = cli("db", "status")
    assert down.returncode != 0 and "not running" in down.stdout
    again = cli("db", "stop")
    assert again.returncode == 0 and "not running" in again.stdout


def test_stopped_server_gives_one_line_and_nonzero_exit(cli: Cli) -> None:
    # Commands that need the database report a stopped local server in one line.
    cli("db", "stop")
    result = cli("db", "stats")
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0
    assert "not reachable" in result.stderr and "mp2v db start" in result.stderr
