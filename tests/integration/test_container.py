"""The project's Neo4j + GDS image: testcontainers start/stop and docker-compose (docs/docker.md).

Skipped, with the reason, when no Docker engine answers (`.ci/docker-engine start`) or the image is absent
(`mp2v db image`). One container start per test at most; each start takes about 20 s.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mp2v.config import Neo4jSettings
from mp2v.db.check import check_connection
from mp2v.db.runner import QueryRunner
from mp2v.errors import ConnectionCheckError
from tests.container import (
    IMAGE_TAG,
    RunningContainer,
    docker_engine_answers,
    free_port,
    image_exists,
    start_container,
)

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "mp2v-" + secrets.token_hex(8)


def _skip_reason() -> str | None:
    if not docker_engine_answers():
        return "no Docker engine answers `docker info` (start one with `.ci/docker-engine start`)"
    if not image_exists(IMAGE_TAG):
        return f"image {IMAGE_TAG} is absent (build it with `mp2v db image`)"
    return None


_REASON = _skip_reason()
pytestmark = [pytest.mark.integration, pytest.mark.skipif(_REASON is not None, reason=_REASON or "")]


def _docker(*args: str, env: dict[str, str] | None = None, check: bool = True) -> str:
    completed = subprocess.run(["docker", *args], capture_output=True, text=True, env=env, timeout=120)
    if check:
        assert completed.returncode == 0, completed.stderr
    return completed.stdout.strip()


def _gds_version(uri: str, password: str) -> str:
    with QueryRunner(Neo4jSettings(uri, "neo4j", password)) as runner:
        return str(runner.read("admin/gds_version")[0]["version"])


@pytest.fixture(scope="module")
def running() -> Iterator[RunningContainer]:
    """One container for the tests below; the last test stops it itself (stop() is idempotent)."""
    container = start_container(password=PASSWORD, heap="1g")
    try:
        yield container
    finally:
        container.stop()


# Runs before test_start_query_stop, which removes the shared container.
def test_wrong_password_is_rejected(running: RunningContainer) -> None:
    wrong = Neo4jSettings(running.uri, "neo4j", PASSWORD + "-wrong")
    with QueryRunner(wrong) as runner, pytest.raises(ConnectionCheckError, match="rejected the credentials"):
        check_connection(runner)


def test_start_query_stop(running: RunningContainer) -> None:
    assert running.uri.startswith("bolt://127.0.0.1:")
    assert _gds_version(running.uri, running.password).startswith("2.13")
    container_id = running.container_id
    assert _docker("ps", "-a", "-q", "--filter", f"id={container_id}")
    running.stop()
    running.stop()  # idempotent
    assert _docker("ps", "-a", "-q", "--filter", f"id={container_id}") == ""


@pytest.mark.timeout(420)
@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose is not installed")
def test_compose_neo4j_becomes_healthy_and_answers() -> None:
    project = "mp2vtest" + secrets.token_hex(4)
    port = free_port()
    env = {
        **os.environ,
        "NEO4J_PASSWORD": PASSWORD,
        "MP2V_BOLT_PORT": str(port),
        "MP2V_HEAP": "1g",
        "MP2V_NEO4J_IMAGE": IMAGE_TAG,
    }
    compose = ["docker-compose", "--no-ansi", "-f", str(ROOT / "docker-compose.yml"), "-p", project]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*compose, *args], capture_output=True, text=True, env=env, timeout=300)

    config = run("config", "--quiet")
    assert config.returncode == 0, config.stderr
    try:
        up = run("up", "-d", "neo4j")
        assert up.returncode == 0, up.stderr
        container_id = run("ps", "-q", "neo4j").stdout.strip()
        assert container_id
        deadline = time.monotonic() + 240
        status = ""
        while time.monotonic() < deadline:
            status = _docker("inspect", "--format", "{{.State.Health.Status}}", container_id)
            if status in ("healthy", "unhealthy"):
                break
            time.sleep(1)
        logs = _docker("logs", "--tail", "20", container_id, check=False)
        assert status == "healthy", f"neo4j service is {status!r}:\n{logs}"
        assert _gds_version(f"bolt://127.0.0.1:{port}", PASSWORD).startswith("2.13")
    finally:
        down = run("down", "-v", "--remove-orphans", "-t", "30")
    assert down.returncode == 0, down.stderr
    label = f"label=com.docker.compose.project={project}"
    assert _docker("ps", "-a", "-q", "--filter", label) == ""
    assert _docker("volume", "ls", "-q", "--filter", label) == ""
