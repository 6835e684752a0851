"""``mp2v load``: validate dataset files and write them into Neo4j (transactionally, or ``--bulk``)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import cast

import typer

from loaders import csv_generic, kuairec, lastfm
from loaders.pipeline import LoadOptions, PlanBuilder, rejects_folder, run_load
from loaders.ratings import Aggregate, RatingRules
from loaders.summary import summary_lines
from mp2v.cli import csv_options
from mp2v.cli.common import echo, one_line_errors, runner, settings
from mp2v.common.slugs import check_slug
from mp2v.types import IdType

app = typer.Typer(help="Load Last.fm, KuaiRec or generic CSV files into Neo4j.", no_args_is_help=True)


class LastfmWeight(StrEnum):
    log1p = "log1p"
    raw = "raw"
    user_share = "user_share"


class Matrix(StrEnum):
    big = "big"
    small = "small"


class WeightTransform(StrEnum):
    raw = "raw"
    log1p = "log1p"
    binary = "binary"


BULK = typer.Option(False, "--bulk", help="neo4j-admin bulk import into the EMPTY local database "
                    "(stops and restarts the server); for large first loads.")
FORCE = typer.Option(False, "--force", help="With --bulk: replace a non-empty database (everything in it is lost).")
STRICT = typer.Option(False, "--strict", help="Stop at the first bad row (nothing is written).")
MAX_SHARE = typer.Option(None, "--max-reject-share", help="Stop if more than this share of a file's rows is "
                         "bad (e.g. 0.01 = 1%); default: off, bad rows never stop a load.", min=0.0, max=1.0)
BATCH = typer.Option(10_000, "--batch-size", min=1, help="Rows per transaction (transactional path).")
WRITERS = typer.Option(2, "--writers", min=1, max=4, help="Concurrent writer sessions for User->item edges.")
PROGRESS = typer.Option(True, "--progress/--no-progress", help="Show progress bars (rows/s) on stderr.")


def _options(bulk: bool, force: bool, strict: bool, share: float | None, batch: int, writers: int,
             progress: bool) -> LoadOptions:
    return LoadOptions(batch_size=batch, writers=writers, strict=strict, max_reject_share=share, bulk=bulk,
                       force=force, progress=progress)


def _run(build: PlanBuilder, dataset: str, options: LoadOptions) -> None:
    current = settings()
    with runner(current) as checked:
        result = run_load(build, checked, options, rejects_dir=rejects_folder(current.paths.home, dataset),
                          server=current.server)
    for line in summary_lines(result):
        echo(line)


@app.command("lastfm")
@one_line_errors
def load_lastfm(
    path: Path | None = typer.Argument(None, help="Folder with the .dat(.gz) files; default: the vendored copy."),
    weight: LastfmWeight = typer.Option(LastfmWeight.log1p, help="LISTENED weight: log1p(plays), plays, or "
                                        "plays / the user's total plays."),
    bulk: bool = BULK, force: bool = FORCE, strict: bool = STRICT, max_reject_share: float | None = MAX_SHARE,
    batch_size: int = BATCH, writers: int = WRITERS, progress: bool = PROGRESS,
) -> None:
    """Last.fm HetRec 2011: users, artists, plays, friends, tags."""
    config = lastfm.LastfmConfig(path=path, weight=cast(lastfm.WeightRule, weight.value))
    echo(lastfm.licence_notice(config.folder))
    _run(lambda validation: lastfm.build_plan(config, validation), "lastfm",
         _options(bulk, force, strict, max_reject_share, batch_size, writers, progress))


@app.command("kuairec")
@one_line_errors
def load_kuairec(
    path: Path = typer.Argument(..., help="Folder with the KuaiRec CSV files (e.g. 'KuaiRec 2.0/data')."),
    matrix: Matrix = typer.Option(Matrix.big, help="Matrix loaded as training interactions."),
    threshold: float = typer.Option(2.0, help="watch_ratio at or above which a (user, video) pair is positive."),
    cap: float = typer.Option(5.0, help="weight = min(watch_ratio, cap) on WATCHED edges."),
    bulk: bool = BULK, force: bool = FORCE, strict: bool = STRICT, max_reject_share: float | None = MAX_SHARE,
    batch_size: int = BATCH, writers: int = WRITERS, progress: bool = PROGRESS,
) -> None:
    """KuaiRec: positive (user, video) pairs as WATCHED, friends as FOLLOWS, categories."""
    config = kuairec.KuaiRecConfig(path=path, matrix=cast(kuairec.MatrixName, matrix.value), threshold=threshold,
                                   cap=cap)
    _run(lambda validation: kuairec.build_plan(config, validation), "kuairec",
         _options(bulk, force, strict, max_reject_share, batch_size, writers, progress))


@app.command("csv")
@one_line_errors
def load_csv(
    interactions: Path = typer.Option(..., "--interactions",
                                      help="CSV of (user, item[, weight][, timestamp]); no weight: each row is 1."),
    follows: Path | None = typer.Option(None, "--follows", help="CSV of (user, followed user)."),
    features: Path | None = typer.Option(None, "--features", help="CSV of (item, feature)."),
    dataset: str = typer.Option("csv", help="Dataset name recorded on the :Dataset node and naming the rejects "
                                "folder: 1-64 letters, digits, '-' or '_'."),
    delimiter: str = csv_options.DELIMITER, header: bool = csv_options.HEADER,
    symmetric_follows: bool = typer.Option(False, help="Load every follows/trust edge in both directions."),
    aggregate: Aggregate = typer.Option(Aggregate.SUM, help="Repeated (user, item) rows: sum, mean, last or max."),
    rating_max: float | None = typer.Option(None, help="Top of the rating scale: merged values are capped at it."),
    positive_threshold: float | None = typer.Option(None, help="Pairs whose merged value is below this are not "
                                                    "positives (not loaded); default: every row is one."),
    encoding: str = csv_options.ENCODING, user_col: str = csv_options.USER_COL, item_col: str = csv_options.ITEM_COL,
    weight_col: str = csv_options.WEIGHT_COL, timestamp_col: str | None = csv_options.TIMESTAMP_COL,
    follower_col: str = csv_options.FOLLOWER_COL, followed_col: str = csv_options.FOLLOWED_COL,
    feature_col: str = csv_options.FEATURE_COL,
    id_type: IdType = typer.Option(IdType.INTEGER, help="Node ids are integers (default) or strings."),
    weight_transform: WeightTransform = typer.Option(WeightTransform.raw, help="weight = w, log1p(w), or 1."),
    user_label: str = typer.Option("User"), item_label: str = typer.Option("Item"),
    interaction_type: str = typer.Option("INTERACTED"), follow_type: str = typer.Option("FOLLOWS"),
    feature_label: str = typer.Option("Feature"), feature_type: str = typer.Option("HAS_FEATURE"),
    bulk: bool = BULK, force: bool = FORCE, strict: bool = STRICT, max_reject_share: float | None = MAX_SHARE,
    batch_size: int = BATCH, writers: int = WRITERS, progress: bool = PROGRESS,
) -> None:
    """Generic CSV files with mappable columns and configurable labels."""
    check_slug(dataset, "--dataset")  # it names the rejects folder: never a path
    config = csv_generic.CsvConfig(
        interactions=interactions, follows=follows, features=features, dataset=dataset,
        columns=csv_options.csv_columns(user_col, item_col, weight_col, timestamp_col, follower_col, followed_col,
                                        feature_col),
        labels=csv_generic.CsvLabels(user=user_label, item=item_label, interaction=interaction_type,
                                     follow=follow_type, feature=feature_label, has_feature=feature_type),
        delimiter=delimiter, encoding=encoding, id_type=id_type, header=header,
        symmetric_follows=symmetric_follows,
        ratings=RatingRules(aggregate=aggregate, positive_threshold=positive_threshold, scale_max=rating_max),
        weight_transform=cast(csv_generic.Transform, weight_transform.value),
    )
    _run(lambda validation: csv_generic.build_plan(config, validation), config.dataset,
         _options(bulk, force, strict, max_reject_share, batch_size, writers, progress))
