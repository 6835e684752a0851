"""Item view: the "autoplay" list, an item's nearest neighbours in one run's embedding."""

from __future__ import annotations

import streamlit as st

from dashboard import artefacts, charts, components, data
from dashboard.components import COUNT, RANK
from dashboard.context import Context


def render(ctx: Context) -> None:
    graph, noun = ctx.graph, ctx.item_noun()
    catalogue = data.catalogue(graph, graph.key)
    search, pick = st.columns([2, 3])
    query = search.text_input(f"Search {noun.lower()}s by name or id", key="item_search",
                              placeholder="e.g. Radiohead")
    matches = components.search_items(graph, catalogue, query)
    if matches.empty:
        st.error(f"No {noun.lower()} matches {query.strip()!r}: no name contains it and no id equals it.")
        return
    labels = {i: f"{n} · {u:,} users" for i, n, u in zip(matches["id"], matches["name"], matches["users"],
                                                          strict=True)}
    item = pick.selectbox(f"{noun} ({len(matches):,} shown, most popular first)", list(labels), key="item_pick",
                          format_func=lambda i: labels[i])
    if not ctx.compared:
        st.info(ctx.no_runs_message)
        return
    methods = list(ctx.compared)
    method_col, k_col = st.columns([3, 2])
    method = method_col.radio("Embedding of run", methods, key="item_method", horizontal=True,
                              index=methods.index("R-MP2V") if "R-MP2V" in methods else 0)
    k = k_col.slider("Neighbours", 5, 50, 15, step=5, key="item_k")

    row = catalogue.loc[item]
    st.subheader(str(row["name"]))
    a, b, c = st.columns([1, 1, 3])
    a.metric(f"{noun} id", str(item))
    b.metric("Users", f"{row['users']:,}")
    c.metric("Top tags", row["features"] or "–")

    neighbours = artefacts.neighbours(ctx.runs_root, ctx.compared[method], item, k)
    if neighbours is None:
        st.warning(f"{row['name']} has no vector in the {method} run (no walk visited it in training), "
                   "so it has no neighbours there.")
        return
    table = components.with_items(neighbours, catalogue, noun)
    table.insert(0, "#", range(1, len(table) + 1))
    table["Users"] = catalogue.reindex(neighbours["id"])["users"].fillna(0).astype(int).to_numpy()
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.markdown(f"**Nearest {noun.lower()}s in {method}** (cosine of input vectors)")
        st.dataframe(table.drop(columns="id").rename(columns={"similarity": "Similarity"}), hide_index=True,
                     height=len(table) * 35 + 38,
                     column_config={"#": RANK, "Similarity": st.column_config.ProgressColumn(
                         format="%.3f", min_value=0.0, max_value=1.0, width="small"), "Users": COUNT})
    with right:
        bars = table.rename(columns={noun: "name"})[["name", "similarity"]]
        st.altair_chart(charts.similarity_dots(bars, noun), width="stretch")
