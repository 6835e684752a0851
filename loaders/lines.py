"""Physical lines of an input file (gzip or plain), read in bounded chunks: counting them, and the original
text of a few of them for reject files and messages."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import IO, cast

import numpy as np
import numpy.typing as npt

from loaders.text import RAW_LINE_BYTES


def open_binary(path: Path) -> IO[bytes]:
    """The file's bytes, decompressed when its name ends in ``.gz``."""
    if path.name.endswith(".gz"):
        return cast(IO[bytes], gzip.open(path, "rb"))
    return open(path, "rb")


def count_lines(path: Path) -> int:
    """Physical lines (a last line without a newline counts), in 1 MiB chunks: about 1 s per GB."""
    count, last = 0, b"\n"
    with open_binary(path) as handle:
        while chunk := handle.read(1 << 20):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (last != b"\n")


def raw_lines(path: Path, wanted: npt.NDArray[np.int64], encoding: str, *,
              limit: int = RAW_LINE_BYTES) -> dict[int, str]:
    """The original text of some lines (for reject files), undecodable bytes shown as ``\\xNN``.

    Read in 1 MiB chunks and cut after ``limit`` bytes (``... (N bytes)`` appended): a 100 MB line costs
    ``limit`` bytes of memory here, not 100 MB.
    """
    targets = sorted(set(int(n) for n in wanted))
    found: dict[int, str] = {}
    if not targets:
        return found
    pending = iter(targets)
    target = next(pending)
    number, kept, length = 1, bytearray(), 0
    with open_binary(path) as handle:
        while chunk := handle.read(1 << 20):
            newlines = chunk.count(b"\n")
            if number != target and number + newlines < target:
                number += newlines  # no wanted line starts or continues in this chunk
                continue
            start = 0
            while True:
                end = chunk.find(b"\n", start)
                piece = chunk[start:] if end < 0 else chunk[start:end]
                if number == target:
                    kept += piece[:max(limit - len(kept), 0)]
                    length += len(piece)
                if end < 0:
                    break
                if number == target:
                    found[number] = _cut_line(bytes(kept), length, limit, encoding)
                    kept, length = bytearray(), 0
                    target = next(pending, 0)
                    if target == 0:
                        return found
                number += 1
                start = end + 1
    if number == target and length:
        found[number] = _cut_line(bytes(kept), length, limit, encoding)
    return found


def _cut_line(kept: bytes, length: int, limit: int, encoding: str) -> str:
    if length <= limit:
        return kept.rstrip(b"\r").decode(encoding, errors="backslashreplace")
    return f"{kept.decode(encoding, errors='backslashreplace')}... ({length:,} bytes)"
