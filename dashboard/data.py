"""Cached reads of the graph, through the project's QueryRunner, for the dashboard views.

Streamlit reruns the whole script on every click, so everything that does not change between clicks is
cached: the runner (one driver per connection; the runner opens a short session per query and none is ever
cached) with ``st.cache_resource``, query results with ``st.cache_data``. Cached reads are keyed by the
server URI and the dataset name, so two servers or a reloaded dataset never share entries; the runner
argument itself is not hashed (the leading underscore).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from mp2v.common import ids
from mp2v.config import Neo4jSettings
from mp2v.db.check import connect
from mp2v.db.runner import QueryRunner
from mp2v.errors import ConfigError, ConnectionCheckError, DatabaseUnavailableError
from mp2v.graph.model import GraphModel, read_model
from mp2v.types import EntityId, IdType

#: Driver errors that mean "the server went away" after the runner was cached.
#: The runner turns a lost connection into DatabaseUnavailableError (mp2v/db/faults.py).
LOST_CONNECTION = (DatabaseUnavailableError, OSError)
#: Features shown per item (tags, categories).
TOP_FEATURES = 3


@dataclass(frozen=True)
class Graph:
    """The connection and the dataset model, or why the graph cannot be read."""

    runner: QueryRunner | None
    model: GraphModel | None
    problem: str | None

    @property
    def key(self) -> str:
        """Cache key of the data: the server and the dataset it holds."""
        uri = self.runner.settings.uri if self.runner else "-"
        return f"{uri}|{self.model.dataset if self.model else '-'}"


def _close(runner: QueryRunner) -> None:
    runner.close()


@st.cache_resource(show_spinner=False, on_release=_close)
def _runner(uri: str, username: str, password: str, database: str, local: bool) -> QueryRunner:
    # connect() runs the startup check once; a failure raises and is not cached, so a later rerun retries.
    return connect(Neo4jSettings(uri, username, password, database, local))


@st.cache_data(show_spinner=False)
def _model(_runner: QueryRunner, uri: str) -> GraphModel:
    return read_model(_runner)


def open_graph(settings: Neo4jSettings) -> Graph:
    """The cached runner and model; a one-line ``problem`` instead of an exception when unusable."""
    try:
        runner = _runner(settings.uri, settings.username, settings.password, settings.database, settings.local)
    except ConnectionCheckError as error:
        return Graph(None, None, str(error))
    try:
        return Graph(runner, _model(runner, settings.uri), None)
    except ConfigError as error:
        return Graph(runner, None, str(error))
    except LOST_CONNECTION:
        forget_connection()
        return Graph(None, None, f"Neo4j is not reachable at {settings.uri}: check that the server runs")


def forget_connection() -> None:
    """Drop the cached runner (its driver is closed) so the next rerun connects again."""
    _runner.clear()
    _model.clear()


def identifiers(model: GraphModel) -> dict[str, str]:
    """Label / type placeholders of the dashboard's Cypher, filled from the dataset's own names."""
    names = {"User": model.user_label, "Item": model.item_label, "Interaction": model.interaction_type,
             "Follows": model.follow_type}
    if model.feature_label and model.feature_type:
        names |= {"Feature": model.feature_label, "FeatureType": model.feature_type}
    return names


def _read(graph: Graph, name: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    if graph.runner is None or graph.model is None:
        raise RuntimeError(f"dashboard/{name} needs the graph: {graph.problem}")
    return graph.runner.read(f"dashboard/{name}", params, identifiers=identifiers(graph.model))


# The two whole-graph tables are shared read-only (cache_resource): st.cache_data would hand every rerun a
# fresh copy of ~20k rows. Callers never modify them.
@st.cache_resource(show_spinner="Reading users ...", max_entries=4)
def users(_graph: Graph, key: str) -> pd.DataFrame:
    """Every user: id, items, friends; indexed by id."""
    frame = pd.DataFrame(_read(_graph, "users"), columns=["id", "items", "friends"])
    return frame.set_axis(frame["id"].to_numpy(), axis="index")


@st.cache_resource(show_spinner="Reading the catalogue ...", max_entries=4)
def catalogue(_graph: Graph, key: str) -> pd.DataFrame:
    """Every item: id, name (or '<Label> <id>' when the dataset has none), users, features (text), top feature."""
    assert _graph.model is not None
    frame = pd.DataFrame(_read(_graph, "items"), columns=["id", "name", "users"])
    frame = frame.set_axis(frame["id"].to_numpy(), axis="index")
    missing = frame["name"].isna()
    frame.loc[missing, "name"] = [f"{_graph.model.item_label} {i}" for i in frame.index[missing]]
    features: dict[Any, list[str]] = {}
    if _graph.model.feature_type:
        features = {row["id"]: row["features"] for row in _read(_graph, "item_features", {"top": TOP_FEATURES})}
    frame["features"] = [", ".join(features.get(i, [])) for i in frame.index]
    frame["top_feature"] = [(features.get(i) or ["(none)"])[0] for i in frame.index]
    return frame.sort_values(["users", "id"], ascending=[False, True])


@st.cache_resource(show_spinner=False, max_entries=4)
def item_names(_graph: Graph, key: str) -> dict[Any, str]:
    """Item id -> display name (what the graph drawing and the projection label points with)."""
    return catalogue(_graph, key)["name"].to_dict()


@st.cache_resource(show_spinner=False, max_entries=4)
def item_top_feature(_graph: Graph, key: str) -> dict[Any, str]:
    """Item id -> its strongest tag / category ('(none)' when it has none)."""
    return catalogue(_graph, key)["top_feature"].to_dict()


@st.cache_data(show_spinner=False, max_entries=500)
def history(_graph: Graph, key: str, user: Any) -> pd.DataFrame:
    """One user's items, strongest signal first: id, signal."""
    assert _graph.model is not None
    rows = _read(_graph, "history", {"user": user, "signal": _graph.model.signal_property})
    return pd.DataFrame(rows, columns=["id", "signal"])


