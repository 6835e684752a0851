"""Cold start in the Item and User views: an item known only by its side information, and a user who is not
in the graph, known only by a few items (docs/coldstart.md). Nothing is retrained or written."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import artefacts, components, data, state
from dashboard.components import COUNT, RANK, SCORE
from dashboard.context import Context
from mp2v.embeddings.side_vectors import SideVectors
from mp2v.errors import ConfigError, ModelStoreError
from mp2v.serving.coldstart import embed_item, recommend_for_items

GRAPH_ITEM, NEW_ITEM = "From the graph", "New, from side information"
GRAPH_USER, NEW_USER = "From the graph", "New, from a few items"
#: Feature names may hold commas (Last.fm tags do), so the URL joins them with a bar.
SEPARATOR = "|"


def item_mode() -> str:
    """The Item view's first choice: an item of the graph, or a new one described by side information."""
    state.setting("item_mode", GRAPH_ITEM, allowed=[GRAPH_ITEM, NEW_ITEM])
    mode = st.radio("Item", [GRAPH_ITEM, NEW_ITEM], key="item_mode", horizontal=True)
    state.publish("item_mode")
    return str(mode)


def user_mode() -> str:
    """The User view's first choice: a user of the graph, or a new user known only by a few items."""
    state.setting("user_mode", GRAPH_USER, allowed=[GRAPH_USER, NEW_USER])
    mode = st.radio("User", [GRAPH_USER, NEW_USER], key="user_mode", horizontal=True)
    state.publish("user_mode")
    return str(mode)


def _listed(key: str, options: list[Any], parse: Any = str) -> list[Any]:
    """A multiselect's values: seeded from the URL (``key``, bar-separated) on first draw; unknown ones dropped."""
    if key not in st.session_state:
        allowed = set(options)
        wanted = []
        for text in st.query_params.get(key, "").split(SEPARATOR):
            try:
                value = parse(text) if text else None
            except (TypeError, ValueError):
                continue
            if value is not None and value in allowed:
                wanted.append(value)
        st.session_state[key] = wanted
    return list(st.session_state[key])


def _publish_list(key: str) -> None:
    text = SEPARATOR.join(str(v) for v in st.session_state.get(key, []))
    if text and st.query_params.get(key) != text:
        st.query_params[key] = text
    elif not text and key in st.query_params:
        del st.query_params[key]


@st.cache_resource(show_spinner="Loading side-information vectors ...", max_entries=4)
def side_vectors(root: str, run_id: str) -> SideVectors:
    return SideVectors.load(artefacts.stored_run(root, run_id).path)


@st.cache_data(show_spinner=False, max_entries=4)
def feature_options(root: str, run_id: str) -> list[str]:
    """Feature names with a vector, the ones most items carry first (so the common tags are at hand)."""
    side = side_vectors(root, run_id)
    used = side.slot_features[side.slot_features >= 0]
    counts = np.bincount(used, minlength=side.feature_ids.size) if used.size else np.zeros(side.feature_ids.size)
    columns = np.flatnonzero(side.known_features)
    order = columns[np.lexsort((side.feature_names[columns], -counts[columns]))]
    return list(dict.fromkeys(str(side.feature_names[c]) for c in order.tolist()))


def side_runs(ctx: Context) -> dict[str, str]:
    """Runs with side-information vectors (EGES / GES) of the loaded dataset: label -> run id, newest first."""
    return {f"{r.get('method', '?')} · {r['run_id']}": str(r["run_id"]) for r in ctx.runs
            if r.get("side_information")}


