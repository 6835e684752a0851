"""Altair charts of the views: plain functions from small DataFrames to charts (rendered by Streamlit's
bundled Vega-Lite, so nothing loads from a CDN)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from dashboard.artefacts import METHOD_ORDER

#: One colour per method in every chart (Tableau 10, the default palette's first colours).
METHOD_COLOURS = {"MP2V": "#4c78a8", "R-MP2V": "#f58518", "item2vec": "#54a24b"}
EXTRA_COLOURS = ["#e45756", "#72b7b2", "#b279a2", "#ff9da6", "#9d755d"]
NODE_COLOURS = {"focus user": "#e45756", "friend": "#4c78a8", "friend of friend": "#9ecae9",
                "listened": "#f58518", "friends' item": "#ffbf79"}


def method_scale(methods: list[str]) -> alt.Scale:
    ordered = [m for m in METHOD_ORDER if m in methods] + sorted(m for m in methods if m not in METHOD_ORDER)
    extra = iter(EXTRA_COLOURS * 4)
    return alt.Scale(domain=ordered, range=[METHOD_COLOURS.get(m) or next(extra) for m in ordered])


def metric_by_k(frame: pd.DataFrame, metric: str) -> alt.Chart:
    """One metric (columns method, k, value) against the list length K, a line per method."""
    methods = sorted(frame["method"].unique())
    return alt.Chart(frame, title=f"{metric} by K").mark_line(point=True).encode(
        x=alt.X("k:O", title="K (list length)", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("value:Q", title=metric, scale=alt.Scale(zero=True)),
        color=alt.Color("method:N", scale=method_scale(methods), title="method"),
        tooltip=["method", "k", alt.Tooltip("value:Q", format=".4f")],
    ).properties(height=280)


def histogram(frame: pd.DataFrame, field: str, title: str) -> alt.Chart:
    """Binned per-user values (columns method, start, end, users) as overlaid bars, one colour per method."""
    methods = sorted(frame["method"].unique())
    return alt.Chart(frame, title=title).mark_bar(opacity=0.55, binSpacing=0).encode(
        x=alt.X("start:Q", bin="binned", title=field), x2="end:Q",
        y=alt.Y("users:Q", stack=None, title="users"),
        color=alt.Color("method:N", scale=method_scale(methods), title="method"),
        tooltip=["method", alt.Tooltip("start:Q", format=".3f", title="from"),
                 alt.Tooltip("end:Q", format=".3f", title="to"), "users"],
    ).properties(height=280)


def lorenz(frame: pd.DataFrame) -> alt.LayerChart | alt.FacetChart:
    """Lorenz curves of exposure (columns method, items, exposure) over the equal-exposure diagonal."""
    methods = sorted(frame["method"].unique())
    diagonal = alt.Chart(pd.DataFrame({"items": [0.0, 1.0], "exposure": [0.0, 1.0]})).mark_line(
        color="#999", strokeDash=[4, 4]).encode(x="items:Q", y="exposure:Q")
    curves = alt.Chart(frame).mark_line().encode(
        x=alt.X("items:Q", title="share of items (least recommended first)", axis=alt.Axis(format="%")),
        y=alt.Y("exposure:Q", title="share of recommendations", axis=alt.Axis(format="%")),
        color=alt.Color("method:N", scale=method_scale(methods), title="method"),
        tooltip=["method", alt.Tooltip("items:Q", format=".0%"), alt.Tooltip("exposure:Q", format=".1%")],
    )
    return alt.layer(diagonal, curves, title="Lorenz curve of item exposure").properties(height=300)


_kind_scale = alt.Scale(domain=["user", "item"], range=[METHOD_COLOURS["MP2V"], METHOD_COLOURS["R-MP2V"]])


def projection(frame: pd.DataFrame, colour: str, title: str) -> alt.Chart:
    """PCA scatter (columns x, y, name, ``colour``); drag to pan, scroll to zoom."""
    return alt.Chart(frame, title=title).mark_circle(size=14, opacity=0.6).encode(
        x=alt.X("x:Q", title="PC 1"), y=alt.Y("y:Q", title="PC 2"),
        color=alt.Color(f"{colour}:N", title=colour, scale=_kind_scale if colour == "type" else alt.Scale(
            scheme="tableau20")),
        tooltip=["name", colour],
    ).properties(height=460).interactive()


def similarity_dots(frame: pd.DataFrame, noun: str) -> alt.Chart:
    """Neighbours (columns name, similarity) as a dot plot, nearest on top; the axis is zoomed to the values
    (dots, not bars, so a scale that does not start at zero does not mislead)."""
    return alt.Chart(frame, title="Cosine similarity to the chosen item").mark_circle(
        size=90, color=METHOD_COLOURS["MP2V"], opacity=1).encode(
        x=alt.X("similarity:Q", title=None, scale=alt.Scale(zero=False, nice=True)),
        y=alt.Y("name:N", sort=None, title=None, axis=alt.Axis(labelLimit=200, labelOverlap=False)),
        tooltip=[alt.Tooltip("name:N", title=noun), alt.Tooltip("similarity:Q", format=".3f")],
    ).properties(height=max(160, 28 * len(frame)))


def network(nodes: pd.DataFrame, edges: pd.DataFrame, height: int = 620) -> alt.LayerChart:
    """A drawn neighbourhood: edges (x, y, x2, y2) under nodes (x, y, kind, name, size); pan and zoom."""
    scale = alt.Scale(domain=list(NODE_COLOURS), range=list(NODE_COLOURS.values()))
    axis = alt.Axis(labels=False, ticks=False, grid=False, domain=False, title=None)
    # The same fixed domain on both axes keeps the rings round in a roughly square chart.
    x = alt.X("x:Q", axis=axis, scale=alt.Scale(domain=[-2.4, 2.4]))
    y = alt.Y("y:Q", axis=axis, scale=alt.Scale(domain=[-2.4, 2.4]))
    lines = alt.Chart(edges).mark_rule(color="#bbb", opacity=0.5, strokeWidth=0.8).encode(
        x=x, y=y, x2="x2:Q", y2="y2:Q")
    points = alt.Chart(nodes).mark_circle(opacity=0.95, stroke="white", strokeWidth=0.8).encode(
        x=x, y=y,
        size=alt.Size("size:Q", legend=None, scale=alt.Scale(range=[40, 600])),
        color=alt.Color("kind:N", scale=scale, title=None, legend=alt.Legend(orient="bottom")),
        tooltip=["name", "kind", "links"],
    )
    labels = alt.Chart(nodes[nodes["label"] != ""]).mark_text(dy=-11, fontSize=10, color="#333").encode(
        x="x:Q", y="y:Q", text="label:N")
    return alt.layer(lines, points, labels).properties(height=height).interactive().configure_view(strokeWidth=0)
