"""Entry point of the ``mp2v`` console script."""

from __future__ import annotations

import typer

from mp2v.cli import benchmark, coldstart, dashboard, db, experiments, load, refresh, studies, walk

app = typer.Typer(
    help="Metapath2Vec recommendations from a Neo4j graph.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(db.app, name="db")
app.add_typer(load.app, name="load")
app.add_typer(studies.app, name="study")
app.command(name="walk")(walk.walk)
app.command(name="evaluate")(experiments.evaluate_command)
app.command(name="demo")(experiments.demo_command)
app.command(name="serve")(experiments.serve_command)
app.command(name="recommend")(experiments.recommend_command)
app.command(name="similar")(experiments.similar_command)
app.command(name="runs")(experiments.runs_command)
app.command(name="benchmark")(benchmark.benchmark_command)
app.command(name="dashboard")(dashboard.dashboard_command)
app.command(name="eges")(coldstart.eges_command)
app.command(name="embed-item")(coldstart.embed_item_command)
app.command(name="refresh")(refresh.refresh_command)


if __name__ == "__main__":
    app()
