"""``mp2v db``: the local Neo4j + GDS server and the database itself."""

from __future__ import annotations

import typer

from mp2v.cli.common import echo, one_line_errors, runner, settings
from mp2v.db.admin import clear_database, graph_stats
from mp2v.db.check import check_connection
from mp2v.db.runner import QueryRunner
from mp2v.ops.server import LocalServer, start_local

app = typer.Typer(help="Start, stop and inspect the Neo4j + GDS server.", no_args_is_help=True)


@app.command()
@one_line_errors
def start() -> None:
    """Start the local server (resolving the jars on first use) and wait until Bolt answers."""
    current = settings()
    _, result = start_local(current)
    if result.already_running:
        echo(f"Neo4j is already running (pid {result.pid}) at {current.server.uri}")
    else:
        echo(f"Neo4j started (pid {result.pid}) at {current.server.uri} in {result.seconds:.1f} s")


@app.command()
@one_line_errors
def stop() -> None:
    """Stop the local server by its pid file."""
    current = settings()
    if LocalServer(current.server).stop():
        echo("Neo4j stopped")
    else:
        echo("Neo4j was not running")


@app.command()
@one_line_errors
def status() -> None:
    """Versions, address, data folder and GDS procedure count of the server in use."""
    current = settings()
    server = LocalServer(current.server)
    if current.neo4j.local:
        pid = server.pid()
        if pid is None:
            echo(f"Neo4j is not running (local server, data folder {current.server.home / 'data'})")
            raise typer.Exit(code=3)
        echo(f"local server pid {pid}, data folder {current.server.home / 'data'}")
    with QueryRunner(current.neo4j) as checked:
        info = check_connection(checked)
    echo(f"Neo4j {info.neo4j_version} ({info.neo4j_edition}) at {info.uri}")
    echo(f"GDS {info.gds_version}, {info.gds_procedures} procedures in gds.list()")


@app.command()
@one_line_errors
def stats(degrees: bool = typer.Option(True, help="Also summarise node degrees per label.")) -> None:
    """Node counts by label, relationship counts by type, and a degree summary."""
    with runner() as checked:
        summary = graph_stats(checked, with_degrees=degrees)
    echo("nodes:" if summary.labels else "the database is empty")
    for label, count in summary.labels.items():
        echo(f"  {label:<24} {count:>12,}")
    if summary.relationships:
        echo("relationships:")
    for rel_type, count in summary.relationships.items():
        echo(f"  {rel_type:<24} {count:>12,}")
    if summary.degrees:
        echo(f"degree by label:  {'min':>6} {'median':>8} {'mean':>9} {'max':>8} {'isolated':>9}")
    for row in summary.degrees:
        echo(f"  {row.label:<14} {row.min_degree:>6} {row.median_degree:>8} {row.mean_degree:>9.1f} "
             f"{row.max_degree:>8} {row.isolated:>9}")


@app.command()
@one_line_errors
def clear(
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    keep_schema: bool = typer.Option(False, help="Keep constraints and indexes."),
) -> None:
    """Delete every node, relationship and GDS projection (and the schema unless --keep-schema)."""
    with runner() as checked:
        summary = graph_stats(checked, with_degrees=False)
        nodes = sum(summary.labels.values())
        if not yes and not typer.confirm(f"Delete all {nodes:,} nodes at {checked.settings.uri}?"):
            echo("nothing deleted")
            raise typer.Exit(code=1)
        clear_database(checked, drop_schema=not keep_schema)
    echo(f"deleted {nodes:,} nodes")


@app.command()
@one_line_errors
def image(
    tag: str = typer.Option("", help="Image tag (default mp2v-neo4j-gds:<neo4j>-<gds>, or mp2v-app:latest)."),
    rebuild_base: bool = typer.Option(False, "--rebuild-base", help="Rebuild mp2v-base:bookworm with debootstrap."),
    app_image: bool = typer.Option(False, "--app", help="Build the application image instead of Neo4j + GDS."),
) -> None:
    """Build the Neo4j + GDS Docker image (or --app, the project's own) without an image registry."""
    from mp2v.ops.image import APP_TAG, IMAGE_TAG, build_app_image, build_image

    current = settings()
    if app_image:
        result = build_app_image(current, tag=tag or APP_TAG, rebuild_base=rebuild_base)
    else:
        result = build_image(current, tag=tag or IMAGE_TAG, rebuild_base=rebuild_base)
    if result.base_built:
        echo(f"base mp2v-base:bookworm built in {result.base_seconds:.1f} s "
             f"(debootstrap {result.debootstrap_seconds:.1f} s, import {result.import_seconds:.1f} s)")
    else:
        echo("base mp2v-base:bookworm reused")
    echo(f"image {result.tag} built in {result.image_seconds:.1f} s, {result.size_bytes / 1e6:.0f} MB")
