"""Neo4j + OpenGDS in a throwaway Docker container (testcontainers), for tests and demos.

The container uses host networking and listens on a free port of 127.0.0.1 only (no docker0 bridge exists
here, and traffic must stay on loopback). Ryuk, testcontainers' reaper, cannot be pulled without a registry,
so it is disabled and cleanup is ours: :meth:`RunningContainer.stop` is idempotent and also runs at exit.

Readiness: the image's entrypoint prints ``Remote interface available at bolt://...`` once Bolt accepts
connections (the line testcontainers' own Neo4jContainer waits for); a driver round trip confirms it.
"""

from __future__ import annotations

import atexit
import os
import secrets
import socket
import time
from dataclasses import dataclass, field

import neo4j.exceptions
from neo4j import GraphDatabase
from testcontainers.core.config import testcontainers_config
from testcontainers.core.container import DockerContainer
from testcontainers.core.wait_strategies import LogMessageWaitStrategy

from mp2v.config import LOCAL_USERNAME, Neo4jSettings
from mp2v.errors import ServerError
from mp2v.ops.docker_cli import ENGINE_HINT, docker_engine_answers, image_exists
from mp2v.ops.image import IMAGE_TAG

# The Ryuk reaper image cannot be pulled without a registry. testcontainers reads this variable lazily (at the
# first container start); start_container also sets the parsed flag in case it was read earlier.
os.environ["TESTCONTAINERS_RYUK_DISABLED"] = "true"

__all__ = ["IMAGE_TAG", "READY_LINE", "RunningContainer", "docker_engine_answers", "image_exists", "start_container"]

#: Printed by docker/entrypoint.sh (and by the official image when HTTP is on) once the server is up.
READY_LINE = "Remote interface available at"
#: Label on every container started here, to find leftovers: ``docker ps -a --filter label=mp2v.role``.
ROLE_LABEL = "mp2v.role"


@dataclass
class RunningContainer:
    """A started Neo4j container; ``stop()`` removes it with its volumes (idempotent, also run at exit)."""

    uri: str
    username: str
    password: str = field(repr=False)
    container: DockerContainer = field(repr=False)
    port: int = 0
    seconds: float = 0.0
    _stopped: bool = field(default=False, init=False, repr=False)

    @property
    def container_id(self) -> str:
        return self.container.get_container_id()

    def neo4j_settings(self, database: str = "neo4j") -> Neo4jSettings:
        """Connection settings for :class:`mp2v.db.runner.QueryRunner`."""
        return Neo4jSettings(self.uri, self.username, self.password, database)

    def logs(self) -> str:
        stdout, stderr = self.container.get_logs()
        return (stdout + stderr).decode(errors="replace")

    def stop(self) -> None:
        """Remove the container and its anonymous volumes (/data, /logs); safe to call more than once."""
        if self._stopped:
            return
        self._stopped = True
        atexit.unregister(self.stop)
        try:
            self.container.stop(force=True, delete_volume=True)
        except Exception as error:  # already gone (removed by hand, engine restarted): nothing left to do
            if "No such container" not in str(error) and "404" not in str(error):
                raise

    def __enter__(self) -> RunningContainer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_container(
    image: str = IMAGE_TAG, *, password: str | None = None, heap: str = "2g", timeout_s: float = 180.0
) -> RunningContainer:
    """Start ``image`` on a free loopback port with ``NEO4J_AUTH=neo4j/<password>`` and wait until it answers.

    ``password`` defaults to a random one (Neo4j 5 needs at least 8 characters).
    """
    if not docker_engine_answers():
        raise ServerError(f"no Docker engine answers `docker info`; {ENGINE_HINT}")
    if not image_exists(image):
        raise ServerError(f"the image {image} does not exist; build it with `mp2v db image`")
    testcontainers_config.ryuk_disabled = True
    password = password or secrets.token_urlsafe(18)
    port = free_port()
    wait = LogMessageWaitStrategy(READY_LINE).with_startup_timeout(int(timeout_s))
    container = (
        DockerContainer(image)
        # init: docker-init as PID 1 forwards signals and reaps the entrypoint's readiness probe.
        .with_kwargs(network_mode="host", init=True, labels={ROLE_LABEL: "neo4j"})
        .with_env("NEO4J_AUTH", f"neo4j/{password}")
        .with_env("NEO4J_server_bolt_listen__address", f"127.0.0.1:{port}")
        .with_env("NEO4J_server_memory_heap_max__size", heap)
        .waiting_for(wait)
    )
    started = time.monotonic()
    running = RunningContainer(
        uri=f"bolt://127.0.0.1:{port}", username=LOCAL_USERNAME, password=password, container=container, port=port
    )
    atexit.register(running.stop)
    try:
        container.start()
        _wait_for_bolt(running, deadline=started + timeout_s)
    except BaseException as error:
        logs = _tail(container)
        running.stop()
        if isinstance(error, (TimeoutError, RuntimeError, neo4j.exceptions.Neo4jError)):
            raise ServerError(f"the Neo4j container ({image}) did not become ready: {error}\n{logs}") from None
        raise
    running.seconds = time.monotonic() - started
    return running


def _wait_for_bolt(running: RunningContainer, deadline: float) -> None:
    """One authenticated round trip; a wrong password fails at once, a not-yet-open database is retried."""
    with GraphDatabase.driver(running.uri, auth=(running.username, running.password)) as driver:
        while True:
            try:
                driver.verify_connectivity()
                driver.verify_authentication()
                return
            except (neo4j.exceptions.ServiceUnavailable, neo4j.exceptions.SessionExpired,
                    neo4j.exceptions.TransientError):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"Bolt at {running.uri} did not answer in time") from None
                time.sleep(0.25)


def _tail(container: DockerContainer, lines: int = 20) -> str:
    try:
        stdout, stderr = container.get_logs()
    except Exception:
        return "(no container logs)"
    return "\n".join((stdout + stderr).decode(errors="replace").strip().splitlines()[-lines:])
