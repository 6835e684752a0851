"""The startup check: one clear line for each way a connection can be wrong, never a stack trace."""

from __future__ import annotations

import time
from dataclasses import dataclass

from mp2v.config import SUPPORTED_GDS_PREFIX, Neo4jSettings
from mp2v.db.runner import QueryRunner
from mp2v.errors import ConfigError, ConnectionCheckError, DatabaseAuthError, DatabaseUnavailableError, QueryError

#: The GDS procedures the project calls; the check names any that are missing.
REQUIRED_GDS_PROCEDURES = (
    "gds.version",
    "gds.graph.project",
    "gds.graph.project.cypher",
    "gds.graph.drop",
    "gds.graph.list",
    "gds.randomWalk.stream",
    "gds.degree.stream",
)


@dataclass(frozen=True)
class ServerInfo:
    uri: str
    neo4j_version: str
    neo4j_edition: str
    gds_version: str
    gds_procedures: int
    data_folder: str | None


def connect(settings: Neo4jSettings) -> QueryRunner:
    """A runner that has passed :func:`check_connection`; raises ConnectionCheckError otherwise."""
    runner = QueryRunner(settings)
    try:
        check_connection(runner)
    except BaseException:
        runner.close()
        raise
    return runner


def check_connection(runner: QueryRunner, *, require_gds: bool = True) -> ServerInfo:
    """Verify reachability, credentials, the GDS procedures and the GDS version."""
    settings = runner.settings
    if settings.local and not settings.password:
        raise ConnectionCheckError(
            f"the local server at {settings.uri} has no password yet: run `mp2v db start` first"
        )
    try:
        runner.verify()
    except DatabaseAuthError:
        hint = ("remove NEO4J_PASSWORD to use the local server's stored password" if settings.local
                else "set NEO4J_USERNAME / NEO4J_PASSWORD to the server's credentials")
        raise ConnectionCheckError(
            f"Neo4j at {settings.uri} rejected the credentials of user '{settings.username}': {hint}"
        ) from None
    except (DatabaseUnavailableError, OSError):
        hint = "start it with `mp2v db start`" if settings.local else "check NEO4J_URI and that the server runs"
        raise ConnectionCheckError(f"Neo4j is not reachable at {settings.uri}: {hint}") from None
    except ConfigError as error:
        raise ConnectionCheckError(str(error)) from None
    return server_info(runner, require_gds=require_gds)


def server_info(runner: QueryRunner, *, require_gds: bool = True) -> ServerInfo:
    """Versions and the GDS procedure count of a reachable server."""
    component = runner.read("admin/components")[0]
    procedures = {row["name"] for row in runner.read("admin/gds_procedures")}
    procedures |= {row["name"] for row in runner.read("admin/gds_functions")}
    missing = [name for name in REQUIRED_GDS_PROCEDURES if name not in procedures]
    gds_version = runner.read("admin/gds_version")[0]["version"] if "gds.version" in procedures else "absent"
    if require_gds and missing:
        raise ConnectionCheckError(
            f"Neo4j at {runner.settings.uri} lacks GDS procedures {', '.join(missing)}: install OpenGDS "
            f"{SUPPORTED_GDS_PREFIX}x in its plugins folder (the local server from `mp2v db start` has it)"
        )
    if require_gds and not gds_version.startswith(SUPPORTED_GDS_PREFIX):
        raise ConnectionCheckError(
            f"Neo4j at {runner.settings.uri} has GDS {gds_version}; this project needs "
            f"{SUPPORTED_GDS_PREFIX}x (the local server from `mp2v db start` has it)"
        )
    gds_count = runner.read("admin/gds_procedure_count")[0]["count"] if "gds.list" in procedures else 0
    return ServerInfo(
        uri=runner.settings.uri,
        neo4j_version=component["version"],
        neo4j_edition=component["edition"],
        gds_version=gds_version,
        gds_procedures=int(gds_count),
        data_folder=None,
    )


def wait_until_ready(settings: Neo4jSettings, timeout_s: float = 60.0) -> None:
    """Poll until the server accepts a query with these credentials (Bolt opens before auth is ready)."""
    deadline = time.monotonic() + timeout_s
    last_error: Exception | None = None
    with QueryRunner(settings) as runner:
        while time.monotonic() < deadline:
            try:
                runner.verify()  # no transaction retries (and so no retry notes) while the server boots
                runner.read("admin/ping")
                return
            except DatabaseAuthError:
                raise ConnectionCheckError(
                    f"Neo4j at {settings.uri} rejected the password: its data folder was initialised with "
                    "another one; set NEO4J_PASSWORD to that password"
                ) from None
            except (DatabaseUnavailableError, QueryError, OSError) as error:
                last_error = error
                time.sleep(0.5)
    raise ConnectionCheckError(f"Neo4j at {settings.uri} did not answer within {timeout_s:.0f} s: {last_error}")
