"""Shared fixtures. The Neo4j backend for integration tests is chosen once per session:

1. ``NEO4J_URI`` set: that server (``NEO4J_PASSWORD`` etc. as for the CLI);
2. else a testcontainer of the project's image, when a Docker engine answers and the image exists;
3. else the project's local server machinery, on a separate test instance (``.mp2v/test-neo4j-PORT``, port 7688
   or ``MP2V_TEST_BOLT_PORT``) so tests never wipe the user's own database; started if needed and stopped again
   only if this session started it.

``MP2V_TEST_BACKEND=uri|container|local`` forces one (CI forces ``container``, so a missing image fails
loudly instead of falling back). Every integration test gets an empty database and no GDS graphs.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from mp2v.config import Neo4jSettings, ServerSettings, load_settings
from mp2v.db.admin import clear_database
from mp2v.db.runner import QueryRunner

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Backend:
    kind: str
    settings: Neo4jSettings


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests under tests/integration and tests/browser carry their marker without repeating it per file."""
    for item in items:
        parts = Path(str(item.fspath)).relative_to(ROOT).parts
        if "integration" in parts:
            item.add_marker(pytest.mark.integration)
        if "browser" in parts:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.integration)


def test_server_settings() -> ServerSettings:
    """The local test instance: its own home and port, small memory, the shared jar cache."""
    settings = load_settings()
    port = int(os.environ.get("MP2V_TEST_BOLT_PORT", "7688"))
    return replace(
        settings.server,
        home=settings.paths.home / f"test-neo4j-{port}",
        bolt_port=port,
        heap=os.environ.get("MP2V_TEST_HEAP", "2g"),
        pagecache="512m",
    )


def _choose_backend() -> str:
    forced = os.environ.get("MP2V_TEST_BACKEND", "auto")
    if forced != "auto":
        return forced
    if os.environ.get("NEO4J_URI"):
        return "uri"
    from tests.container import IMAGE_TAG, docker_engine_answers, image_exists

    if docker_engine_answers() and image_exists(IMAGE_TAG):
        return "container"
    return "local"


@pytest.fixture(scope="session")
def neo4j_backend() -> Iterator[Backend]:
    kind = _choose_backend()
    if kind == "uri":
        yield Backend("uri", load_settings().neo4j)
    elif kind == "container":
        from tests.container import start_container

        container = start_container(heap=os.environ.get("MP2V_TEST_HEAP", "2g"))
        try:
            yield Backend("container", Neo4jSettings(container.uri, container.username, container.password))
        finally:
            container.stop()
    elif kind == "local":
        from mp2v.ops.server import LocalServer

        server = LocalServer(test_server_settings())
        started = server.start()
        try:
            yield Backend("local", server.connection())
        finally:
            if not started.already_running:
                server.stop()
    else:
        raise pytest.UsageError(f"MP2V_TEST_BACKEND={kind!r}: use auto, uri, container or local")


@pytest.fixture(scope="session")
def session_runner(neo4j_backend: Backend) -> Iterator[QueryRunner]:
    with QueryRunner(neo4j_backend.settings) as runner:
        yield runner


@pytest.fixture()
def db(session_runner: QueryRunner) -> Iterator[QueryRunner]:
    """A runner on an empty database with no GDS graphs, cleaned again afterwards."""
    clear_database(session_runner)
    yield session_runner
    clear_database(session_runner)
