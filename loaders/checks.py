"""Vectorised row checks: every test runs over whole columns; only rejected rows are formatted one by one.

A :class:`RowChecker` keeps the first reason each row is bad (field + reason); later checks skip rows that are
already rejected, so each bad row is reported once, with the most basic problem. Entry-level rejects (one
friend out of a friend_list) drop the entry and keep the rest of the row.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from loaders.reading import RawTable
from loaders.rejects import FileCheck, records
from loaders.text import quote

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

# Ids are stored as Neo4j integers (64-bit); floats hold integers exactly only below 2**53.
_MAX_EXACT = 2.0**53
_INT_LIST = r"\[\s*(?:\d{1,18}\s*(?:,\s*\d{1,18}\s*)*)?\]"
_SURROGATES = "[\udc80-\udcff]"


class RowChecker:
    """The checks of one file; :meth:`finish` turns them into a :class:`FileCheck`."""

    def __init__(self, table: RawTable) -> None:
        self.table = table
        size = len(table.frame)
        self.bad: BoolArray = np.zeros(size, dtype=bool)
        self._field = np.full(size, "", dtype=object)
        self._reason = np.full(size, "", dtype=object)
        self._entries: list[pd.DataFrame] = []
        self._duplicate_of = np.zeros(size, dtype=np.int64)  # line of the first copy; 0 = not a duplicate
        self._duplicate_what = "row"
        self._check_text()

    @property
    def ok(self) -> BoolArray:
        """Rows not rejected (duplicates included)."""
        return ~self.bad

    @property
    def keep(self) -> BoolArray:
        """Rows to load: neither rejected nor a later copy of another row."""
        return ~self.bad & (self._duplicate_of == 0)

    def reject(self, mask: BoolArray | pd.Series, field: str, reason: str | Sequence[str] | pd.Series) -> None:
        """Reject rows in ``mask`` not rejected yet; ``reason`` is one text or one text per row."""
        new = np.asarray(mask, dtype=bool) & ~self.bad
        if not new.any():
            return
        self._field[new] = field
        self._reason[new] = reason if isinstance(reason, str) else np.asarray(reason, dtype=object)[new]
        self.bad |= new

    def reject_where(self, mask: BoolArray | pd.Series, field: str, template: str, values: pd.Series) -> None:
        """Reject rows in ``mask``; ``template`` is formatted with each row's ``value`` (only bad rows).

        Text values are quoted and cut to :data:`loaders.text.SHOWN` characters: a 100 MB cell must not make a
        100 MB reason (it ends up in messages and reject files).
        """
        new = np.asarray(mask, dtype=bool) & ~self.bad
        if new.any():
            reasons = np.full(len(new), "", dtype=object)
            reasons[new] = [template.format(value=quote(v) if isinstance(v, str) else v)
                            for v in values.to_numpy()[new]]
            self.reject(new, field, reasons)

    def reject_entries(self, rows: IntArray, field: str, reasons: Sequence[str]) -> None:
        """Record dropped entries of list cells (the rows themselves stay)."""
        if len(rows):
            self._entries.append(pd.DataFrame({"row": rows, "field": field, "reason": list(reasons)}))

    def mark_duplicates(self, keys: Sequence[str | np.ndarray], what: str) -> BoolArray:
        """Mark later copies of a key among good rows as duplicates of the first; returns their mask."""
        frame = pd.DataFrame({f"k{i}": np.asarray(key if not isinstance(key, str) else self.table.frame[key])
                              for i, key in enumerate(keys)})
        frame["line"] = self.table.lines
        good = frame[self.ok]
        repeated = good.duplicated([c for c in good.columns if c != "line"], keep="first")
        if not repeated.any():
            return np.zeros(len(frame), dtype=bool)
        first = good.groupby([c for c in good.columns if c != "line"], sort=False, dropna=False)["line"]
        first_line = first.transform("first")
        mask = np.zeros(len(frame), dtype=bool)
        mask[good.index[repeated.to_numpy()]] = True
        self._duplicate_of[good.index[repeated.to_numpy()]] = first_line[repeated].to_numpy()
        self._duplicate_what = what
        return mask

    # -- column conversions ------------------------------------------------------------------------
    def _text(self, column: str) -> pd.Series:
        """A column as text, missing cells as "" (object dtype: lone surrogates cannot live in Arrow strings)."""
        values = self.table.frame[column].to_numpy(dtype=object, copy=True)
        values[pd.isna(values)] = ""
        return pd.Series(values, dtype=object)

    def _check_text(self) -> None:
        """Blank lines, and undecodable bytes (read as lone surrogates) in any column."""
        frame = self.table.frame
        text_columns = [c for c in frame.columns if frame[c].dtype == object]
        if text_columns and len(text_columns) == len(frame.columns):
            blank = np.logical_and.reduce([self._text(c).str.strip().eq("").to_numpy() for c in text_columns])
            self.reject(blank, "", "blank line")
        for column in text_columns:
            text = self._text(column)
            broken = text.str.contains(_SURROGATES, regex=True).to_numpy()
            if broken.any():
                first = text[broken].str.extract(f"({_SURROGATES})", expand=False)
                reasons = np.full(len(frame), "", dtype=object)
                reasons[broken] = [
                    f"byte 0x{ord(ch) - 0xDC00:02X} is not valid {self.table.spec.encoding}; this file is expected "
                    f"in {self.table.spec.encoding}: re-save it in that encoding" for ch in first]
                self.reject(broken, column, reasons)
                # The row is rejected; blank the cell so later steps never meet a lone surrogate.
                self.table.frame.loc[broken, column] = ""

    def integers(self, column: str, *, minimum: int | None = 0) -> IntArray:
        """An integer column (ids, counts); bad rows are rejected and hold 0."""
        series = self.table.frame[column]
        if pd.api.types.is_integer_dtype(series.dtype):
            values = series.to_numpy(dtype=np.int64)
        else:
            text = self._text(column).str.strip()
            self.reject(text.eq("").to_numpy(), column, "missing value")
            number = pd.to_numeric(text, errors="coerce").astype("float64").to_numpy()
            fails = ~np.isfinite(number) | (np.mod(number, 1) != 0) | (np.abs(number) >= _MAX_EXACT)
            self.reject_where(fails, column, "{value} is not an integer", text)
            values = np.where(self.bad | fails, 0, number).astype(np.int64)
        if minimum is not None:
            self.reject_where(values < minimum, column, f"{{value}} is below the minimum {minimum}",
                              pd.Series(values))
        return np.where(self.bad, 0, values)

    def numbers(self, column: str, *, minimum: float | None = 0.0, allow_empty: bool = False) -> FloatArray:
        """A finite float column (weights, ratios); empty cells are NaN when ``allow_empty``."""
        series = self.table.frame[column]
        if pd.api.types.is_float_dtype(series.dtype) or pd.api.types.is_integer_dtype(series.dtype):
            values = series.to_numpy(dtype=np.float64)
            missing = np.isnan(values)
            if not allow_empty:
                self.reject(missing, column, "missing or NaN value; expected a finite number")
        else:
            text = self._text(column).str.strip()
            empty = text.eq("").to_numpy()
            values = pd.to_numeric(text, errors="coerce").astype("float64").to_numpy()
            if not allow_empty:
                self.reject(empty, column, "missing value; expected a finite number")
            spelled_nan = text.str.lower().isin(["nan", "-nan", "na", "null", "none"]).to_numpy()
            self.reject(spelled_nan, column, "NaN is not allowed; expected a finite number")
            self.reject_where(np.isnan(values) & ~empty, column, "{value} is not a number", text)
            missing = empty
        self.reject_where(np.isinf(values), column, "{value} is infinite; expected a finite number",
                          pd.Series(values))
        if minimum is not None:
            with np.errstate(invalid="ignore"):
                below = values < minimum
            self.reject_where(below, column, f"{{value}} is below the minimum {minimum:g}", pd.Series(values))
        return np.where(self.bad | (missing & ~allow_empty), np.nan, values)

    def int_lists(self, column: str) -> tuple[IntArray, IntArray]:
        """A JSON-style integer list column (``"[4202,7126]"``), parsed without eval.

        Returns (row index, value) pairs for every entry of every good row; ``[]`` gives no entries.
        """
        text = self._text(column).str.strip()
        shape_ok = text.str.fullmatch(_INT_LIST).fillna(False).to_numpy(dtype=bool)
        self.reject_where(~shape_ok, column, "{value} is not a list of integers like [4202,7126]", text)
        inner = text[self.ok].str.slice(1, -1).str.replace(r"\s+", "", regex=True)
        entries = inner.str.split(",").explode()
        entries = entries[entries.notna() & entries.ne("")]
        return entries.index.to_numpy(dtype=np.int64), entries.astype(np.int64).to_numpy()

    def strings(self, column: str) -> pd.Series:
        """A text column as str, empty cells as None."""
        text = self._text(column)
        return text.where(text.str.strip().ne(""), None)

    def members(self, values: IntArray, known: IntArray, field: str, what: str) -> None:
        """Reject rows whose id is not among ``known`` (e.g. an artist missing from artists.dat)."""
        unknown = ~np.isin(values, known)
        self.reject_where(unknown, field, f"{{value}} is not a known {what}", pd.Series(values))

    # -- result ------------------------------------------------------------------------------------
    def finish(self, name: str, *, notes: Sequence[str] = ()) -> FileCheck:
        """The verdict on this file: rejected rows, reported duplicates, notes."""
        table = self.table
        lines = table.lines
        rejected = records(lines[self.bad], self._field[self.bad], self._reason[self.bad])
        malformed = records(np.fromiter(table.malformed, dtype=np.int64), [""] * len(table.malformed),
                            list(table.malformed.values()))
        entries = [records(lines[e["row"].to_numpy()], e["field"].to_numpy(), e["reason"].to_numpy())
                   for e in self._entries]
        duplicated = self._duplicate_of > 0
        duplicates = records(lines[duplicated], [""] * int(duplicated.sum()),
                             [f"duplicate {self._duplicate_what} of line {n}: counted once"
                              for n in self._duplicate_of[duplicated]])
        all_rejects = pd.concat([rejected, malformed, *entries], ignore_index=True).sort_values("line", kind="stable")
        return FileCheck(path=table.path, name=name, encoding=table.spec.encoding, rows=table.rows,
                         rejects=all_rejects.reset_index(drop=True), duplicates=duplicates,
                         notes=list(table.notes) + list(notes))


def nullable_ints(values: FloatArray) -> pd.api.extensions.ExtensionArray:
    """Floats with NaN for empty cells -> a nullable Int64 array (NaN -> <NA>, not a float property)."""
    missing = np.isnan(values)
    array = pd.array(np.where(missing, 0, values).astype(np.int64), dtype="Int64")
    array[missing] = pd.NA
    return array
