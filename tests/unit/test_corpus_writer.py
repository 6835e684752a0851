"""The corpus writer: typed tokens per line, early-stop counts, and writing on a second thread."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mp2v.graph.metapath import parse_metapath
from mp2v.walks.base import WalkBatch
from mp2v.walks.corpus import BackgroundWrites, CorpusWriter, TaskSummary, WalkCorpus
from mp2v.walks.nodes import NodeTable

METAPATH = parse_metapath("User-LISTENED->Artist<-LISTENED-User")


def node_table() -> NodeTable:
    # internal ids 10, 11 are users 1 and 2; 20, 21 are artists 7 and 8
    return NodeTable(internal_ids=np.array([10, 11, 20, 21]),
                     tokens=np.array(["u:1", "u:2", "a:7", "a:8"], dtype=object),
                     labels=np.array([0, 0, 1, 1], dtype=np.int8), label_names=("User", "Artist"))


def batches(count: int) -> list[WalkBatch]:
    """``count`` batches of two walks: one full (5 nodes), one stopped after its first hop."""
    return [WalkBatch(nodes=np.array([10, 20, 11, 21, 10, 11, 21]), lengths=np.array([5, 2]))
            for _ in range(count)]


def summary() -> TaskSummary:
    return TaskSummary(str(METAPATH), "User", start_nodes=2, isolated_start_nodes=0)


def test_lines_keep_types_and_order(tmp_path: Path) -> None:
    writer = CorpusWriter(tmp_path / "walks.txt", node_table(), walk_length=5)
    task = summary()
    with BackgroundWrites(writer, task, METAPATH, depth=1) as writes:
        for batch in batches(50):
            writes.put(batch)
    writer.commit({"test": True})
    lines = (tmp_path / "walks.txt").read_text().splitlines()
    assert lines[:2] == ["u:1 a:7 u:2 a:8 u:1", "u:2 a:8"]
    assert len(lines) == 100 and lines[-2:] == lines[:2]
    assert list(WalkCorpus(tmp_path / "walks.txt"))[1] == ["u:2", "a:8"]
    assert (task.walks, task.steps, task.stopped_early) == (100, 350, 50)
    assert task.stopped_at_hop == {"hop 2 Artist<-LISTENED-User": 50}


def test_a_writer_error_reaches_the_producer_and_nothing_is_committed(tmp_path: Path) -> None:
    writer = CorpusWriter(tmp_path / "walks.txt", node_table(), walk_length=5)
    unknown = WalkBatch(nodes=np.array([999]), lengths=np.array([1]))  # not in the node table
    with pytest.raises(KeyError, match="999"), BackgroundWrites(writer, summary(), METAPATH) as writes:
        writes.put(unknown)
        for batch in batches(1_000):  # the error must stop the producer, not be swallowed
            writes.put(batch)
    writer.abort()
    assert not (tmp_path / "walks.txt").exists()
    assert not list(tmp_path.iterdir())


def test_leaving_early_drops_the_queue_without_hanging(tmp_path: Path) -> None:
    writer = CorpusWriter(tmp_path / "walks.txt", node_table(), walk_length=5)
    with pytest.raises(KeyboardInterrupt), BackgroundWrites(writer, summary(), METAPATH, depth=1) as writes:
        for batch in batches(3):
            writes.put(batch)
        raise KeyboardInterrupt
    writer.abort()
    assert not list(tmp_path.iterdir())
