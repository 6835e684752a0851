"""Entry point of the ``mp2v`` console script."""

from __future__ import annotations

import typer

from mp2v.cli import db, walk

app = typer.Typer(
    help="Metapath2Vec recommendations from a Neo4j graph.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(db.app, name="db")
app.command(name="walk")(walk.walk)


if __name__ == "__main__":
    app()
