"""The one door to the Neo4j driver.

Everything else in the project receives a :class:`QueryRunner` and calls queries by name from ``cypher/``:

* :meth:`read` / :meth:`write`: managed transactions with the driver's retries, for small results;
* :meth:`stream`: a streaming read in batches (walks, exports) that never holds the whole result, and that
  stops the server-side work when the consumer stops early or is interrupted (Ctrl-C);
* :meth:`run_autocommit`: auto-commit runs, which ``CALL { ... } IN TRANSACTIONS`` requires;
* :meth:`gds`: a graphdatascience 2.x client sharing this driver, for catalog and algorithm calls whose
  results are small.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import neo4j
from neo4j import GraphDatabase, Query

from mp2v.config import Neo4jSettings
from mp2v.db import queries

if TYPE_CHECKING:
    from graphdatascience import GraphDataScience

Params = Mapping[str, Any]


class QueryRunner:
    """Owns one driver; sessions are short-lived and never shared or cached."""

    def __init__(self, settings: Neo4jSettings, *, fetch_size: int = 10_000) -> None:
        self.settings = settings
        self.fetch_size = fetch_size
        self._driver = GraphDatabase.driver(
            settings.uri,
            auth=(settings.username, settings.password),
            # Walk streams and bulk loads run for minutes; keep the pool small and connections alive.
            max_connection_pool_size=8,
            connection_acquisition_timeout=60.0,
            keep_alive=True,
            # id() is deprecated in Cypher 5 but it is what GDS reports as node ids, so the project uses it on
            # purpose; and labels are checked explicitly (metapath validation), so "label does not exist"
            # notices on an empty database would only be noise.
            notifications_disabled_classifications=[neo4j.NotificationDisabledClassification.DEPRECATION,
                                                    neo4j.NotificationDisabledClassification.UNRECOGNIZED],
        )
        self._gds: GraphDataScience | None = None

    # -- lifecycle -------------------------------------------------------------------------------
    def close(self) -> None:
        if self._gds is not None:
            self._gds = None
        self._driver.close()

    def __enter__(self) -> QueryRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def verify(self) -> None:
        """Connect and authenticate once; raises the driver's ServiceUnavailable / AuthError."""
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

        with self._session(neo4j.READ_ACCESS) as session:
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

        with self._session(neo4j.WRITE_ACCESS) as session:
            return session.execute_write(work)

    def run_autocommit(
        self, name: str, params: Params | None = None, *, identifiers: Mapping[str, str] | None = None
    ) -> tuple[list[dict[str, Any]], neo4j.SummaryCounters]:
        """Run a named query in an auto-commit transaction (needed by ``CALL () {...} IN TRANSACTIONS``)."""
        with self._session(neo4j.WRITE_ACCESS) as session:
            result = session.run(Query(self.text(name, identifiers)), dict(params or {}))
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
        session = self._session(neo4j.READ_ACCESS)
        result: neo4j.Result | None = None
        try:
            result = session.run(query, dict(params or {}))
            batch: list[tuple[Any, ...]] = []
            for record in result:
                batch.append(tuple(record.values()))
                if len(batch) >= batch_size:
                    yield batch
                    batch = []
            if batch:
                yield batch
            finished = True
        finally:
            try:
                if not finished:
                    self.terminate_tagged(tag)
                    if result is not None:
                        result.consume()
            except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError):
                pass  # the transaction was terminated on purpose; its error is expected here
            finally:
                session.close()

    def terminate_tagged(self, tag: str) -> int:
        """Terminate the server transactions started by :meth:`stream` with this tag; returns how many."""
        with self._session(neo4j.WRITE_ACCESS) as session:
            ids = [r["transactionId"] for r in session.run(self.text("admin/tagged_transactions"), tag=tag)]
            for transaction_id in ids:
                session.run(self.text("admin/terminate_transaction"), ids=[transaction_id]).consume()
        return len(ids)

    # -- GDS -------------------------------------------------------------------------------------
    def gds(self) -> GraphDataScience:
        """A graphdatascience client on this runner's driver (projections, catalog, small results)."""
        if self._gds is None:
            from graphdatascience import GraphDataScience

            # Shares this driver (never closed through the client); OpenGDS has no Arrow Flight server.
            self._gds = GraphDataScience(
                self._driver, database=self.settings.database, arrow=False, show_progress=False
            )
        return self._gds
