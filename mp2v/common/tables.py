"""Markdown tables, written once: every report, benchmark and stage clock renders through ``markdown_table``.

pandas renders (``DataFrame.to_markdown``, which uses tabulate's GitHub "pipe" format). The callers format
their own cells (digits, bold, signs), so tabulate's number parsing is switched off: it would turn "0.2800"
into "0.28" and drop the sign of "+0.0040". Columns whose every cell reads as a number are right-aligned;
tabulate's padding is taken out again (see ``_compact``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import pandas as pd

# A formatted number: optional bold, sign, digits with thousands separators, decimals, exponent, unit suffix.
_NUMBER = re.compile(r"^\**[+\-−]?[\d,]*\.?\d+(e[+\-]?\d+)?\s?(%|s|x|×)?\**$", re.IGNORECASE)
_MISSING = {"", "–", "-", "n/a"}


def _is_number(cell: object) -> bool:
    text = str(cell).strip()
    return text in _MISSING or bool(_NUMBER.match(text))


def markdown_table(rows: Sequence[Mapping[str, object]] | pd.DataFrame, columns: Sequence[str] | None = None) -> str:
    """One Markdown table from row mappings (or a frame) whose cells are already formatted.

    ``columns`` fixes the column order (default: the first row's keys). A table without rows keeps its header.
    """
    frame = rows.copy() if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows), columns=columns)
    if columns is not None:
        frame = frame.loc[:, list(columns)]
    frame = frame.astype(object).where(frame.notna(), "–")
    align = ["right" if len(frame) and all(_is_number(c) for c in frame[name]) and i > 0 else "left"
             for i, name in enumerate(frame.columns)]
    text = frame.to_markdown(index=False, tablefmt="pipe", colalign=align, disable_numparse=True)
    return "\n".join(_compact(line, index) for index, line in enumerate(text.splitlines()))


def _compact(line: str, index: int) -> str:
    """``| a | b |`` without tabulate's column padding: committed results stay small in diffs, and a row
    reads the same wherever it is looked up (``| R-MP2V |``). Cells never hold ``|`` (it would end them)."""
    cells = [cell.strip() for cell in line.strip()[1:-1].split("|")]
    if index == 1:  # the rule: keep the alignment colons, drop the padding dashes
        cells = [(":" if c.startswith(":") else "") + "---" + (":" if c.endswith(":") else "") for c in cells]
    return "| " + " | ".join(cells) + " |" if index != 1 else "|" + "|".join(cells) + "|"
