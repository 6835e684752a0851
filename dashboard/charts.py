"""Altair charts of the views: plain functions from small DataFrames to charts (rendered by Streamlit's
bundled Vega-Lite, so nothing loads from a CDN)."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from dashboard.artefacts import METHOD_ORDER

#: What the chart functions return (altair's stubs type a layer's .properties() as either kind).
Drawn = alt.Chart | alt.LayerChart | alt.FacetChart

#: One colour per method in every chart (Tableau 10, the default palette's first colours).
METHOD_COLOURS = {"MP2V": "#4c78a8", "R-MP2V": "#f58518", "item2vec": "#54a24b"}
#: Further methods (the benchmark has a dozen, twenty with ablations): Tableau 20 without the three above.
EXTRA_COLOURS = ["#e45756", "#72b7b2", "#b279a2", "#ff9da6", "#9d755d", "#eeca3b", "#bab0ac", "#79706e",
                 "#d67195", "#fcbfd2", "#d6a5c9", "#9ecae9", "#ffbf79", "#88d27a", "#b6992d", "#f2cf5b",
                 "#86bcb6", "#ff9d98", "#8cd17d", "#499894"]


def method_scale(methods: list[str]) -> alt.Scale:
    ordered = [m for m in METHOD_ORDER if m in methods] + sorted(m for m in methods if m not in METHOD_ORDER)
    extra = iter(EXTRA_COLOURS * 4)  # more methods than colours repeat them
    return alt.Scale(domain=ordered, range=[METHOD_COLOURS.get(m) or next(extra) for m in ordered])


def metric_by_k(frame: pd.DataFrame, metric: str, relative_to: str | None = None) -> Drawn:
    """One metric (columns method, k, value) against the list length K, a line per method. The value axis
    is zoomed to the data (not from zero), so close methods stay apart; with ``relative_to`` the values are
    differences from that method and a rule marks zero."""
    methods = sorted(frame["method"].unique())
    title = f"{metric} by K" + (f", minus {relative_to}" if relative_to else "")
    lines = alt.Chart(frame).mark_line(point=True).encode(
        x=alt.X("k:O", title="K (list length)", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("value:Q", title=f"{metric} − {relative_to}" if relative_to else metric,
                scale=alt.Scale(zero=False, nice=True)),
        color=alt.Color("method:N", scale=method_scale(methods), title="method",
                        legend=alt.Legend(labelLimit=320, symbolLimit=0)),
        tooltip=["method", "k", alt.Tooltip("value:Q", format="+.4f" if relative_to else ".4f")],
    )
    if relative_to:
        zero = alt.Chart(pd.DataFrame({"value": [0.0]})).mark_rule(color="#999", strokeDash=[4, 4]).encode(y="value:Q")
        return alt.layer(zero, lines, title=title).properties(height=360)
    return lines.properties(title=title, height=300)


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


def lorenz(frame: pd.DataFrame) -> Drawn:
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


def projection(frame: pd.DataFrame, colour: str, title: str, method: str = "PCA") -> Drawn:
    """Projector scatter (columns x, y, kind, id, name, mark, ``colour``) with a legend; the searched point
    and its neighbours are ringed and labelled. Drag to pan, scroll to zoom, click a point to pick it."""
    picked = alt.selection_point(name="picked", fields=["kind", "id", "name"], on="click")
    axis = ("PC 1", "PC 2") if method == "PCA" else ("UMAP 1", "UMAP 2")
    scale = _kind_scale if colour == "type" else alt.Scale(scheme="tableau20")
    base = alt.Chart(frame).encode(x=alt.X("x:Q", title=axis[0]), y=alt.Y("y:Q", title=axis[1]))
    dots = base.mark_circle(size=16, opacity=0.55).encode(
        color=alt.Color(f"{colour}:N", title=colour, scale=scale, legend=alt.Legend(orient="right", symbolOpacity=1)),
        tooltip=["name", "kind", colour],
    ).add_params(picked)
    marked = frame[frame["mark"] != ""]
    ring = alt.Chart(marked).mark_point(filled=False, strokeWidth=2.5).encode(
        x="x:Q", y="y:Q", size=alt.condition(alt.datum.mark == "found", alt.value(420), alt.value(140)),
        color=alt.condition(alt.datum.mark == "found", alt.value("#d62728"), alt.value("#222")), tooltip=["name"])
    labels = alt.Chart(marked).mark_text(dy=-12, fontSize=11, fontWeight="bold", color="#222").encode(
        x="x:Q", y="y:Q", text="name:N")
    return alt.layer(dots.interactive(), ring, labels, title=title).properties(height=560)


def explained_variance(ratios: Any) -> Drawn:
    """PCA's explained-variance ratio per component, with the running total."""
    frame = pd.DataFrame({"component": [f"PC{i + 1}" for i in range(len(ratios))], "share": ratios,
                          "cumulative": pd.Series(ratios).cumsum()})
    order = list(frame["component"])
    bars = alt.Chart(frame).mark_bar(color=METHOD_COLOURS["MP2V"]).encode(
        x=alt.X("component:N", sort=order, title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("share:Q", title="share of variance", axis=alt.Axis(format="%")),
        tooltip=["component", alt.Tooltip("share:Q", format=".1%"), alt.Tooltip("cumulative:Q", format=".1%")])
    line = alt.Chart(frame).mark_line(point=True, color=METHOD_COLOURS["R-MP2V"]).encode(
        x=alt.X("component:N", sort=order), y="cumulative:Q")
    return alt.layer(bars, line).properties(height=220)


def similarity_dots(frame: pd.DataFrame, noun: str) -> alt.Chart:
    """Neighbours (columns rank, name, similarity) as a dot plot, nearest (rank 1) on top; the axis is zoomed
    to the values (dots, not bars, so a scale that does not start at zero does not mislead)."""
    return alt.Chart(frame, title="Cosine similarity to the chosen item").mark_circle(
        size=90, color=METHOD_COLOURS["MP2V"], opacity=1).encode(
        x=alt.X("similarity:Q", title=None, scale=alt.Scale(zero=False, nice=True)),
        # An explicit sort by rank: with sort=None Vega keeps the order of the previous list's names.
        y=alt.Y("name:N", sort=alt.EncodingSortField("rank", order="ascending"), title=None,
                axis=alt.Axis(labelLimit=200, labelOverlap=False)),
        tooltip=["rank", alt.Tooltip("name:N", title=noun), alt.Tooltip("similarity:Q", format=".4f")],
    ).properties(height=max(160, 28 * len(frame)))
