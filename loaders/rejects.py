"""The verdict on each input file, reject files, and the stop rules (``--strict``, ``--max-reject-share``).

A reject file sits at ``<MP2V_HOME>/rejects/<dataset>/<file>.rejects.csv`` with one record per rejected row
(or dropped list entry) and per reported duplicate: the original line number (header = line 1), the field,
the reason and the raw line as it is in the file. It is rewritten on every load of that file, and removed
when the file has nothing to report, so it always describes the last load.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from loaders.lines import raw_lines
from mp2v.errors import InputError


def records(lines: Any, fields: Sequence[str] | Any, reasons: Sequence[str] | Any) -> pd.DataFrame:
    """A frame of reject records (line, field, reason)."""
    return pd.DataFrame({"line": np.asarray(lines, dtype=np.int64), "field": np.asarray(fields, dtype=object),
                         "reason": np.asarray(reasons, dtype=object)})


@dataclass
class FileCheck:
    """What validation found in one file."""

    path: Path
    name: str
    encoding: str
    rows: int
    rejects: pd.DataFrame
    duplicates: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    reject_file: Path | None = None

    @property
    def rejected(self) -> int:
        """Distinct lines with at least one rejected record."""
        return int(self.rejects["line"].nunique())

    @property
    def duplicate_rows(self) -> int:
        return len(self.duplicates)

    def first_reject(self) -> pd.Series:
        return self.rejects.iloc[0]


@dataclass(frozen=True)
class RejectPolicy:
    """When bad rows stop a load. The default reports them and goes on."""

    strict: bool = False
    #: Stop when more than this share of a file's rows is rejected (0.01 = 1 %).
    max_reject_share: float | None = None

    def __post_init__(self) -> None:
        if self.max_reject_share is not None and not 0.0 <= self.max_reject_share <= 1.0:
            raise InputError(f"--max-reject-share {self.max_reject_share} must be between 0 and 1 (0.01 = 1 %)")


@dataclass(frozen=True)
class Validation:
    """Where reject files go and when to stop; every loader passes each file's check through :meth:`accept`."""

    rejects_dir: Path
    policy: RejectPolicy = RejectPolicy()

    def accept(self, check: FileCheck) -> FileCheck:
        """Write the file's reject file, then stop (InputError) if the policy says so."""
        check.reject_file = write_reject_file(check, self.rejects_dir)
        enforce(self.policy, check)
        return check


def reject_file_path(folder: Path, source: Path) -> Path:
    """``user_taggedartists.dat.gz`` -> ``<folder>/user_taggedartists.rejects.csv``."""
    return folder / f"{source.name.split('.')[0]}.rejects.csv"


def write_reject_file(check: FileCheck, folder: Path) -> Path | None:
    """Write (or remove, when there is nothing to report) the reject file of one checked file."""
    target = reject_file_path(folder, check.path)
    entries = pd.concat([check.rejects, check.duplicates], ignore_index=True)
    if entries.empty:
        target.unlink(missing_ok=True)
        return None
    entries = entries.sort_values("line", kind="stable")
    raw = raw_lines(check.path, entries["line"].unique(), check.encoding)
    entries["raw"] = entries["line"].map(raw)
    folder.mkdir(parents=True, exist_ok=True)
    entries.to_csv(target, index=False, columns=["line", "field", "reason", "raw"])
    return target


def enforce(policy: RejectPolicy, check: FileCheck) -> None:
    """Raise an InputError naming the first bad row when ``policy`` forbids this many rejects."""
    if check.rejected == 0:
        return
    first = check.first_reject()
    where = f" (all {check.rejected:,} listed in {check.reject_file})" if check.reject_file else ""
    if policy.strict:
        raise InputError(
            f"{first['reason']}; --strict stops at the first bad row; nothing was written"
            f"{where}",
            path=check.path, line=int(first["line"]), field=str(first["field"]) or None,
        )
    share = check.rejected / max(check.rows, 1)
    if policy.max_reject_share is not None and share > policy.max_reject_share:
        raise InputError(
            f"{check.rejected:,} of {check.rows:,} rows ({share:.2%}) are bad, more than --max-reject-share "
            f"{policy.max_reject_share:g}; nothing was written. The first: line {int(first['line'])}"
            f"{', field ' + repr(first['field']) if first['field'] else ''}: {first['reason']}{where}",
            path=check.path,
        )
