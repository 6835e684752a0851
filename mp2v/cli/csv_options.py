"""How generic CSV files are read (delimiter, header, encoding, column names): the options of ``mp2v load
csv``, and the same options for ``mp2v refresh``, unset there: a day's delta is read as its catalogue's files
were (the load records how) unless told otherwise."""

from __future__ import annotations

from typing import Any

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


#: ``mp2v refresh``: the same options, unset by default (a delta is read as its dataset's files were).
AS_LOADED = "Default: as the dataset's files were loaded."
DELTA_DELIMITER = typer.Option(None, "--delimiter", help=f"Field delimiter, as for `mp2v load csv`. {AS_LOADED}")
DELTA_HEADER = typer.Option(None, "--header/--no-header", help=f"--no-header: line 1 is data. {AS_LOADED}")
DELTA_ENCODING = typer.Option(None, "--encoding", help=f"Encoding of all files. {AS_LOADED}")


def delta_column(flag: str) -> Any:  # typer's OptionInfo, typed Any like typer.Option itself
    """A column option of ``mp2v refresh`` (``--user-col`` ...), unset by default."""
    return typer.Option(None, flag, help=AS_LOADED)


def csv_columns(user_col: str, item_col: str, weight_col: str, timestamp_col: str | None, follower_col: str,
                followed_col: str, feature_col: str) -> CsvColumns:
    return CsvColumns(user=user_col, item=item_col, weight=weight_col, timestamp=timestamp_col,
                      follower=follower_col, followed=followed_col, feature=feature_col)
