"""The walk corpus on disk: one walk per line, typed tokens (``u:123 a:456``), and a JSON sidecar.

The writer receives batches and never holds more than one; the file appears under its final name only
when the run completes (a crash or Ctrl-C leaves no half corpus that looks whole).

Lines are assembled as bytes with NumPy, not as Python strings: every token's UTF-8 bytes plus a separator
sit in one fixed-width table row, a batch gathers its rows, drops the padding and turns the separator after
each walk's last token into a newline. Joining Python strings cost about 250 ns per token (each token object
is a cache miss); the byte gather costs about 30 ns (docs/walks.md).
"""

from __future__ import annotations

import os
import queue
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
import numpy.typing as npt

from mp2v.common.files import read_json, write_json
from mp2v.errors import WalkError
from mp2v.graph.metapath import Metapath
from mp2v.walks.base import WalkBatch
from mp2v.walks.nodes import NodeTable


@dataclass
class TaskSummary:
    """What one metapath from one start label produced."""

    metapath: str
    start_label: str
    start_nodes: int
    #: Start-label nodes that cannot take the first hop: no walk starts there (reported, not hidden).
    isolated_start_nodes: int
    walks: int = 0
    steps: int = 0
    stopped_early: int = 0
    #: Early stops by the hop that had no edge to take: "hop 1 User-FOLLOWS->User" -> count.
    stopped_at_hop: dict[str, int] = field(default_factory=dict)
    #: Early stops by walk length in nodes: length -> count.
    stopped_at_length: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0
    #: The walk itself: query + streaming (or the in-memory walk) + writing the file, without the one-off
    #: projection / CSR export that the engine makes on its first call.
    walk_seconds: float = 0.0

    @property
    def early_share(self) -> float:
        return self.stopped_early / self.walks if self.walks else 0.0


def sidecar_path(corpus: Path) -> Path:
    return corpus.with_name(corpus.name + ".json")


class TokenBytes:
    """Each node row's token as UTF-8 bytes followed by a space, in a fixed-width table, for :meth:`lines`."""

    #: Tokens per gather: bounds the temporary (tokens x width bytes) array.
    CHUNK = 1 << 20

    def __init__(self, tokens: npt.NDArray[np.object_]) -> None:
        encoded = np.array([str(t).encode("utf-8") for t in tokens.tolist()], dtype=bytes)
        width = encoded.dtype.itemsize
        self.table = np.zeros((encoded.size, width + 1), dtype=np.uint8)
        if encoded.size:
            self.table[:, :width] = encoded.view(np.uint8).reshape(encoded.size, width)
        # numpy pads with NUL bytes; tokens never contain NUL, so the length is the first NUL's position.
        self.widths = np.char.str_len(encoded).astype(np.int64) + 1
        self.table[np.arange(encoded.size), self.widths - 1] = ord(" ")

    def lines(self, rows: npt.NDArray[np.int64], lengths: npt.NDArray[np.int64]) -> Iterator[bytes]:
        """The lines of walks whose node rows are ``rows`` (concatenated) as bytes, in chunks."""
        walk_ends = np.cumsum(lengths) - 1
        columns = np.arange(self.table.shape[1])
        for start in range(0, rows.size, self.CHUNK):
            chunk = rows[start:start + self.CHUNK]
            widths = self.widths[chunk]
            data = np.take(self.table, chunk, axis=0)[columns[None, :] < widths[:, None]]
            ends = walk_ends[(walk_ends >= start) & (walk_ends < start + chunk.size)] - start
            data[np.cumsum(widths)[ends] - 1] = ord("\n")
            yield data.tobytes()


