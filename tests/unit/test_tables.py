"""The one Markdown table helper: cells kept as formatted, numbers right-aligned, column order kept."""

from __future__ import annotations

import pandas as pd

from mp2v.common.tables import markdown_table


def _lines(text: str) -> list[list[str]]:
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in text.splitlines()]


def test_cells_keep_their_formatting() -> None:
    text = markdown_table([{"method": "MP2V", "R@20": "0.2800", "diff": "+0.0040", "p": "1e-05", "n": "1,892"}])
    header, rule, row = _lines(text)
    assert header == ["method", "R@20", "diff", "p", "n"]
    # tabulate's number parsing would print 0.28, 0.004 and 1892.
    assert row == ["MP2V", "0.2800", "+0.0040", "1e-05", "1,892"]


def test_number_columns_are_right_aligned_and_text_columns_left() -> None:
    rows = [{"method": "a", "score": "**0.5**", "CI": "[-0.01, +0.02]", "fit s": "–"},
            {"method": "b", "score": "0.25", "CI": "[x]", "fit s": "3.5"}]
    rule = _lines(markdown_table(rows))[1]
    assert [cell.startswith(":") for cell in rule] == [True, False, True, False]
    assert [cell.endswith(":") for cell in rule] == [False, True, False, True]


def test_columns_fix_the_order_and_an_empty_table_keeps_its_header() -> None:
    rows = [{"b": "1", "a": "x"}]
    assert _lines(markdown_table(rows, columns=["a", "b"]))[0] == ["a", "b"]
    empty = markdown_table([], columns=["stage", "seconds"])
    assert _lines(empty)[0] == ["stage", "seconds"] and len(empty.splitlines()) == 2


def test_a_frame_renders_like_its_rows_and_missing_values_read_as_a_dash() -> None:
    frame = pd.DataFrame({"method": ["a", "b"], "value": ["1.0", None]})
    assert markdown_table(frame) == markdown_table([{"method": "a", "value": "1.0"}, {"method": "b", "value": "–"}])
