"""Atomic writes and checked reads for the files one command writes and another reads.

A writer puts the bytes in a temporary file in the same folder, flushes them to disk, and renames it over
the target (``os.replace`` is atomic on one file system), so a crash or Ctrl-C mid-write leaves the old file
(or none), never half of one. A reader turns a damaged file into one line that names it and says what to do.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from mp2v.errors import ModelStoreError, Mp2vError


@contextlib.contextmanager
def atomic_path(path: Path | str, suffix: str | None = None) -> Iterator[Path]:
    """A temporary path next to ``path`` to write to (np.savez, gensim save, savefig); moved over ``path`` when
    the block ends without an error, deleted otherwise. ``suffix`` (default: the target's) keeps writers that
    append or sniff an extension happy (``np.savez`` adds ``.npz`` to a name without it)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix if suffix is not None else target.suffix,
                                    dir=target.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        _fsync(temporary)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_folder(target.parent)


def write_bytes(path: Path | str, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as temporary:
        temporary.write_bytes(data)
    return Path(path)


def write_text(path: Path | str, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    return write_bytes(path, text.encode("utf-8"))


def plain(value: object) -> Any:
    """JSON's fallback for what ``json`` cannot write: numpy scalars and arrays as numbers and lists,
    dataclasses as objects, anything else as its text."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return str(value)


def write_json(path: Path | str, value: Any, *, default: Any = plain, indent: int | None = 2) -> Path:
    """Write ``value`` as JSON (with a final newline) to ``path`` atomically; numpy values and dataclasses
    are written as plain JSON (:func:`plain`)."""
    return write_text(path, json.dumps(value, indent=indent, default=default) + "\n")


def read_json(path: Path | str, what: str, *, fix: str = "delete it and run the command that wrote it again",
              error: type[Mp2vError] = ModelStoreError) -> dict[str, Any]:
    """The JSON object in ``path``; a missing, unreadable, damaged, truncated or non-object file raises ``error``
    with one line: ``<path>: <what> is damaged (<why>); <fix>``."""
    target = Path(path)
    try:
        value = json.loads(target.read_text(encoding="utf-8"))
    except FileNotFoundError as missing:
        raise error(f"{target}: {what} is missing; {fix}") from missing
    except (OSError, UnicodeDecodeError) as unreadable:
        raise error(f"{target}: {what} cannot be read ({_reason(unreadable)}); {fix}") from unreadable
    except json.JSONDecodeError as damaged:
        raise error(f"{target}: {what} is damaged (not valid JSON at line {damaged.lineno}, "
                    f"column {damaged.colno}); {fix}") from damaged
    if not isinstance(value, dict):
        raise error(f"{target}: {what} is damaged (a JSON {type(value).__name__}, not an object); {fix}")
    return value


def _reason(error: BaseException) -> str:
    return (getattr(error, "strerror", None) or str(error) or type(error).__name__).splitlines()[0]


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable; folders cannot be opened on every platform, hence best effort."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)