@st.cache_data(show_spinner=False, max_entries=500)
def friends(_graph: Graph, key: str, user: Any) -> pd.DataFrame:
    """One user's friends: id, items, shared (items in common with the user)."""
    return pd.DataFrame(_read(_graph, "friends", {"user": user}), columns=["id", "items", "shared"])


def parse_id(graph: Graph, text: str, what: str = "id") -> EntityId | None:
    """An id typed by a person, read with the dataset's id type (``007`` stays "007" under string ids).

    None when it cannot be an id of this graph (text under integer ids): the caller says "not found".
    """
    id_type = graph.model.id_type if graph.model else IdType.INTEGER
    try:
        return ids.parse_id(text, id_type, what=what)
    except ConfigError:
        return None


@st.cache_data(show_spinner=False, max_entries=500)
def expand(_graph: Graph, key: str, kind: str, node: Any, limit: int) -> list[dict[str, Any]]:
    """A node's neighbours for the explorable graph: rows of (kind, id, name, relation, strength), with
    kind 'user', 'item' or 'feature' and relation the relationship type that links them."""
    model = _graph.model
    assert model is not None
    params = {"id": node, "limit": limit, "signal": model.signal_property}
    if kind == "user":
        return [{"kind": "item" if r["item_edge"] else "user", "id": r["target"], "name": None,
                 "relation": model.interaction_type if r["item_edge"] else model.follow_type,
                 "strength": r["strength"]} for r in _read(_graph, "expand_user", params)]
    if kind == "item":
        rows = [{"kind": "user", "id": r["target"], "name": None, "relation": model.interaction_type,
                 "strength": r["strength"]} for r in _read(_graph, "expand_item", params)]
        if model.feature_type:
            rows += [{"kind": "feature", "id": r["target"], "name": r["name"], "relation": model.feature_type,
                      "strength": r["strength"]} for r in _read(_graph, "expand_item_features", params)]
        return rows
    if kind == "feature" and model.feature_type:
        return [{"kind": "item", "id": r["target"], "name": None, "relation": model.feature_type,
                 "strength": r["strength"]} for r in _read(_graph, "expand_feature", params)]
    return []


@st.cache_data(show_spinner=False, max_entries=500)
def why(_graph: Graph, key: str, user: Any, item: Any, per_kind: int = 10) -> list[dict[str, Any]]:
    """Paths from a user to an item: rows of (path, via, via2, name, strength) with path 'friend',
    'co-listener' or 'feature' (see cypher/dashboard/why_*.cypher for what via and via2 are)."""
    model = _graph.model
    assert model is not None
    params = {"user": user, "item": item, "per_kind": per_kind, "signal": model.signal_property}
    rows = [{"path": "friend" if r["friend"] else "co-listener", "via": r["via"], "via2": r["via2"], "name": None,
             "strength": r["strength"]} for r in _read(_graph, "why_social", params)]
    if model.feature_type:
        rows += [{"path": "feature", "via": r["via"], "via2": r["via2"], "name": r["name"], "strength": r["strength"]}
                 for r in _read(_graph, "why_features", params)]
    return rows
