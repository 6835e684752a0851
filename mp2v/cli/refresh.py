"""``mp2v refresh``: the day's delta in, walks, a warm-started run, and an atomic swap of the served run."""

from __future__ import annotations

from pathlib import Path

import typer

from mp2v.cli import csv_options
from mp2v.cli.common import echo, one_line_errors, runner, settings
from mp2v.experiments.refresh import DeltaFiles, RefreshConfig, refresh


@one_line_errors
def refresh_command(
    interactions: Path | None = typer.Option(None, "--interactions", help="The day's CSV of (user, item[, weight]"
                                             "[, timestamp]), read with the dataset's load options; with no "
                                             "file at all, retrain warm on the graph as it is."),
    follows: Path | None = typer.Option(None, "--follows", help="The day's CSV of (user, followed user)."),
    features: Path | None = typer.Option(None, "--features", help="The day's CSV of (item, feature)."),
    previous_run: str | None = typer.Option(None, "--run", help="Run to start from (default: the dataset's latest)."),
    alias: str = typer.Option("live", help="Served alias to swap (slots <alias>_a / <alias>_b)."),
    epochs: int = typer.Option(1, min=1, help="Warm-start epochs (a full retrain uses more)."),
    alpha: float = typer.Option(RefreshConfig.alpha, min=0.0001,
                                help="Learning rate of the warm epochs (chosen on validation: docs/scale.md)."),
    walks_per_node: int = typer.Option(5, min=1), walk_length: int = typer.Option(20, min=2),
    metapath: list[str] = typer.Option(None, "--metapath", "-m", help="Default: the dataset's user-item path."),
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Serve the new run and swap the alias to it."),
    delimiter: str | None = csv_options.DELTA_DELIMITER, header: bool | None = csv_options.DELTA_HEADER,
    encoding: str | None = csv_options.DELTA_ENCODING,
    user_col: str | None = csv_options.delta_column("--user-col"),
    item_col: str | None = csv_options.delta_column("--item-col"),
    weight_col: str | None = csv_options.delta_column("--weight-col"),
    timestamp_col: str | None = csv_options.delta_column("--timestamp-col"),
    follower_col: str | None = csv_options.delta_column("--follower-col"),
    followed_col: str | None = csv_options.delta_column("--followed-col"),
    feature_col: str | None = csv_options.delta_column("--feature-col"),
) -> None:
    """Load a delta idempotently, walk, train from the previous run's vectors, and swap the served run. The
    delta's files are read as the dataset's were (columns, delimiter, header, encoding); the reading options
    of `mp2v load csv` say otherwise."""
    current = settings()
    given = {"user": user_col, "item": item_col, "weight": weight_col, "timestamp": timestamp_col,
             "follower": follower_col, "followed": followed_col, "feature": feature_col}
    columns = {name: column for name, column in given.items() if column is not None}
    delta = (DeltaFiles(interactions, follows, features, columns, delimiter, header, encoding)
             if interactions or follows or features else None)
    config = RefreshConfig(delta=delta, previous_run=previous_run, alias=alias, epochs=epochs, alpha=alpha,
                           walks_per_node=walks_per_node, walk_length=walk_length,
                           metapaths=tuple(metapath or ()), serve=serve)
    with runner(current) as checked:
        result = refresh(checked, current, config)
    for line in result.load_summary:
        echo(line)
    warm = result.warm
    echo(f"new run {result.run.run_id} from {result.run.metadata['refreshed_from']}: {warm.previous:,} tokens "
         f"from the previous run, {warm.from_neighbours:,} new from their neighbours, {warm.random:,} at random")
    if result.swap:
        echo(f"alias {result.swap.alias} now serves slot {result.swap.slot} (was {result.swap.previous or 'none'})")
    echo("seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in result.seconds.items()))
