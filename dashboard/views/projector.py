"""Embeddings view, after TensorBoard's projector: a run's users and items in 2-D (PCA with its explained
variance, or UMAP), coloured with a legend; search or click a point to highlight it and list its neighbours."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard import artefacts, charts, components, data, state
from dashboard.context import Context
from mp2v.embeddings.projection import COLLAPSE_COSINE, Method

METHODS = [m.value for m in Method]
COLOURS = ["type", "top tag"]


def render(ctx: Context) -> None:
    methods = list(ctx.compared)
    a, b, c, d = st.columns([3, 2, 2, 2])
    state.setting("proj_run", methods[0], allowed=methods)
    method = a.radio("Run", methods, key="proj_run", horizontal=True)
    state.setting("proj_method", Method.PCA.value, allowed=METHODS)
    how = b.radio("Projection", METHODS, key="proj_method", horizontal=True,
                  help="PCA: linear, axes are the directions of largest variance. UMAP: non-linear, keeps "
                       "neighbourhoods (cosine), distances between clusters mean little.")
    colours = COLOURS if ctx.graph.model and ctx.graph.model.feature_type else COLOURS[:1]
    state.setting("proj_colour", "type", allowed=colours)
    colour = c.radio("Colour by", colours, key="proj_colour", horizontal=True)
    state.setting("proj_points", 2000, state.number, bounds=(300, 6000))
    points_n = d.slider("Points", 300, 6000, step=300, key="proj_points")
    state.setting("proj_find", "")
    query = st.text_input("Find a user or item (an item name, or `user 2`); or click a point", key="proj_find",
                          placeholder="e.g. Radiohead")
    state.publish("proj_run", "proj_method", "proj_colour", "proj_points", "proj_find")

    run_id = ctx.compared[method]
    frame, explained = artefacts.projection(ctx.runs_root, run_id, how, points_n)
    names = data.item_names(ctx.graph, ctx.graph.key) if ctx.graph.model else {}
    points = frame.assign(name=[names.get(i, f"item {i}") if k == "item" else f"user {i}"
                                for i, k in zip(frame["id"], frame["kind"], strict=True)])
    points = _coloured(ctx, points, colour)
    cosine = artefacts.item_cosine(ctx.runs_root, run_id)
    if cosine > COLLAPSE_COSINE:
        st.warning(f"The {method} item vectors have collapsed: mean pairwise cosine {cosine:.2f} (a healthy space "
                   "is near 0), so the picture is dominated by one shared direction.")
    focus = _focus(ctx, query, points)
    neighbours = artefacts.nearest_points(ctx.runs_root, run_id, *focus, 10) if focus else None
    marked = _marks(points, focus, neighbours)
    n_items, n_users = int((points["kind"] == "item").sum()), int((points["kind"] == "user").sum())
    title = f"{method} · {how} of {n_items:,} items and {n_users:,} users (a seeded sample)"
    left, right = st.columns([5, 2], gap="large")
    with left:
        event = st.altair_chart(charts.projection(marked, colour, title, how), width="stretch",
                                on_select="rerun", key="proj_chart")
        _clicked(event)
    with right:
        if how == Method.PCA.value and explained.size:
            st.markdown(f"**Explained variance** · PC1 {explained[0]:.1%}, PC2 {explained[1]:.1%} "
                        f"(together {explained[:2].sum():.1%})")
            st.altair_chart(charts.explained_variance(explained), width="stretch")
        _neighbour_table(focus, neighbours, names)


def _coloured(ctx: Context, points: pd.DataFrame, colour: str) -> pd.DataFrame:
    if colour == "top tag":
        # Users have no tags; items keep their strongest tag when it is among the 12 most frequent.
        features = data.item_top_feature(ctx.graph, ctx.graph.key)
        tags = pd.Series([features.get(i, "(none)") if k == "item" else "user"
                          for i, k in zip(points["id"], points["kind"], strict=True)], index=points.index)
        common = set(tags[points["kind"] == "item"].value_counts().head(12).index) - {"(none)"}
        return points.assign(**{"top tag": tags.where(tags.isin(common | {"user"}), "other")})
    return points.assign(type=points["kind"])


def _focus(ctx: Context, query: str, points: pd.DataFrame) -> tuple[str, Any] | None:
    """The searched point: ``user <id>``, an item id or name (exact name first, then the most popular match)."""
    text = query.strip()
    if not text:
        return None
    if text.lower().startswith("user "):
        user = data.parse_id(ctx.graph, text[5:].strip())
        if user is not None:
            return ("user", user)
    if ctx.graph.model:
        catalogue = data.catalogue(ctx.graph, ctx.graph.key)
        exact = catalogue[catalogue["name"].str.lower() == text.lower()]
        matches = exact if not exact.empty else components.search_items(ctx.graph, catalogue, text, limit=1)
        if not matches.empty:
            return ("item", matches["id"].iloc[0])
    item = data.parse_id(ctx.graph, text)
    if item is not None and ((points["kind"] == "item") & (points["id"] == item)).any():
        return ("item", item)
    st.error(f"Nothing named or numbered {text!r} in this run; type an item name or `user <id>`.")
    return None


def _marks(points: pd.DataFrame, focus: tuple[str, Any] | None, neighbours: pd.DataFrame | None) -> pd.DataFrame:
    """A ``mark`` column: 'found' for the searched point, 'neighbour' for its neighbours drawn here."""
    mark = pd.Series("", index=points.index)
    if neighbours is not None:
        near = set(zip(neighbours["kind"], neighbours["id"], strict=True))
        mark[[(k, i) in near for k, i in zip(points["kind"], points["id"], strict=True)]] = "neighbour"
    if focus is not None:
        mark[(points["kind"] == focus[0]) & (points["id"] == focus[1])] = "found"
    return points.assign(mark=mark)


def _clicked(event: Any) -> None:
    """A clicked point becomes the search (the next run highlights it and lists its neighbours)."""
    selection = (event or {}).get("selection", {}).get("picked") or []
    if not selection:
        return
    picked = selection[0]
    text = f"user {picked['id']}" if picked.get("kind") == "user" else str(picked.get("name", ""))
    if text and st.session_state.get("proj_find") != text:
        state.request("proj_find", text)
        st.rerun()


def _neighbour_table(focus: tuple[str, Any] | None, neighbours: pd.DataFrame | None, names: dict[Any, str]) -> None:
    if focus is None:
        st.caption("Search or click a point to list its nearest neighbours.")
        return
    label = f"user {focus[1]}" if focus[0] == "user" else names.get(focus[1], f"item {focus[1]}")
    if neighbours is None:
        st.warning(f"{label} has no vector in this run.")
        return
    st.markdown(f"**Nearest to {label}** (cosine of input vectors, all users and items of the run)")
    table = pd.DataFrame({"#": range(1, len(neighbours) + 1), "Kind": neighbours["kind"],
                          "Name": [f"user {i}" if k == "user" else names.get(i, f"item {i}")
                                   for k, i in zip(neighbours["kind"], neighbours["id"], strict=True)],
                          "Cosine": neighbours["similarity"]})
    components.static_table(table, digits={"Cosine": 4})
