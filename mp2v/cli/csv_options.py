"""How generic CSV files are read (delimiter, header, encoding, column names): the options ``mp2v load csv``
and ``mp2v refresh`` share, so that a day's delta is read with the flags its catalogue was loaded with."""

from __future__ import annotations

import typer

from loaders.csv_generic import CsvColumns

DELIMITER = typer.Option(",", help="Field delimiter ('\\t' or 'tab' for tabs, 'whitespace' for runs of "
                         "spaces/tabs).")
HEADER = typer.Option(True, "--header/--no-header", help="--no-header: line 1 is data; columns are positions "
                      "1, 2, ... (interactions: user 1, item 2, weight 3).")
ENCODING = typer.Option("utf-8", help="Encoding of all files.")
USER_COL = typer.Option("user")
ITEM_COL = typer.Option("item")
WEIGHT_COL = typer.Option("weight", help="Default 'weight': when absent, every row weighs 1.")
TIMESTAMP_COL = typer.Option(None, help="Timestamp column (default: 'timestamp' if present).")
FOLLOWER_COL = typer.Option("user", help="Follows file: the following user.")
FOLLOWED_COL = typer.Option("follows", help="Follows file: the followed user.")
FEATURE_COL = typer.Option("feature", help="Features file: the feature column.")


def csv_columns(user_col: str, item_col: str, weight_col: str, timestamp_col: str | None, follower_col: str,
                followed_col: str, feature_col: str) -> CsvColumns:
    return CsvColumns(user=user_col, item=item_col, weight=weight_col, timestamp=timestamp_col,
                      follower=follower_col, followed=followed_col, feature=feature_col)
