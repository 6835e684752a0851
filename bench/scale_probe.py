"""Measuring a stage: wall time, peak resident memory of this process and of the Neo4j JVM, disk use.

Memory is read from ``/proc/<pid>/status`` (VmRSS) by a sampling thread every ``interval`` seconds, so the
peak of each stage is its own (``VmHWM`` would keep the largest value since the process started). psutil
reads the same file; it is not a dependency of the project, so the file is read directly.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path


def rss_bytes(pid: int) -> int:
    """Resident set size of ``pid`` in bytes (0 when the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0


def disk_bytes(path: Path) -> int:
    """Bytes used by a file or a folder tree (0 when absent)."""
    if path.is_file():
        return path.stat().st_size
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += (Path(root) / name).stat().st_size
            except FileNotFoundError:
                continue
    return total


@dataclass
class Measurement:
    """One stage's figures; ``extra`` holds its throughput and whatever else the stage reports."""

    seconds: float = 0.0
    python_peak_mb: float = 0.0
    jvm_peak_mb: float = 0.0
    load_average: float = 0.0
    extra: dict[str, float | int | str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, float | int | str]:
        return {"seconds": round(self.seconds, 3), "python_peak_mb": round(self.python_peak_mb, 1),
                "jvm_peak_mb": round(self.jvm_peak_mb, 1), "load_average": round(self.load_average, 2),
                **self.extra}


class Sampler:
    """Samples this process's and the JVM's RSS in a daemon thread while a stage runs."""

    def __init__(self, jvm_pid: Callable[[], int | None], interval: float = 0.2) -> None:
        self.jvm_pid = jvm_pid
        self.interval = interval
        self.python_peak = 0
        self.jvm_peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        self.python_peak = max(self.python_peak, rss_bytes(os.getpid()))
        pid = self.jvm_pid()
        if pid is not None:
            self.jvm_peak = max(self.jvm_peak, rss_bytes(pid))

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> Sampler:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()


@contextmanager
def measured(jvm_pid: Callable[[], int | None]) -> Iterator[Measurement]:
    """``with measured(pid) as m:`` fills ``m`` with the block's wall time and peak memory."""
    result = Measurement()
    started = time.monotonic()
    with Sampler(jvm_pid) as sampler:
        yield result
    result.seconds = time.monotonic() - started
    result.python_peak_mb = sampler.python_peak / 2**20
    result.jvm_peak_mb = sampler.jvm_peak / 2**20
    result.load_average = os.getloadavg()[0]
