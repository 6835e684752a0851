"""``mp2v eges``, ``mp2v embed-item`` and ``mp2v recommend --items``: side
information and cold start (docs/coldstart.md; the study is ``mp2v study coldstart`` in studies.py)."""

from __future__ import annotations

import time
from typing import Any

import typer

from mp2v.cli.common import echo, one_line_errors, runner, settings
from mp2v.common.ids import parse_id
from mp2v.embeddings.side_vectors import SideVectors
from mp2v.embeddings.store import RunStore, StoredRun
from mp2v.errors import ConfigError
from mp2v.graph.model import GraphModel, read_model
from mp2v.models.eges import Aggregation
from mp2v.serving.vector_index import served_runs, slot_name


@one_line_errors
def eges_command(
    aggregation: Aggregation = typer.Option(Aggregation.ATTENTION, help="attention (EGES) or mean (GES)."),
    max_side: int = typer.Option(5, min=0, help="Side-information slots per item (its strongest features)."),
    walks_per_node: int = typer.Option(10), side_walks_per_node: int = typer.Option(5, min=0,
                                                                                   help="Item-feature-item walks."),
    walk_length: int = typer.Option(40), dimensions: int = typer.Option(128), window: int = typer.Option(3),
    epochs: int = typer.Option(5), workers: int = typer.Option(2), seed: int = typer.Option(42),
) -> None:
    """Train EGES on the loaded graph's walks (user and side-information metapaths) and store the run."""
    from mp2v.experiments.coldstart import train_graph_eges

    current = settings()
    with runner(current) as checked:
        stored = train_graph_eges(checked, RunStore(current.paths.runs), current.paths.home / "walks",
                                  aggregation=aggregation, max_side=max_side, walks_per_node=walks_per_node,
                                  side_walks_per_node=side_walks_per_node, walk_length=walk_length,
                                  dimensions=dimensions, window=window, epochs=epochs, workers=workers, seed=seed)
    echo(f"stored {stored.method} run {stored.run_id}: {stored.embeddings.item_ids.size:,} items, "
         f"{stored.embeddings.user_ids.size:,} users, {stored.metadata['corpus_walks']:,} walks, "
         f"trained in {stored.metadata['timings']['train']:.1f} s")


def _eges_run(store: RunStore, run: str | None, dataset: str) -> StoredRun:
    if run:
        return store.load(run)
    candidates = [r for r in store.list() if r.get("side_information") and r.get("dataset") == dataset]
    if not candidates:
        raise ConfigError(f"no EGES run of {dataset!r} in {store.root}: run `mp2v eges` first")
    return store.load(candidates[-1]["run_id"])


def _names(checked: Any, model: GraphModel, ids: list[Any]) -> dict[Any, str]:
    rows = checked.read("coldstart/item_names", {"ids": ids}, identifiers={"Item": model.item_label})
    return {row["id"]: row["name"] or "" for row in rows}


@one_line_errors
def embed_item_command(
    more: list[str] = typer.Argument(None, help="More side-information names, so that `--tags a b` reads both."),
    tags: list[str] = typer.Option(None, "--tags", help="Tag names (Last.fm); repeatable or several values."),
    categories: list[str] = typer.Option(None, "--categories", help="Category names or ids (KuaiRec)."),
    features: list[str] = typer.Option(None, "--features", help="Feature names or ids (generic CSV)."),
    k: int = typer.Option(10, "--k", min=1),
    run: str = typer.Option(None, help="EGES run id (default: the latest EGES run of the loaded dataset)."),
    write: str = typer.Option(None, "--write", help="Store the item under this id in Neo4j with its side "
                              "information and vectors (served slot of the run, if served)."),
    name: str = typer.Option(None, help="With --write: the item's name."),
) -> None:
    """Vector of an item known only by its side information: nearest items and the users it would reach."""
    from mp2v.serving.coldstart import embed_item, write_cold_item

    wanted = [*(tags or []), *(categories or []), *(features or []), *(more or [])]
    if not wanted:
        raise ConfigError("give the new item's side information: --tags, --categories or --features")
    current = settings()
    with runner(current) as checked:
        model = read_model(checked)
        stored = _eges_run(RunStore(current.paths.runs), run, model.dataset)
        side = SideVectors.load(stored.path)
        started = time.perf_counter()
        item = embed_item(stored, side, wanted, k)
        seconds = time.perf_counter() - started
        names = _names(checked, model, [i for i, _ in item.neighbours])
        written = ""
        if write:
            item_id = parse_id(write, model.id_type, what=f"{model.item_label} id")
            record = served_runs(checked).get(slot_name(stored.method))
            if record is None or record.get("run_id") != stored.run_id:
                raise ConfigError(f"run {stored.run_id} is not served: run `mp2v serve {stored.run_id}` first, "
                                  "then --write stores the item's vector in its slot")
            lookup = {str(n).casefold(): f for n, f in zip(side.feature_names.tolist(), side.feature_ids.tolist(),
                                                            strict=True)}
            feature_ids = [lookup[f.casefold()] for f in item.features]
            write_cold_item(checked, model, record, item_id, name or " / ".join(item.features), feature_ids,
                            item.vector)
            written = f"; stored as {model.item_label} {item_id} in slot {record['slot']}"
    if item.unknown:
        echo(f"not in run {stored.run_id} (ignored): {', '.join(item.unknown)}")
    echo(f"{model.item_label} from {', '.join(item.features)} ({stored.method} run {stored.run_id}, "
         f"{seconds * 1000:.1f} ms{written})")
    echo(f"nearest {model.item_label.lower()}s:")
    for rank, (item_id, score) in enumerate(item.neighbours, start=1):
        echo(f"{rank:>3}. {item_id!s:>8}  {score:6.3f}  {names.get(item_id, '')}")
    echo(f"{model.user_label.lower()}s it would reach: "
         + ", ".join(f"{user} ({score:.2f})" for user, score in item.users))


def recommend_items(items: str, k: int, run: str | None) -> None:
    """``mp2v recommend --items a,b,c``: fold a new user in from a stored run (no retraining)."""
    from mp2v.serving.coldstart import recommend_for_items

    current = settings()
    with runner(current) as checked:
        model = read_model(checked)
        ids = [parse_id(part, model.id_type, what=f"{model.item_label} id") for part in items.split(",") if part]
        if not ids:
            raise ConfigError("give a user id, or --items a,b,c for a user who is not in the graph")
        store = RunStore(current.paths.runs)
        served = served_runs(checked)
        chosen = run or (served.get("r_mp2v") or next(iter(served.values()), {})).get("run_id")
        stored = store.load(chosen) if chosen else store.latest("R-MP2V", model.dataset)
        started = time.perf_counter()
        rows, unknown = recommend_for_items(stored.embeddings, ids, k)
        seconds = time.perf_counter() - started
        names = _names(checked, model, [i for i, _ in rows])
    if unknown:
        echo(f"no vector in run {stored.run_id} (ignored): {', '.join(map(str, unknown))}")
    echo(f"{stored.method} fold-in for a new user with {len(ids) - len(unknown)} items ({seconds * 1000:.1f} ms):")
    for rank, (item_id, score) in enumerate(rows, start=1):
        echo(f"{rank:>3}. {item_id!s:>8}  {score:8.3f}  {names.get(item_id, '')}")
