"""Reading one delimited input file into a DataFrame, with structural checks and original line numbers.

Structural problems stop at once with an :class:`InputError` (empty file, header only, not a text/CSV file,
missing columns); row problems are left to :mod:`loaders.checks`. Line numbers count physical lines of the
file: the header is line 1, the first data row line 2.

Reading is two-speed: a fast path lets pandas' C parser type every numeric column directly; if any cell does
not parse, the file is read again with every column as text and :mod:`loaders.checks` finds the bad cells
with vectorised conversions (so a bad row costs a second read, never a Python loop over all rows).
"""

from __future__ import annotations

import csv
import difflib
import gzip
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from loaders.lines import count_lines, open_binary, raw_lines
from loaders.text import clip, quote
from mp2v.errors import InputError

# Magic numbers of formats people hand over by mistake, and what to tell them.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x1f\x8b", "is gzip-compressed but not named .gz: unpack it (gunzip) or add the .gz suffix"),
    (b"PK\x03\x04", "is a ZIP archive: unzip it and point at the CSV file inside"),
    (b"\x89PNG", "is a PNG image, not a CSV file"),
    (b"%PDF", "is a PDF document, not a CSV file"),
    (b"PAR1", "is a Parquet file, not a CSV file"),
    (b"\xff\xfe", "is UTF-16 encoded: re-save it as UTF-8"),
    (b"\xfe\xff", "is UTF-16 encoded: re-save it as UTF-8"),
)
_SKIPPED_LINE = re.compile(r"Skipping line (\d+): expected (\d+) fields?, saw (\d+)")
_SNIFF_BYTES = 8192
#: ``TableSpec.delimiter`` for files whose fields are separated by runs of spaces or tabs.
WHITESPACE = r"\s+"
_SHORT_CHECK_BYTES = 1 << 16


@dataclass(frozen=True)
class TableSpec:
    """The expected shape of one input file."""

    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    #: Columns the fast path parses as int64 / float64 (a failure falls back to text + vectorised checks).
    integers: tuple[str, ...] = ()
    floats: tuple[str, ...] = ()
    #: Columns we do not use but must read (to spot rows with extra fields): tried as float64 first, then as
    #: text (KuaiRec's ``time`` is a number in some copies and a date-time string in others).
    loose: tuple[str, ...] = ()
    delimiter: str = ","
    encoding: str = "utf-8"
    #: Last.fm files are unquoted (artist names contain bare quotes); KuaiRec quotes its list columns.
    quoted: bool = True
    #: Files with many columns we do not keep (KuaiRec daily counters) accept unknown columns silently and
    #: parse only the known ones (so a row with extra fields goes unnoticed there).
    other_columns_ok: bool = False
    #: False: line 1 is data; columns are named by position ("1", "2", ...).
    header: bool = True
    #: (column, command-line option naming it) pairs, for the hint when a column is missing.
    options: tuple[tuple[str, str], ...] = ()

    @property
    def first_data_line(self) -> int:
        return 2 if self.header else 1

    def fields(self, text: str) -> list[str]:
        """One line split into fields the way the parser splits it."""
        if self.delimiter == WHITESPACE:
            return text.split()
        return next(csv.reader([text], delimiter=self.delimiter,
                               quoting=csv.QUOTE_MINIMAL if self.quoted else csv.QUOTE_NONE), [])

    @property
    def known(self) -> tuple[str, ...]:
        return self.required + self.optional


