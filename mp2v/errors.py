"""Domain exceptions. Every message says what went wrong, where, and how to fix it.

The CLI prints ``str(error)`` as one line and exits non-zero; nothing here should surface as a stack trace
for a mistake a user can make (bad input files, a stopped server, a wrong password).
"""

from __future__ import annotations

from pathlib import Path


class Mp2vError(Exception):
    """Base class of every error the project raises on purpose."""


class ConfigError(Mp2vError):
    """A setting is missing or invalid (environment, ``.env``, a config file or a CLI option)."""


class ServerError(Mp2vError):
    """The local Neo4j server could not be resolved, configured, started or stopped."""


class ConnectionCheckError(Mp2vError):
    """The startup check failed: server unreachable, wrong credentials, GDS missing or of the wrong version."""


class QueryNotFoundError(Mp2vError):
    """A named Cypher file does not exist in ``cypher/``."""


class InputError(Mp2vError):
    """Bad input data, located by file, line (1-based, header = line 1) and field where known."""

    def __init__(
        self,
        message: str,
        *,
        path: Path | str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.path = Path(path) if path is not None else None
        self.line = line
        self.field = field
        self.reason = message
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.path is not None:
            where.append(str(self.path))
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.field is not None:
            where.append(f"field '{self.field}'")
        return f"{', '.join(where)}: {self.reason}" if where else self.reason


class MetapathError(Mp2vError):
    """A metapath does not parse, does not chain, or names labels/types the graph does not have."""


class WalkError(Mp2vError):
    """A walk engine failed or was interrupted."""


class ModelStoreError(Mp2vError):
    """A stored run is missing, incomplete, or outside the project's runs folder."""


class EvaluationError(Mp2vError):
    """Inputs to an evaluation are inconsistent (shapes, splits, empty test sets)."""


class DatabaseError(Mp2vError):
    """A query failed at the driver boundary; the subclasses say why (the runner translates driver errors)."""


class DatabaseUnavailableError(DatabaseError):
    """The server did not answer (stopped, killed, unreachable) before or during a query."""


class DatabaseAuthError(DatabaseError):
    """The server rejected the credentials."""


class QueryError(DatabaseError):
    """The server refused a query: syntax, a constraint, a missing procedure, a resource limit."""
