"""The vectorised CSR walker without a server: schedules, dead ends, and transition laws."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import chisquare

from mp2v.graph.metapath import Hop
from mp2v.walks.base import WalkBatch
from mp2v.walks.csr import hop_csr
from mp2v.walks.memory_engine import walk_rows
from mp2v.walks.nodes import NodeTable

# Internal ids 100..105: users 100, 101, 102; videos 103, 104, 105.
NODES = NodeTable(
    internal_ids=np.arange(100, 106, dtype=np.int64),
    tokens=np.array(["u:1", "u:2", "u:3", "v:10", "v:11", "v:12"], dtype=object),
    labels=np.array([0, 0, 0, 1, 1, 1], dtype=np.int8),
    label_names=("User", "Video"),
)
# u:1 watched v:10, v:11, v:12 with weights 1, 2, 5; u:2 watched v:10; u:3 watched nothing.
EDGES = (np.array([100, 100, 100, 101]), np.array([103, 104, 105, 103]), np.array([1.0, 2.0, 5.0, 1.0]))
WATCH = Hop("User", "WATCHED", "OUT", "Video")
WATCHED_BY = Hop("Video", "WATCHED", "IN", "User")


def _walk(starts: list[int], length: int, weighted: bool, seed: int = 0, return_weight: float = 1.0) -> WalkBatch:
    hops = [hop_csr(NODES, WATCH, EDGES), hop_csr(NODES, WATCHED_BY, EDGES)]
    rows = NODES.positions(np.array(starts, dtype=np.int64))
    return walk_rows(hops, rows, length, weighted, np.random.default_rng(seed), NODES.internal_ids, return_weight)


def test_schedule_alternates_and_uses_real_edges() -> None:
    batch = _walk([100, 101] * 50, 9, weighted=True)
    edges = set(zip(EDGES[0].tolist(), EDGES[1].tolist(), strict=True))
    for walk in batch.walks():
        labels = NODES.label_of(walk)
        assert labels.tolist() == [0, 1] * (len(walk) // 2) + [0] * (len(walk) % 2)
        for step, (a, b) in enumerate(zip(walk[:-1], walk[1:], strict=True)):
            assert ((a, b) if step % 2 == 0 else (b, a)) in edges


def test_dead_end_stops_the_walk() -> None:
    batch = _walk([102, 100], 7, weighted=False)
    assert batch.lengths.tolist() == [1, 7]


@pytest.mark.parametrize(("weighted", "law", "other"), [
    (True, [1 / 8, 2 / 8, 5 / 8], [1 / 3] * 3),
    (False, [1 / 3] * 3, [1 / 8, 2 / 8, 5 / 8]),
])
def test_first_step_frequencies(weighted: bool, law: list[float], other: list[float]) -> None:
    batch = _walk([100] * 6000, 2, weighted=weighted, seed=7)
    counts = np.bincount(batch.nodes[1::2] - 103, minlength=3)
    assert chisquare(counts, np.array(law) * 6000).pvalue > 1e-3
    assert chisquare(counts, np.array(other) * 6000).pvalue < 1e-12


def test_zero_weight_edges_are_never_taken_and_all_zero_is_a_dead_end() -> None:
    edges = (EDGES[0], EDGES[1], np.array([0.0, 3.0, 0.0, 0.0]))
    hops = [hop_csr(NODES, WATCH, edges), hop_csr(NODES, WATCHED_BY, edges)]
    rows = NODES.positions(np.array([100] * 500 + [101], dtype=np.int64))
    batch = walk_rows(hops, rows, 2, True, np.random.default_rng(1), NODES.internal_ids)
    assert set(batch.nodes[:1000:2].tolist()) == {100} and set(batch.nodes[1:1000:2].tolist()) == {104}
    assert batch.lengths[-1] == 1


def _third_steps_after(batch: WalkBatch, first: int) -> np.ndarray:
    """Counts of v:10, v:11, v:12 at step 3 of the length-4 walks whose first step went to ``first``."""
    walks = batch.nodes.reshape(-1, 4)
    return np.bincount(walks[walks[:, 1] == first, 3] - 103, minlength=3)


@pytest.mark.parametrize(("return_weight", "law"), [
    # u:1 -> v:12 -> u:1 (v:12's only listener), then weights 1, 2, 5 with v:12's scaled by the return weight.
    (0.0, [1 / 3, 2 / 3, 0.0]),
    (0.5, [1 / 5.5, 2 / 5.5, 2.5 / 5.5]),
    (1.0, [1 / 8, 2 / 8, 5 / 8]),
])
def test_the_return_weight_scales_the_step_back(return_weight: float, law: list[float]) -> None:
    batch = _walk([100] * 12_000, 4, weighted=True, seed=3, return_weight=return_weight)
    counts = _third_steps_after(batch, 105)
    expected = np.array(law) * counts.sum()
    if return_weight == 0.0:
        # Sixteen redraws of a 5/8 step back leave (5/8)^16 = 5e-4 of them: at most a few of ~7,500.
        assert counts[2] <= 0.002 * counts.sum()
        counts, expected = counts[:2], np.array(law[:2]) * counts[:2].sum()
    assert chisquare(counts, expected).pvalue > 1e-3


def test_a_node_with_one_way_on_steps_back_and_the_walk_goes_on() -> None:
    # v:11 has one listener, u:1: with return weight 0 the walk still returns to u:1 and continues.
    batch = _walk([100] * 3000, 5, weighted=False, seed=5, return_weight=0.0)
    walks = batch.nodes.reshape(-1, 5)
    assert batch.lengths.tolist() == [5] * 3000
    through_v11 = walks[walks[:, 1] == 104]
    assert through_v11.size and set(through_v11[:, 2].tolist()) == {100}
    # From v:10 (listeners u:1 and u:2) a walker never goes back to u:1 when u:2 is there.
    through_v10 = walks[walks[:, 1] == 103]
    assert set(through_v10[:, 2].tolist()) == {101}

