"""Driver errors as the project's one-line errors, and the driver's retry notes as one line on stderr.

Only :mod:`mp2v.db.runner` calls this: a stopped server, a wrong password or a refused query reaches the
user as ``error: <what happened during which query>: <what to run next>``, never as a driver traceback.
"""

from __future__ import annotations

import logging

import neo4j.exceptions as driver

from mp2v.config import Neo4jSettings
from mp2v.errors import (
    ConfigError,
    DatabaseAuthError,
    DatabaseError,
    DatabaseUnavailableError,
    QueryError,
)

#: Everything the driver raises on purpose; the runner catches exactly these.
DRIVER_ERRORS: tuple[type[Exception], ...] = (driver.Neo4jError, driver.DriverError)
#: How long the driver retries a managed transaction (the driver's default is 30 s, silently).
RETRY_SECONDS = 8.0
#: Longest server message kept in an error line.
MAX_DETAIL = 240

_UNAVAILABLE = (driver.ServiceUnavailable, driver.SessionExpired, driver.ConnectionPoolError,
                driver.DatabaseUnavailable, driver.BrokenRecordError)


def translate(error: Exception, settings: Neo4jSettings, name: str | None, *, retried_s: float) -> Exception:
    """The project error for a driver ``error`` raised during query ``name`` (None: while connecting)."""
    if isinstance(error, driver.ResultFailedError) and isinstance(error.__cause__, DRIVER_ERRORS):
        error = error.__cause__  # "the result failed earlier": say why it failed
    during = f"during query '{name}'" if name else "while connecting"
    if isinstance(error, driver.AuthError):
        hint = ("remove NEO4J_PASSWORD to use the local server's stored password (written by `mp2v db start`)"
                if settings.local else "set NEO4J_USERNAME / NEO4J_PASSWORD to the server's credentials")
        return DatabaseAuthError(
            f"Neo4j at {settings.uri} rejected the credentials of user '{settings.username}' {during}: {hint}"
        )
    if isinstance(error, driver.ConfigurationError):
        return ConfigError(f"NEO4J_URI={settings.uri!r} is not usable: {_detail(error)}")
    if isinstance(error, driver.IncompleteCommit):
        return DatabaseUnavailableError(
            f"the Neo4j server at {settings.uri} stopped answering while committing query '{name}' (the commit "
            f"may or may not have been applied): {_next_step(settings, name)}"
        )
    if isinstance(error, _UNAVAILABLE):
        retried = f" (retried for {retried_s:.0f} s)" if retried_s >= 1 else ""
        return DatabaseUnavailableError(
            f"the Neo4j server at {settings.uri} stopped answering {during}{retried}: {_next_step(settings, name)}"
        )
    if isinstance(error, driver.TransientError):
        return QueryError(
            f"Neo4j at {settings.uri} failed {during} with a transient error after retrying for "
            f"{retried_s:.0f} s: {_detail(error)}; re-run the command when the server is less busy"
        )
    if isinstance(error, driver.Neo4jError):
        return QueryError(f"Neo4j at {settings.uri} refused {_what(name)}: {_detail(error)}")
    return DatabaseError(f"the Neo4j driver failed {during} at {settings.uri}: {_detail(error)}")


def _what(name: str | None) -> str:
    return f"query '{name}'" if name else "the connection"


def _next_step(settings: Neo4jSettings, name: str | None) -> str:
    start = ("start it with `mp2v db start` (or check NEO4J_URI) and re-run the command" if settings.local
             else "check that the server at NEO4J_URI runs, then re-run the command")
    if name and name.startswith("load/"):
        start += "; re-running a load is safe: it is idempotent"
    return start


def _detail(error: Exception) -> str:
    """The server's message on one line, with its status code when there is one."""
    message = " ".join(str(getattr(error, "message", None) or error).split())
    code = getattr(error, "code", None)
    text = f"{code}: {message}" if code and code not in message else message
    return text if len(text) <= MAX_DETAIL else text[: MAX_DETAIL - 3] + "..."


class _RetryNote(logging.Filter):
    """Rewrite the driver's retry warnings into one plain note; drop the ones about an already-failed query."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        if message.startswith("Transaction failed and will be retried"):
            delay, error = record.args if isinstance(record.args, tuple) else (0.0, "")
            reason = _detail(error) if isinstance(error, Exception) else str(error)
            record.msg = "note: a Neo4j query failed (%s); retrying in %.1f s, for at most %.0f s in all"
            record.args = (reason, delay if isinstance(delay, (int, float)) else 0.0, RETRY_SECONDS)
            return True
        # "Failed to consume outstanding auto-commit transaction result before closing session": the query's
        # own error has already been raised and translated; this second report would only be noise.
        return not message.startswith("Failed to consume outstanding")


_NOTE = _RetryNote()


def announce_retries() -> None:
    """Install the retry note on the driver's session logger (idempotent)."""
    logger = logging.getLogger("neo4j.session")
    if _NOTE not in logger.filters:
        logger.addFilter(_NOTE)
