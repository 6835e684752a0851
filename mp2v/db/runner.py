"""The one door to the Neo4j driver.

Everything else in the project receives a :class:`QueryRunner` and calls queries by name from ``cypher/``:

* :meth:`read` / :meth:`write`: managed transactions with the driver's retries (bounded, announced on
  stderr), for small results;
* :meth:`stream`: a streaming read in batches (walks, exports) that never holds the whole result, and that
  stops the server-side work when the consumer stops early or is interrupted (Ctrl-C);
* :meth:`run_autocommit`: auto-commit runs, which ``CALL { ... } IN TRANSACTIONS`` requires.

Driver errors never leave this module: :mod:`mp2v.db.faults` turns them into the project's one-line
:class:`~mp2v.errors.DatabaseError` subclasses, which say what happened and what to run next.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from typing import Any

import neo4j
from neo4j import GraphDatabase, Query

from mp2v.config import Neo4jSettings
from mp2v.db import queries
from mp2v.db.faults import DRIVER_ERRORS, RETRY_SECONDS, announce_retries, translate
from mp2v.errors import Mp2vError

Params = Mapping[str, Any]
#: Seconds to wait for a pooled connection (which includes opening it); a stopped server fails fast.
ACQUISITION_TIMEOUT_S = 15.0
#: Seconds for the TCP connect itself.
CONNECT_TIMEOUT_S = 5.0
_CLEANUP_ERRORS: tuple[type[Exception], ...] = (Mp2vError, *DRIVER_ERRORS)


class QueryRunner:
    """Owns one driver; sessions are short-lived and never shared or cached."""

    def __init__(self, settings: Neo4jSettings, *, fetch_size: int = 10_000) -> None:
        self.settings = settings
        self.fetch_size = fetch_size
        announce_retries()
        try:
            self._driver = GraphDatabase.driver(
                settings.uri,
                auth=(settings.username, settings.password),
                # Walk streams and bulk loads run for minutes; keep the pool small and connections alive.
                max_connection_pool_size=8,
                connection_acquisition_timeout=ACQUISITION_TIMEOUT_S,
                connection_timeout=CONNECT_TIMEOUT_S,
                # A stopped server must surface in seconds, not after the driver's default 30 s of retries.
                max_transaction_retry_time=RETRY_SECONDS,
                keep_alive=True,
                # id() is deprecated in Cypher 5 but it is what GDS reports as node ids, so the project uses it
                # on purpose; and labels are checked explicitly (metapath validation), so "label does not
                # exist" notices on an empty database would only be noise.
                notifications_disabled_classifications=[neo4j.NotificationDisabledClassification.DEPRECATION,
                                                        neo4j.NotificationDisabledClassification.UNRECOGNIZED],
            )
        except DRIVER_ERRORS as error:
            raise translate(error, settings, None, retried_s=0.0) from None

    # -- lifecycle -------------------------------------------------------------------------------
    def close(self) -> None:
        self._driver.close()

    def __enter__(self) -> QueryRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _translated(self, name: str | None) -> Iterator[None]:
        """Turn a driver error raised inside into the project's one-line error for query ``name``."""
        started = time.monotonic()
        try:
            yield
        except DRIVER_ERRORS as error:
            raise translate(error, self.settings, name, retried_s=time.monotonic() - started) from None

    def verify(self) -> None:
        """Connect and authenticate once; raises DatabaseUnavailableError / DatabaseAuthError."""
        with self._translated(None):
            self._driver.verify_connectivity()
            self._driver.verify_authentication()

    # -- queries ---------------------------------------------------------------------------------
    @staticmethod
    def text(name: str, identifiers: Mapping[str, str] | None = None) -> str:
        """The Cypher text of a named query (or an already composed :class:`~mp2v.db.queries.Statement`)."""
        if isinstance(name, queries.Statement):
            return str(name)
        return queries.render(name, **(identifiers or {}))

    def _session(self, access_mode: str = neo4j.WRITE_ACCESS) -> neo4j.Session:
        return self._driver.session(
            database=self.settings.database, default_access_mode=access_mode, fetch_size=self.fetch_size
        )

    def read(
        self, name: str, params: Params | None = None, *, identifiers: Mapping[str, str] | None = None
    ) -> list[dict[str, Any]]:
        """Run a named read query in a managed transaction (retried on transient errors)."""
        text = self.text(name, identifiers)

        def work(tx: neo4j.ManagedTransaction) -> list[dict[str, Any]]:
            return [record.data() for record in tx.run(text, dict(params or {}))]

        with self._translated(name), self._session(neo4j.READ_ACCESS) as session:
            return session.execute_read(work)

    def write(
        self, name: str, params: Params | None = None, *, identifiers: Mapping[str, str] | None = None
    ) -> tuple[list[dict[str, Any]], neo4j.SummaryCounters]:
        """Run a named write query in a managed transaction; returns its records and counters."""
        text = self.text(name, identifiers)

        def work(tx: neo4j.ManagedTransaction) -> tuple[list[dict[str, Any]], neo4j.SummaryCounters]:
            result = tx.run(text, dict(params or {}))
            records = [record.data() for record in result]
            return records, result.consume().counters

        with self._translated(name), self._session(neo4j.WRITE_ACCESS) as session:
            return session.execute_write(work)

    def run_autocommit(
        self, name: str, params: Params | None = None, *, identifiers: Mapping[str, str] | None = None
    ) -> tuple[list[dict[str, Any]], neo4j.SummaryCounters]:
        """Run a named query in an auto-commit transaction (needed by ``CALL () {...} IN TRANSACTIONS``)."""
        text = self.text(name, identifiers)
        with self._translated(name), self._session(neo4j.WRITE_ACCESS) as session:
            result = session.run(Query(text), dict(params or {}))
            records = [record.data() for record in result]
            return records, result.consume().counters

    def stream(
        self,
        name: str,
        params: Params | None = None,
        *,
        identifiers: Mapping[str, str] | None = None,
        batch_size: int = 10_000,
    ) -> Iterator[list[tuple[Any, ...]]]:
        """Yield the rows of a named query as lists of value tuples, ``batch_size`` rows at a time.

        The query runs in an auto-commit transaction tagged with a unique id. If the consumer stops early
        (``break``, an exception, Ctrl-C) the transaction is terminated on the server, so a long GDS walk
        does not keep computing after its client has gone.
        """
        tag = uuid.uuid4().hex
        query = Query(self.text(name, identifiers), metadata={"mp2v_stream": tag})
        finished = False
        started = time.monotonic()
        result: neo4j.Result | None = None
        try:
            session = self._session(neo4j.READ_ACCESS)
        except DRIVER_ERRORS as error:
            raise translate(error, self.settings, name, retried_s=0.0) from None
        try:
            try:
                result = session.run(query, dict(params or {}))
                records = iter(result)
                batch: list[tuple[Any, ...]] = []
                while True:
                    # Only the driver's own calls are translated: an error the consumer throws in at
                    # ``yield`` passes through unchanged.
                    record = next(records, None)
                    if record is None:
                        break
                    batch.append(tuple(record.values()))
                    if len(batch) >= batch_size:
                        yield batch
                        batch = []
            except DRIVER_ERRORS as error:
                finished = True  # the server side is gone or failed: nothing to terminate
                raise translate(error, self.settings, name, retried_s=time.monotonic() - started) from None
            if batch:
                yield batch
            finished = True
        finally:
            try:
                if not finished:
                    self.terminate_tagged(tag)
                    if result is not None:
                        result.consume()
            except _CLEANUP_ERRORS:
                pass  # the transaction was terminated on purpose (or the server is gone); nothing to report
            finally:
                # Closing a session on a dead connection may fail too; the real error is already raised.
                with suppress(*DRIVER_ERRORS):
                    session.close()

    def terminate_tagged(self, tag: str) -> int:
        """Terminate the server transactions started by :meth:`stream` with this tag; returns how many."""
        with self._translated("admin/tagged_transactions"), self._session(neo4j.WRITE_ACCESS) as session:
            ids = [r["transactionId"] for r in session.run(self.text("admin/tagged_transactions"), tag=tag)]
            for transaction_id in ids:
                session.run(self.text("admin/terminate_transaction"), ids=[transaction_id]).consume()
        return len(ids)