class CorpusWriter:
    """Write walk batches as lines of tokens; count early stops per hop as they pass."""

    def __init__(self, path: Path, nodes: NodeTable, walk_length: int) -> None:
        self.path = path
        self.nodes = nodes
        self.walk_length = walk_length
        self._partial = path.with_name(f".{path.name}.partial")
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self._partial, "wb", buffering=1 << 20)  # noqa: SIM115
        self._bytes: TokenBytes | None = None
        self.walks = 0
        self.tokens = 0

    def write(self, batch: WalkBatch, summary: TaskSummary, metapath: Metapath) -> None:
        if batch.count:
            if self._bytes is None:
                self._bytes = TokenBytes(self.nodes.tokens)
            for chunk in self._bytes.lines(self.nodes.positions(batch.nodes), batch.lengths):
                self._file.write(chunk)
        self.walks += batch.count
        self.tokens += batch.steps
        summary.walks += batch.count
        summary.steps += batch.steps
        short = batch.lengths[batch.lengths < self.walk_length]
        if short.size:
            summary.stopped_early += int(short.size)
            for length, count in Counter(short.tolist()).items():
                summary.stopped_at_length[length] = summary.stopped_at_length.get(length, 0) + count
                position = (length - 1) % metapath.length
                key = f"hop {position + 1} {metapath.hops[position]}"
                summary.stopped_at_hop[key] = summary.stopped_at_hop.get(key, 0) + count

    def commit(self, sidecar: dict[str, Any]) -> None:
        """Close the file, move it to its final name, and write the sidecar next to it (atomically).

        The old sidecar goes first, so a crash between the two steps leaves a corpus without a sidecar (which
        :meth:`WalkCorpus.sidecar` reports) rather than a new corpus described by the old run's sidecar."""
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        sidecar_path(self.path).unlink(missing_ok=True)
        os.replace(self._partial, self.path)
        write_json(sidecar_path(self.path), sidecar)

    def abort(self) -> None:
        self._file.close()
        self._partial.unlink(missing_ok=True)


class BackgroundWrites:
    """Hands batches to :meth:`CorpusWriter.write` on a second thread, so that formatting and writing one
    batch overlaps with receiving the next (Bolt decoding holds the GIL; NumPy gathers and file writes release
    it). At most ``depth`` batches wait, so memory stays flat. A writer error surfaces in the producer at its
    next :meth:`put` or at exit; leaving the block early (an error, Ctrl-C) drops what is still queued.
    """

    _DONE = object()

    def __init__(self, writer: CorpusWriter, summary: TaskSummary, metapath: Metapath, depth: int = 2) -> None:
        self.writer, self.summary, self.metapath = writer, summary, metapath
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._work, name="corpus-writer", daemon=True)

    def __enter__(self) -> BackgroundWrites:
        self._thread.start()
        return self

    def put(self, batch: WalkBatch) -> None:
        while True:
            self._raise_error()
            try:
                self._queue.put(batch, timeout=0.1)
                return
            except queue.Full:
                continue

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if kind is not None:
            self._stop.set()
        while self._thread.is_alive():
            try:
                self._queue.put(self._DONE, timeout=0.1)
                break
            except queue.Full:
                continue
        self._thread.join()
        if kind is None:
            self._raise_error()

    def _raise_error(self) -> None:
        if self._error is not None:
            raise self._error

    def _work(self) -> None:
        while True:
            batch = self._queue.get()
            if batch is self._DONE:
                return
            if self._stop.is_set() or self._error is not None:
                continue  # drain without writing: the corpus is being aborted
            try:
                self.writer.write(batch, self.summary, self.metapath)
            except BaseException as error:  # handed to the producer thread
                self._error = error
            del batch



class WalkCorpus:
    """A restartable iterable over the walks of a corpus file (token lists), for gensim's iterable mode."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"no walk corpus at {self.path}: run `mp2v walk` first")

    def __iter__(self) -> Iterator[list[str]]:
        with open(self.path, encoding="utf-8") as lines:
            for line in lines:
                tokens = line.split()
                if tokens:
                    yield tokens

    def sidecar(self) -> dict[str, Any]:
        return read_json(sidecar_path(self.path), "the walk corpus sidecar", error=WalkError,
                         fix=f"delete {self.path.name} and its sidecar and run `mp2v walk` again")