@dataclass
class RawTable:
    """The rows of one file: typed columns (fast path) or text columns (``typed`` False), and line numbers."""

    path: Path
    spec: TableSpec
    frame: pd.DataFrame
    lines: npt.NDArray[np.int64]
    header: list[str]
    typed: bool
    #: Rows the parser could not split into the header's columns: line -> reason.
    malformed: dict[int, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        """Data rows in the file (malformed ones included)."""
        return len(self.frame) + len(self.malformed)

    def has(self, column: str) -> bool:
        return column in self.frame.columns


def read_table(path: Path | str, spec: TableSpec) -> RawTable:
    """Read ``path`` after checking that it is a non-empty text table with the columns ``spec`` requires."""
    path = Path(path)
    header = read_header(path, spec)
    notes = check_columns(path, header, spec)
    frame, malformed, typed = _read_body(path, spec, header)
    if len(frame) + len(malformed) == 0:
        raise InputError("has a header but no data rows; expected at least one row after line 1", path=path)
    total = len(frame) + len(malformed)
    physical = count_lines(path)
    first = spec.first_data_line
    if physical != total + first - 1:  # a quoted field spanning lines would shift every line number after it
        raise InputError(f"has {physical:,} lines but {total + first - 1:,} rows (header included): a quoted "
                         "field spans several lines; put each row on one line", path=path)
    lines = np.setdiff1d(np.arange(first, total + first, dtype=np.int64), np.fromiter(malformed, dtype=np.int64))
    frame = frame[[c for c in header if c in spec.known]].reset_index(drop=True)
    frame, lines = _short_rows(path, spec, header, frame, lines, malformed)
    return RawTable(path, spec, frame, lines, header, typed, malformed, notes)


def read_header(path: Path, spec: TableSpec) -> list[str]:
    """The column names on line 1, after ruling out empty, binary and JSON files."""
    if path.is_dir():
        raise InputError("is a folder, not a file; pass the file itself (e.g. a .csv file inside it)", path=path)
    if not path.is_file():
        raise InputError("no such file (check the path)", path=path)
    try:
        with open_binary(path) as handle:
            head = handle.read(_SNIFF_BYTES)
    except (OSError, EOFError) as error:  # a corrupt .gz archive
        raise InputError(f"cannot be read as a gzip file ({error}); re-download or unpack it", path=path) from None
    if not head:
        raise InputError("is empty (0 bytes); expected a header line and data rows", path=path)
    for magic, message in _MAGIC:
        if head.startswith(magic):
            raise InputError(message, path=path)
    if b"\x00" in head:
        raise InputError("is a binary file (it contains NUL bytes), not a CSV file", path=path)
    first_line = head.split(b"\n", 1)[0].rstrip(b"\r")
    try:
        text = first_line.decode(spec.encoding).lstrip("\ufeff")
    except UnicodeDecodeError as error:
        raise InputError(f"bytes {first_line[error.start:error.end]!r} are not valid {spec.encoding}; "
                         f"this file is expected in {spec.encoding}", path=path, line=1) from None
    if text.lstrip().startswith(("{", "[")):
        raise InputError("looks like JSON, not a delimited table; export it as CSV with a header row",
                         path=path, line=1)
    if not text.strip():
        raise InputError("line 1 is blank; expected the header row", path=path, line=1)
    names = [name.strip() for name in spec.fields(text)]
    # Without a header, line 1 is data: its field count names the columns "1", "2", ...
    return names if spec.header else [str(position) for position in range(1, len(names) + 1)]


def check_columns(path: Path, header: list[str], spec: TableSpec) -> list[str]:
    """Raise for missing or repeated columns; return notes about extra columns that are ignored."""
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise InputError(f"column {quote(repeated[0])} appears twice in the header", path=path, line=1,
                         field=repeated[0])
    missing = [name for name in spec.required if name not in header]
    unknown = [name for name in header if name not in spec.known]
    if missing:
        shown = _delimiter_hint(header, spec) or _rename_hint(missing, unknown, dict(spec.options))
        raise InputError(
            f"missing column{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))}; "
            f"expected {spec.delimiter!r}-separated columns {', '.join(spec.required)}; "
            f"found {clip(', '.join(header))}{shown}",
            path=path, line=1, field=missing[0],
        )
    if unknown and not spec.other_columns_ok:
        return [f"{path.name}: ignored unknown column{'s' if len(unknown) > 1 else ''} "
                f"{clip(', '.join(map(repr, unknown)))} (line 1)"]
    return []


def _rename_hint(missing: list[str], unknown: list[str], options: dict[str, str]) -> str:
    hints = []
    for name in missing:
        close = difflib.get_close_matches(name, unknown, n=1, cutoff=0.6)
        if close:
            hints.append(f"rename {close[0]!r} to {name!r}")
    named_by = [options[name] for name in missing if name in options]
    if named_by:
        hints.append(f"or name the file's column{'s' if len(named_by) > 1 else ''} with {', '.join(named_by)}")
    return f" ({'; '.join(hints)})" if hints else ""


def _delimiter_hint(header: list[str], spec: TableSpec) -> str:
    if len(header) != 1:
        return ""
    for other, name in (("\t", "tab"), (",", "comma"), (";", "semicolon"), ("|", "pipe")):
        if other != spec.delimiter and other in header[0]:
            return f" (line 1 has no {spec.delimiter!r} but contains a {name}: is the delimiter right?)"
    return " (line 1 has no delimiter at all: is this a CSV file?)"


def _read_body(path: Path, spec: TableSpec, header: list[str]) -> tuple[pd.DataFrame, dict[int, str], bool]:
    usecols = [c for c in header if c in spec.known] if spec.other_columns_ok else None
    typed = {c: "int64" for c in spec.integers if c in header}
    typed |= {c: "float64" for c in spec.floats if c in header}
    loose = {c: "float64" for c in spec.loose if c in header}
    attempts = [{**typed, **loose}, typed] if loose else [typed]
    for dtypes in attempts:
        try:
            frame, malformed = _parse(path, spec, usecols=usecols, **_names(spec, header),
                                      dtype={c: dtypes.get(c, object) for c in usecols or header},
                                      na_values={c: [""] for c in dtypes})
            return frame, malformed, True
        except (ValueError, OverflowError):
            continue
    # Some typed cell did not parse (text in a number column, an empty id, an id beyond int64):
    # read everything as text; the checks locate each bad cell.
    frame, malformed = _parse(path, spec, usecols=usecols, dtype=object, na_filter=False, **_names(spec, header))
    return frame, malformed, False


def _names(spec: TableSpec, header: list[str]) -> dict[str, Any]:
    return {} if spec.header else {"names": header}


def _parse(path: Path, spec: TableSpec, **options: Any) -> tuple[pd.DataFrame, dict[int, str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", pd.errors.ParserWarning)
        try:
            frame = pd.read_csv(
                path, sep=spec.delimiter, header=0 if spec.header else None, encoding=spec.encoding,
                # Undecodable bytes become lone surrogates: checks reject those rows with their line number.
                encoding_errors="surrogateescape",
                quoting=csv.QUOTE_MINIMAL if spec.quoted else csv.QUOTE_NONE,
                skip_blank_lines=False, on_bad_lines="warn", keep_default_na=False, engine="c",
                compression="gzip" if path.name.endswith(".gz") else None, **options,
            )
        except pd.errors.ParserError as error:
            raise InputError(f"is not a readable {spec.delimiter!r}-separated table: {error}", path=path) from None
        except (EOFError, OSError, gzip.BadGzipFile) as error:
            raise InputError(f"cannot be read ({error}); re-download or unpack it", path=path) from None
    malformed: dict[int, str] = {}
    for warning in caught:
        for number, expected, saw in _SKIPPED_LINE.findall(str(warning.message)):
            malformed[int(number)] = fields_reason(int(saw), int(expected))
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    return frame, malformed


def fields_reason(saw: int, expected: int) -> str:
    return "blank line" if saw == 0 else f"{saw} field{'s' if saw != 1 else ''}, expected {expected}"


def _short_rows(path: Path, spec: TableSpec, header: list[str], frame: pd.DataFrame,
                lines: npt.NDArray[np.int64], malformed: dict[int, str],
                ) -> tuple[pd.DataFrame, npt.NDArray[np.int64]]:
    """Move rows with too few fields to ``malformed`` (pandas fills them with empty cells silently).

    Only rows whose last column is empty can be short, so only their raw lines are read and split again.
    """
    last = header[-1]
    if last not in frame.columns or frame.empty:
        return frame, lines
    cells = frame[last].to_numpy(dtype=object)
    empty = pd.isna(cells) | (cells == "")
    if not empty.any():
        return frame, lines
    raw = raw_lines(path, lines[empty], spec.encoding, limit=_SHORT_CHECK_BYTES)
    short = np.zeros(len(frame), dtype=bool)
    for index in np.flatnonzero(empty):
        text = raw.get(int(lines[index]), "")
        if len(text.encode(spec.encoding, errors="replace")) >= _SHORT_CHECK_BYTES:
            continue  # a cut line cannot be counted; its cells are checked as usual
        fields = spec.fields(text)
        if len(fields) < len(header):
            short[index] = True
            malformed[int(lines[index])] = fields_reason(len(fields), len(header))
    if not short.any():
        return frame, lines
    return frame[~short].reset_index(drop=True), lines[~short]
