"""The transactional path: a plan written in batches through the query runner, nodes before relationships.

Every batch is one managed transaction (``UNWIND $rows`` + ``MERGE`` on constrained ids, properties SET with
``=``), so a batch is either fully in or not at all, a re-run changes nothing, and an interrupted load
completes on re-run with the same counts. Measured choices (docs/loading.md): positional list rows, a fixed
SET per relationship shape, 10 k-row batches, two writer sessions on disjoint start nodes with each batch
sorted by end node (no deadlocks), MERGE also for first loads (CREATE was not faster).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from loaders.plan import GraphPlan, NodeSet, RelationshipSet
from loaders.schema import prepare_database
from mp2v.db.runner import QueryRunner
from mp2v.errors import ConfigError

#: Called after each committed batch with (label or type, rows written so far). Tests raise here to
#: simulate a crash part-way through a load.
BatchHook = Callable[[str, int], None]


@dataclass(frozen=True)
class WriteOptions:
    batch_size: int = 10_000
    #: Concurrent writer sessions: for nodes, and for relationships between two labels (User->Video).
    writers: int = 2
    progress: bool = True
    after_batch: BatchHook | None = None

    def __post_init__(self) -> None:
        if self.batch_size < 1 or self.writers < 1:
            raise ConfigError("--batch-size and the number of writers must be at least 1")


@dataclass(frozen=True)
class StepResult:
    """One node label or relationship type written."""

    name: str
    kind: str  # "nodes" | "relationships"
    rows: int
    created: int
    seconds: float
    #: Side-information relationships the files no longer list, deleted by a re-load.
    deleted: int = 0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else float("inf")


@dataclass
class WriteResult:
    steps: list[StepResult] = field(default_factory=list)
    schema_seconds: float = 0.0

    @property
    def seconds(self) -> float:
        return self.schema_seconds + sum(step.seconds for step in self.steps)

    def created(self, kind: str) -> dict[str, int]:
        return {step.name: step.created for step in self.steps if step.kind == kind}


def write_plan(runner: QueryRunner, plan: GraphPlan, options: WriteOptions = WriteOptions()) -> WriteResult:
    """Schema and :Dataset node first, then every node set, then every relationship set."""
    started = time.perf_counter()
    prepare_database(runner, plan.model, plan.structural_options)
    result = WriteResult(schema_seconds=time.perf_counter() - started)
    for nodes in plan.nodes:
        result.steps.append(write_nodes(runner, nodes, options))
    for relationships in plan.relationships:
        step = write_relationships(runner, relationships, options)
        if relationships.replace_for is not None:
            step = prune_relationships(runner, relationships, options, step)
        result.steps.append(step)
    return result


def prune_relationships(runner: QueryRunner, rels: RelationshipSet, options: WriteOptions,
                        step: StepResult) -> StepResult:
    """After merging side information, delete the relationships of ``rels.replace_for`` that the file no
    longer lists (batches of items, one session: each item's edges are touched by one batch only)."""
    started = time.perf_counter()
    listed = rels.listed_ends()
    identifiers = {"Start": rels.start_label, "End": rels.end_label, "Type": rels.type}
    deleted = 0
    for batch in _batches(listed, options.batch_size):
        rows = [[_plain(start), [_plain(end) for end in ends]]
                for start, ends in zip(batch["start"].tolist(), batch["ends"].tolist(), strict=True)]
        _, counters = runner.write("load/prune_links", {"rows": rows}, identifiers=identifiers)
        deleted += counters.relationships_deleted
    return replace(step, deleted=deleted, seconds=step.seconds + time.perf_counter() - started)


def write_nodes(runner: QueryRunner, nodes: NodeSet, options: WriteOptions) -> StepResult:
    frame = nodes.frame.sort_values("id", kind="stable")
    properties = nodes.properties
    if properties:
        def params(batch: pd.DataFrame) -> dict[str, Any]:
            values = _columns(batch)
            return {"rows": [[key, dict(zip(properties, rest, strict=True))]
                             for key, *rest in zip(*values, strict=True)]}
        query = "load/merge_nodes"
    else:
        def params(batch: pd.DataFrame) -> dict[str, Any]:
            return {"ids": batch["id"].tolist()}
        query = "load/merge_node_ids"
    # Each writer MERGEs its own ids: no two sessions ever touch the same node.
    lanes = [list(_batches(frame.iloc[lane::options.writers], options.batch_size)) for lane in range(options.writers)]
    return _run_batches(runner, query, {"Label": nodes.label}, lanes, params, nodes.label, "nodes", options)


def write_relationships(runner: QueryRunner, rels: RelationshipSet, options: WriteOptions) -> StepResult:
    # Two writers deadlock-free only if they never lock each other's start nodes: not for User->User.
    writers = options.writers if rels.start_label != rels.end_label else 1

    def params(batch: pd.DataFrame) -> dict[str, Any]:
        return {"rows": [list(row) for row in zip(*_columns(batch), strict=True)]}

    identifiers = {"Start": rels.start_label, "End": rels.end_label, "Type": rels.type}
    return _run_batches(runner, f"load/{rels.query}", identifiers, _lanes(rels.frame, writers, options.batch_size),
                        params, rels.type, "relationships", options)


def _lanes(frame: pd.DataFrame, writers: int, size: int) -> list[list[pd.DataFrame]]:
    """Batches per writer: disjoint start nodes per writer (whole start nodes per batch, the same batches on
    every run); with several writers each batch is sorted by end node, so shared end nodes (popular items)
    are locked in ascending order by every writer and no lock cycle (deadlock) can form."""
    frame = frame.sort_values(["start", "end"], kind="stable")
    if writers == 1:
        return [list(_batches(frame, size))]
    codes = pd.factorize(frame["start"], sort=True)[0] % writers
    return [[batch.sort_values(["end", "start"], kind="stable") for batch in _batches(frame[codes == lane], size)]
            for lane in range(writers)]


def _run_batches(
    runner: QueryRunner, query: str, identifiers: dict[str, str], lanes: list[list[pd.DataFrame]],
    params: Callable[[pd.DataFrame], dict[str, Any]], name: str, kind: str, options: WriteOptions,
) -> StepResult:
    """Write every lane's batches, lanes in parallel sessions; the first error stops all lanes."""
    started = time.perf_counter()
    total = sum(len(batch) for lane in lanes for batch in lane)
    tally = {"created": 0, "done": 0}
    lock = threading.Lock()
    stop = threading.Event()
    with tqdm(total=total, desc=f"{name:<14}", unit=" rows", unit_scale=True, file=sys.stderr,
              disable=not options.progress, leave=True, dynamic_ncols=True) as bar:

        def write_lane(batches: list[pd.DataFrame]) -> None:
            for batch in batches:
                if stop.is_set():
                    return
                try:
                    _, counters = runner.write(query, params(batch), identifiers=identifiers)
                    with lock:
                        tally["created"] += (counters.nodes_created if kind == "nodes"
                                             else counters.relationships_created)
                        tally["done"] += len(batch)
                        bar.update(len(batch))
                        if options.after_batch is not None:
                            options.after_batch(name, tally["done"])
                except BaseException:
                    stop.set()
                    raise

        if len(lanes) == 1:
            write_lane(lanes[0])
        else:
            with ThreadPoolExecutor(max_workers=len(lanes), thread_name_prefix="mp2v-writer") as pool:
                futures = [pool.submit(write_lane, lane) for lane in lanes]
                try:
                    for future in as_completed(futures):
                        future.result()
                finally:
                    stop.set()  # on an error or Ctrl-C: the other lane ends after its current batch
    return StepResult(name, kind, total, tally["created"], time.perf_counter() - started)


def _batches(frame: pd.DataFrame, size: int) -> Iterator[pd.DataFrame]:
    for offset in range(0, len(frame), size):
        yield frame.iloc[offset:offset + size]


def _columns(batch: pd.DataFrame) -> list[list[Any]]:
    """Each column as a list of plain Python values, missing values as None (the driver sends null)."""
    columns: list[list[Any]] = []
    for name in batch.columns:
        series = batch[name]
        numpy_dtype = isinstance(series.dtype, np.dtype)  # nullable Int64 / str are extension dtypes
        if numpy_dtype and series.dtype.kind in "iub":
            columns.append(series.to_numpy().tolist())
        elif numpy_dtype and series.dtype.kind == "f":
            values = series.to_numpy()
            missing = np.isnan(values)
            listed = values.tolist()
            if missing.any():
                for index in np.flatnonzero(missing):
                    listed[index] = None
            columns.append(listed)
        else:  # object, str and nullable extension dtypes
            columns.append([None if pd.isna(v) else _plain(v) for v in series.tolist()])
    return columns


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
