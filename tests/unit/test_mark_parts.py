"""mark_parts writes each part's interactions on the split's own property once, in the graph's ids."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import scipy.sparse as sp

from mp2v.experiments.protocols import mark_parts
from mp2v.graph.model import GraphModel
from tests.fakes import FakeRunner

USERS = np.array([10, 20, 30])
ITEMS = np.array(["a", "b", "c", "d"])
PARTS = {"test": sp.csr_matrix(np.array([[1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 0, 0]], np.float32)),
         "inner": sp.csr_matrix(np.array([[0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 1, 0]], np.float32))}


def _runner(present: list[dict[str, Any]], written: list[dict[str, Any]]) -> FakeRunner:
    def write(params: Mapping[str, Any], _: Mapping[str, str]) -> list[dict[str, Any]]:
        written.extend({**row, "property": params["property"]} for row in params["rows"])
        return []

    return FakeRunner({"eval/holdout_counts": lambda *_: present, "eval/mark_holdout": write})


def test_each_part_is_written_with_the_graph_s_ids_on_the_given_property() -> None:
    written: list[dict[str, Any]] = []
    runner = _runner([], written)
    mark_parts(runner, GraphModel(dataset="toy"), USERS, ITEMS, "holdout_x", PARTS)  # type: ignore[arg-type]
    assert sorted((r["user"], r["item"], r["split"]) for r in written) == [
        (10, "a", "test"), (10, "b", "inner"), (20, "d", "test"), (30, "c", "inner")]
    assert {r["property"] for r in written} == {"holdout_x"}
    assert all(type(r["user"]) is int for r in written)  # numpy scalars become plain values for the driver
    model = GraphModel(dataset="toy")
    assert runner.calls[0][2] == {"User": model.user_label, "Interaction": model.interaction_type,
                                  "Item": model.item_label}


def test_a_complete_marking_is_not_written_again() -> None:
    written: list[dict[str, Any]] = []
    complete = [{"split": "test", "count": 2}, {"split": "inner", "count": 2}]
    mark_parts(_runner(complete, written), GraphModel(dataset="toy"), USERS, ITEMS, "holdout_x",  # type: ignore[arg-type]
               PARTS)
    assert written == []
    partial = [{"split": "test", "count": 2}]  # a run stopped half-way: everything is written (idempotent)
    mark_parts(_runner(partial, written), GraphModel(dataset="toy"), USERS, ITEMS, "holdout_x",  # type: ignore[arg-type]
               PARTS)
    assert len(written) == 4
