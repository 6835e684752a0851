"""Shared fixtures. The Neo4j backend for integration tests is chosen once per session:

1. ``MP2V_TEST_NEO4J_URI`` set: that server (``MP2V_TEST_NEO4J_PASSWORD``, optional ``MP2V_TEST_NEO4J_USERNAME``
   and ``MP2V_TEST_NEO4J_DATABASE``). ``NEO4J_URI`` and the other ``NEO4J_*`` variables name the user's own
   server and are ignored: the test process blanks them so neither the tests nor the commands they start see it;
2. else a testcontainer of the project's image, when a Docker engine answers and the image exists;
3. else the project's local server machinery, on a separate test instance (``.mp2v/test-neo4j-PORT``, port 7688
   or ``MP2V_TEST_BOLT_PORT``); started if needed and stopped again only if this session started it.

``MP2V_TEST_BACKEND=uri|container|local`` forces one (CI forces ``container``, so a missing image fails
loudly instead of falling back). Every integration test gets an empty database and no GDS graphs, and only a
database that is empty or marked as a test database is ever wiped (see tests/guard.py).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from mp2v.config import Neo4jSettings, ServerSettings, load_settings
from mp2v.db.runner import QueryRunner
from tests import guard

ROOT = Path(__file__).resolve().parent.parent
#: The user's connection variables (see mp2v/config.py); blank in the test process (blank beats ``.env``).
USER_CONNECTION = ("NEO4J_URI", "NEO4J_USERNAME", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE")
TEST_URI, TEST_PASSWORD = "MP2V_TEST_NEO4J_URI", "MP2V_TEST_NEO4J_PASSWORD"


@dataclass(frozen=True)
class Backend:
    kind: str
    settings: Neo4jSettings
    #: The suite created this server itself (a fresh container, or the local test server whose folder it made):
    #: its database is the suite's even when a killed session left it holding data without the sentinel.
    owned: bool = False


def pytest_configure(config: pytest.Config) -> None:
    """Hide the user's own server from everything the tests run (a test setting NEO4J_URI still can)."""
    for name in USER_CONNECTION:
        os.environ[name] = ""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests under tests/integration and tests/browser carry their marker without repeating it per file."""
    for item in items:
        parts = item.path.relative_to(ROOT).parts if item.path.is_relative_to(ROOT) else ()
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


def choose_backend(env: Mapping[str, str], container_available: Callable[[], bool]) -> str:
    """``MP2V_TEST_BACKEND`` if forced, else uri / container / local in that order (never ``NEO4J_URI``)."""
    forced = env.get("MP2V_TEST_BACKEND", "auto") or "auto"
    if forced != "auto":
        return forced
    if env.get(TEST_URI):
        return "uri"
    return "container" if container_available() else "local"


def _container_available() -> bool:
    from tests.container import IMAGE_TAG, docker_engine_answers, image_exists

    return docker_engine_answers() and image_exists(IMAGE_TAG)


def test_uri_settings(env: Mapping[str, str]) -> Neo4jSettings:
    """The server named by the test-only variables."""
    uri, password = env.get(TEST_URI, ""), env.get(TEST_PASSWORD, "")
    if not uri or not password:
        pytest.exit(f"MP2V_TEST_BACKEND=uri needs {TEST_URI} and {TEST_PASSWORD} (NEO4J_URI is never used by "
                    "the tests); set both, or unset MP2V_TEST_BACKEND", returncode=pytest.ExitCode.USAGE_ERROR)
    return Neo4jSettings(uri, env.get("MP2V_TEST_NEO4J_USERNAME") or "neo4j", password,
                         env.get("MP2V_TEST_NEO4J_DATABASE") or "neo4j")


@pytest.fixture(scope="session")
def neo4j_backend() -> Iterator[Backend]:
    kind = choose_backend(os.environ, _container_available)
    if kind == "uri":
        yield Backend("uri", test_uri_settings(os.environ))
    elif kind == "container":
        from tests.container import start_container

        container = start_container(heap=os.environ.get("MP2V_TEST_HEAP", "2g"))
        try:
            yield Backend("container", Neo4jSettings(container.uri, container.username, container.password),
                          owned=True)
        finally:
            container.stop()
    elif kind == "local":
        from mp2v.ops.server import LocalServer

        settings = test_server_settings()
        owner_file = settings.home / guard.OWNER_FILE
        created = not settings.home.exists()
        server = LocalServer(settings)
        started = server.start()
        if created:
            owner_file.write_text("created by the mp2v test suite; its database may be wiped\n")
        try:
            yield Backend("local", server.connection(), owned=owner_file.exists())
        finally:
            if not started.already_running:
                server.stop()
    else:
        pytest.exit(f"MP2V_TEST_BACKEND={kind!r}: use auto, uri, container or local",
                    returncode=pytest.ExitCode.USAGE_ERROR)


@pytest.fixture(scope="session")
def session_runner(neo4j_backend: Backend) -> Iterator[QueryRunner]:
    """The session's runner, on a database checked to be the suite's own (else the session stops)."""
    with QueryRunner(neo4j_backend.settings) as runner:
        guard.claim(runner, owned=neo4j_backend.owned)
        try:
            yield runner
        finally:
            # Leave the database recognisable as a test database for the next session.
            guard.mark(runner)


@pytest.fixture()
def db(session_runner: QueryRunner) -> Iterator[QueryRunner]:
    """A runner on an empty database with no GDS graphs, cleaned (and marked as a test database) afterwards."""
    guard.clear_test_database(session_runner)
    yield session_runner
    guard.clear_test_database(session_runner)
    guard.mark(session_runner)