def new_item(ctx: Context) -> None:
    """Vector of an item described by side information only: its nearest items and the users it would reach."""
    noun = ctx.item_noun()
    runs = side_runs(ctx)
    if not runs:
        st.info("No run with side-information vectors for this dataset yet: run `mp2v eges` (EGES on the loaded "
                "graph's walks), then click Reload data.")
        return
    pick, k_col = st.columns([3, 2])
    state.setting("cold_run", next(iter(runs.values())), allowed=list(runs.values()))
    labels = {run_id: label for label, run_id in runs.items()}
    run_id = pick.selectbox("Side-information run", list(labels), key="cold_run", format_func=labels.__getitem__)
    state.setting("item_k", 15, state.number, bounds=(5, 50))
    k = k_col.slider("Neighbours", 5, 50, step=5, key="item_k")
    state.publish("cold_run", "item_k")
    try:
        options = feature_options(ctx.runs_root, run_id)
        side = side_vectors(ctx.runs_root, run_id)
    except ModelStoreError as error:
        st.error(str(error))
        return
    _listed("cold_features", options)
    feature = ctx.graph.model.feature_label if ctx.graph.model and ctx.graph.model.feature_label else "Feature"
    st.multiselect(f"The new {noun.lower()}'s {feature.lower()}s ({len(options):,} with a vector, most used first)",
                   options, key="cold_features", placeholder="e.g. heavy metal, thrash metal")
    _publish_list("cold_features")
    chosen = list(st.session_state["cold_features"])
    if not chosen:
        st.caption(f"Pick one or more {feature.lower()}s: the new {noun.lower()}'s vector is the mean of their "
                   "vectors (as EGES builds an item with no interactions), compared with every trained "
                   f"{noun.lower()} by cosine and scored for every user as the run scores (user output · item).")
        return
    stored = artefacts.stored_run(ctx.runs_root, run_id)
    started = time.perf_counter()
    try:
        item = embed_item(stored, side, chosen, k)
    except ConfigError as error:
        st.error(str(error))
        return
    seconds = time.perf_counter() - started
    catalogue = data.catalogue(ctx.graph, ctx.graph.key)
    st.subheader(f"New {noun.lower()}: {', '.join(item.features)}")
    st.caption(f"Built in {seconds * 1000:.0f} ms from {len(item.features)} {feature.lower()} vector(s) of run "
               f"`{run_id}`; no retraining. `mp2v embed-item --write ID` stores such an item in Neo4j so "
               "that the served vector index finds it at once.")
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.markdown(f"**Nearest {noun.lower()}s** (cosine)")
        near = pd.DataFrame(item.neighbours, columns=["id", "Similarity"])
        table = components.with_items(near, catalogue, noun)
        table.insert(0, "#", range(1, len(table) + 1))
        table["Users"] = catalogue.reindex(near["id"])["users"].fillna(0).astype(int).to_numpy()
        st.dataframe(table.drop(columns="id"), hide_index=True, height=len(table) * 35 + 38,
                     column_config={"#": RANK, "Similarity": SCORE, "Users": COUNT,
                                    "Tags": st.column_config.TextColumn(width="large")})
    with right:
        st.markdown("**Users it would reach** (score user output · item, highest first)")
        users = pd.DataFrame(item.users, columns=["User", "Score"])
        users.insert(0, "#", range(1, len(users) + 1))
        st.dataframe(users, hide_index=True, height=len(users) * 35 + 38, column_config={"#": RANK, "Score": SCORE})


def new_user(ctx: Context) -> None:
    """Recommendations for a user who is not in the graph, from the items they named (fold-in, no retraining)."""
    noun = ctx.item_noun()
    catalogue = data.catalogue(ctx.graph, ctx.graph.key)
    labels = {i: f"{n} · {u:,} users" for i, n, u in zip(catalogue["id"], catalogue["name"], catalogue["users"],
                                                          strict=True)}
    _listed("cold_items", list(labels), lambda text: data.parse_id(ctx.graph, text))
    st.multiselect(f"{noun}s the new user played (type to search)", list(labels), key="cold_items",
                   format_func=labels.__getitem__, placeholder="e.g. Radiohead, Coldplay, Muse")
    state.setting("k", 10, state.number, bounds=(5, 50))
    k = st.slider("List length K", 5, 50, step=5, key="k")
    _publish_list("cold_items")
    state.publish("k")
    items = list(st.session_state["cold_items"])
    if not items:
        st.caption(f"Pick a few {noun.lower()}s. Runs with output vectors (MP2V, R-MP2V, EGES) fold the user in: "
                   "a few skip-gram steps on these items' context vectors, every trained vector frozen; item2vec "
                   "takes the mean of the items' vectors (the production baseline). Same as "
                   "`mp2v recommend --items a,b,c`.")
        return
    if not ctx.compared:
        st.info(ctx.no_runs_message)
        return
    st.subheader(f"New user with {len(items)} {noun.lower()}(s)")
    columns = st.columns(len(ctx.compared), gap="medium")
    for column, (method, run_id) in zip(columns, ctx.compared.items(), strict=True):
        with column:
            st.markdown(f"#### {method}")
            stored = artefacts.stored_run(ctx.runs_root, run_id)
            started = time.perf_counter()
            try:
                rows, unknown = recommend_for_items(stored.embeddings, items, k)
            except ConfigError as error:
                st.warning(str(error))
                continue
            seconds = time.perf_counter() - started
            way = "fold-in" if np.any(stored.embeddings.item_output[:256]) else "mean of item vectors"
            st.caption(f"run `{run_id}` · {way} · {seconds * 1000:.0f} ms"
                       + (f" · no vector for {len(unknown)} of the items" if unknown else ""))
            frame = pd.DataFrame(rows, columns=["id", "Score"])
            table = components.with_items(frame, catalogue, noun, tags=2)
            table.insert(0, "#", range(1, len(table) + 1))
            components.static_table(table.drop(columns="id"), digits={"Score": 4})
