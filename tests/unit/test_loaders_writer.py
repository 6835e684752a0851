"""The transactional writer against a fake runner: order of writes, writer lanes, the interruption hook."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pytest

from loaders.plan import GraphPlan, NodeSet, RelationshipSet
from loaders.writer import WriteOptions, _lanes, write_plan
from mp2v.graph.model import GraphModel


@dataclass
class Counters:
    nodes_created: int = 0
    relationships_created: int = 0
    relationships_deleted: int = 0


@dataclass
class FakeRunner:
    """Records every named query; creates what it is asked to create."""

    calls: list[tuple[str, dict[str, str], int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: The rows of every prune batch, and how many relationships each deletes ("stored" but not listed).
    pruned: list[list[Any]] = field(default_factory=list)
    stored: dict[Any, set[Any]] = field(default_factory=dict)

    def read(self, name: str, params: Any = None, *, identifiers: Any = None) -> list[dict[str, Any]]:
        return []

    def write(self, name: str, params: Any = None, *, identifiers: Any = None) -> tuple[list[Any], Counters]:
        rows = len((params or {}).get("rows", (params or {}).get("ids", [])))
        with self.lock:
            self.calls.append((name, dict(identifiers or {}), rows))
        if name.startswith("load/merge_node"):
            return [], Counters(nodes_created=rows)
        if name == "load/prune_links":
            batch = params["rows"]
            self.pruned.append(batch)
            gone = sum(len(self.stored.get(start, set()) - set(ends)) for start, ends in batch)
            return [], Counters(relationships_deleted=gone)
        return [], Counters(relationships_created=rows)

    def run_autocommit(self, name: str, params: Any = None, *, identifiers: Any = None) -> tuple[list[Any], Counters]:
        return self.write(name, params, identifiers=identifiers)


def _plan() -> GraphPlan:
    rng = np.random.default_rng(0)
    edges = pd.DataFrame({"start": rng.integers(0, 50, 400), "end": rng.integers(0, 30, 400)}).drop_duplicates()
    follows = pd.DataFrame({"start": [1, 2, 3], "end": [2, 3, 1]})
    return GraphPlan(
        model=GraphModel(dataset="fake", item_label="Video", interaction_type="WATCHED"),
        nodes=[NodeSet("User", pd.DataFrame({"id": np.arange(50)})),
               NodeSet("Video", pd.DataFrame({"id": np.arange(30), "name": [f"v{i}" for i in range(30)]}))],
        relationships=[RelationshipSet("WATCHED", "User", "Video", edges.reset_index(drop=True)),
                       RelationshipSet("FOLLOWS", "User", "User", follows)],
    )


def test_schema_then_nodes_then_relationships() -> None:
    runner = FakeRunner()
    plan = _plan()
    result = write_plan(runner, plan, WriteOptions(batch_size=32, progress=False))  # type: ignore[arg-type]
    names = [name for name, _, _ in runner.calls]
    first_node = names.index(next(n for n in names if n.startswith("load/merge_node")))
    first_rel = names.index("load/merge_links")
    assert names[0] == "load/constraint_dataset" and "model/write_dataset" in names[:first_node]
    assert max(i for i, n in enumerate(names) if n.startswith("load/merge_node")) < first_rel
    assert result.created("nodes") == {"User": 50, "Video": 30}
    assert result.created("relationships") == {"WATCHED": len(plan.relationships[0]), "FOLLOWS": 3}


def test_lanes_split_start_nodes_and_sort_batches_by_end_node() -> None:
    frame = _plan().relationships[0].frame
    lanes = _lanes(frame, writers=2, size=40)
    starts = [set(pd.concat(lane)["start"]) for lane in lanes]
    assert not starts[0] & starts[1] and len(pd.concat([pd.concat(lane) for lane in lanes])) == len(frame)
    for lane in lanes:
        for batch in lane:
            assert batch["end"].is_monotonic_increasing  # shared end nodes locked in one global order


def test_hook_error_stops_every_lane() -> None:
    runner = FakeRunner()

    class Crash(Exception):
        pass

    def crash(name: str, done: int) -> None:
        if name == "WATCHED" and done >= 64:
            raise Crash

    with pytest.raises(Crash):
        write_plan(runner, _plan(), WriteOptions(batch_size=32, progress=False, after_batch=crash))  # type: ignore[arg-type]
    watched = [rows for name, ids, rows in runner.calls if ids.get("Type") == "WATCHED"]
    assert 64 <= sum(watched) <= 96 and not any(ids.get("Type") == "FOLLOWS" for _, ids, _ in runner.calls)


def test_side_information_is_pruned_to_the_file_for_the_items_it_describes() -> None:
    # Stored before the re-load: item a -> {x, y}, b -> {x}, c -> {z}. The file now lists a -> x only, b with
    # an empty list, and does not describe c at all.
    runner = FakeRunner(stored={"a": {"x", "y"}, "b": {"x"}, "c": {"z"}})
    features = RelationshipSet("HAS_FEATURE", "Item", "Feature", pd.DataFrame({"start": ["a"], "end": ["x"]}),
                               replace_for=np.array(["a", "b", "a"], dtype=object))
    plan = GraphPlan(model=GraphModel(dataset="fake", item_label="Item", interaction_type="INTERACTED"),
                     nodes=[], relationships=[features,
                                              RelationshipSet("FOLLOWS", "User", "User",
                                                              pd.DataFrame({"start": [1], "end": [2]}))])
    result = write_plan(runner, plan, WriteOptions(batch_size=1, progress=False))  # type: ignore[arg-type]
    names = [name for name, _, _ in runner.calls]
    assert names.index("load/prune_links") > names.index("load/merge_links")  # merged first, then pruned
    assert [row for batch in runner.pruned for row in batch] == [["a", ["x"]], ["b", []]]  # c untouched
    assert len(runner.pruned) == 2  # batch_size 1: one item per transaction
    steps = {step.name: step for step in result.steps}
    assert steps["HAS_FEATURE"].deleted == 2 and steps["FOLLOWS"].deleted == 0  # a -> y and b -> x
    assert sum(ids.get("Type") == "FOLLOWS" and name == "load/prune_links" for name, ids, _ in runner.calls) == 0


def test_listed_ends_keeps_integer_ids_and_items_without_entries() -> None:
    rels = RelationshipSet("IN_CATEGORY", "Video", "Category",
                           pd.DataFrame({"start": np.array([3, 3, 5]), "end": np.array([1, 2, 1])}),
                           replace_for=np.array([5, 3, 9]))
    listed = rels.listed_ends()
    assert listed["start"].tolist() == [5, 3, 9]
    assert [sorted(ends) for ends in listed["ends"]] == [[1], [1, 2], []]
