"""Database housekeeping: counts and degree summary, GDS projections, and wiping the database."""

from __future__ import annotations

from dataclasses import dataclass

from mp2v.db.runner import QueryRunner


@dataclass(frozen=True)
class DegreeSummary:
    label: str
    nodes: int
    min_degree: int
    median_degree: float
    mean_degree: float
    max_degree: int
    isolated: int


@dataclass(frozen=True)
class GraphStats:
    labels: dict[str, int]
    relationships: dict[str, int]
    degrees: list[DegreeSummary]


def graph_stats(runner: QueryRunner, *, with_degrees: bool = True) -> GraphStats:
    """Node counts by label, relationship counts by type, and (optionally) a degree summary per label."""
    labels = {
        row["label"]: int(runner.read("admin/count_label", identifiers={"Label": row["label"]})[0]["count"])
        for row in runner.read("admin/labels")
    }
    relationships = {
        row["type"]: int(runner.read("admin/count_relationship_type", identifiers={"Type": row["type"]})[0]["count"])
        for row in runner.read("admin/relationship_types")
    }
    degrees = [DegreeSummary(**row) for row in runner.read("admin/degree_summary")] if with_degrees else []
    return GraphStats(labels=labels, relationships=relationships, degrees=degrees)


def drop_projections(runner: QueryRunner) -> list[str]:
    """Drop every GDS graph in the catalog; returns their names."""
    names = [row["graphName"] for row in runner.read("admin/list_gds_graphs")]
    for name in names:
        runner.write("admin/drop_gds_graph", {"name": name})
    return names


def clear_database(runner: QueryRunner, *, drop_schema: bool = True, batch_size: int = 10_000) -> None:
    """Delete every node and relationship (in batches), GDS projections, and optionally constraints/indexes."""
    drop_projections(runner)
    # Relationships first: DETACH DELETE of a hub node would pull all of its relationships (hundreds of
    # thousands for a hit video) into one transaction and exhaust the transaction memory pool.
    runner.run_autocommit("admin/delete_all_relationships", {"batch_size": batch_size})
    runner.run_autocommit("admin/delete_all_nodes", {"batch_size": batch_size})
    if drop_schema:
        for row in runner.read("admin/constraints"):
            runner.write("admin/drop_constraint", {"name": row["name"]})
        for row in runner.read("admin/indexes"):
            runner.write("admin/drop_index", {"name": row["name"]})
