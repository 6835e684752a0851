"""``read_interactions`` gathers per-user records (items and signals as lists) in NumPy chunks into the same
users x items CSR, with sorted id axes, whatever the chunking and the id type."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import pytest

from mp2v.errors import EvaluationError
from mp2v.experiments.protocols import read_interactions
from mp2v.graph.model import GraphModel

PER_USER = [(30, [7, 5], [2.0, 1.0]), (10, [5], [4.0]), (20, [9, 7, 5], [1.0, 3.0, 6.0])]


class StreamingRunner:
    """Streams the per-user rows of ``eval/interactions`` in batches of ``batch_size`` users."""

    def __init__(self, rows: list[tuple[Any, list[Any], list[float]]]) -> None:
        self.rows = rows
        self.batches = 0

    def stream(self, name: str, params: Mapping[str, Any] | None = None, *,
               identifiers: Mapping[str, str] | None = None, batch_size: int = 10_000) -> Iterator[list[Any]]:
        if name != "eval/interactions":
            raise AssertionError(f"unexpected query {name}")
        for start in range(0, len(self.rows), batch_size):
            self.batches += 1
            yield self.rows[start:start + batch_size]


@pytest.mark.parametrize("chunk", [1, 2, 10])
def test_chunks_make_one_sorted_matrix(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("mp2v.experiments.protocols.READ_USERS_PER_CHUNK", chunk)
    runner = StreamingRunner(PER_USER)
    table = read_interactions(runner, GraphModel(dataset="t"))  # type: ignore[arg-type]
    assert runner.batches == -(-len(PER_USER) // chunk)
    assert table.user_ids.tolist() == [10, 20, 30] and table.item_ids.tolist() == [5, 7, 9]
    assert table.matrix.toarray().tolist() == [[4.0, 0.0, 0.0], [6.0, 3.0, 1.0], [1.0, 2.0, 0.0]]
    assert table.matrix.dtype == np.float32 and table.matrix.has_canonical_format


def test_string_ids_of_different_lengths_and_an_empty_graph() -> None:
    rows = [("u-long-name", ["b"], [1.0]), ("u1", ["a", "ccc"], [2.0, 5.0])]
    table = read_interactions(StreamingRunner(rows), GraphModel(dataset="t"))  # type: ignore[arg-type]
    assert table.user_ids.tolist() == ["u-long-name", "u1"] and table.item_ids.tolist() == ["a", "b", "ccc"]
    assert table.matrix.toarray().tolist() == [[0.0, 1.0, 0.0], [2.0, 0.0, 5.0]]
    with pytest.raises(EvaluationError, match="no .* interactions to evaluate on"):
        read_interactions(StreamingRunner([]), GraphModel(dataset="t"))  # type: ignore[arg-type]
