"""Item view: the "autoplay" list, an item's nearest neighbours in one run's embedding."""

from __future__ import annotations

import streamlit as st

from dashboard import artefacts, charts, components, data, state
from dashboard.components import COUNT, RANK
from dashboard.context import Context
from dashboard.views import coldstart
from mp2v.embeddings.projection import COLLAPSE_COSINE


def render(ctx: Context) -> None:
    if coldstart.item_mode() == coldstart.NEW_ITEM:
        coldstart.new_item(ctx)
        return
    graph, noun = ctx.graph, ctx.item_noun()
    catalogue = data.catalogue(graph, graph.key)
    search, pick = st.columns([2, 3])
    state.setting("item_search", "")
    query = search.text_input(f"Search {noun.lower()}s by name or id", key="item_search",
                              placeholder="e.g. Radiohead")
    matches = components.search_items(graph, catalogue, query)
    state.publish("item_search")
    if matches.empty:
        st.error(f"No {noun.lower()} matches {query.strip()!r}: no name contains it and no id equals it.")
        return
    labels = {i: f"{n} · {u:,} users" for i, n, u in zip(matches["id"], matches["name"], matches["users"],
                                                          strict=True)}
    state.setting("item", next(iter(labels)), lambda text: data.parse_id(graph, text), allowed=labels)
    item = pick.selectbox(f"{noun} ({len(matches):,} shown, most popular first)", list(labels), key="item",
                          format_func=lambda i: labels[i])
    state.publish("item")
    if not ctx.compared:
        st.info(ctx.no_runs_message)
        return
    methods = list(ctx.compared)
    method_col, k_col, pop_col = st.columns([3, 2, 2])
    state.setting("item_method", "R-MP2V" if "R-MP2V" in methods else methods[0], allowed=methods)
    method = method_col.radio("Embedding of run", methods, key="item_method", horizontal=True)
    state.setting("item_k", 15, state.number, bounds=(5, 50))
    k = k_col.slider("Neighbours", 5, 50, step=5, key="item_k")
    state.setting("min_users", 1, state.number, bounds=(1, 100))
    min_users = pop_col.slider(f"Only {noun.lower()}s with at least this many users", 1, 100, key="min_users")
    state.publish("item_method", "item_k", "min_users")

    row = catalogue.loc[item]
    st.subheader(str(row["name"]))
    a, b, c = st.columns([1, 1, 3])
    a.metric(f"{noun} id", str(item))
    b.metric("Users", f"{row['users']:,}")
    c.metric("Top tags", row["features"] or "–")

    rare = int((catalogue["users"] < min_users).sum())
    # Ask for enough neighbours that k remain after the rare ones are dropped.
    neighbours = artefacts.neighbours(ctx.runs_root, ctx.compared[method], item, k + rare)
    if neighbours is None:
        st.warning(f"{row['name']} has no vector in the {method} run (no walk visited it in training), "
                   "so it has no neighbours there.")
        return
    popular = catalogue.reindex(neighbours["id"])["users"].fillna(0).to_numpy() >= min_users
    neighbours = neighbours[popular].head(k).reset_index(drop=True)
    cosine = artefacts.item_cosine(ctx.runs_root, ctx.compared[method])
    if cosine > COLLAPSE_COSINE:
        st.warning(f"The {method} item vectors have collapsed (mean pairwise cosine {cosine:.2f}): "
                   "similarities differ only in the third decimal; read the rank.")
    table = components.with_items(neighbours, catalogue, noun)
    table.insert(0, "#", range(1, len(table) + 1))
    table["Users"] = catalogue.reindex(neighbours["id"])["users"].fillna(0).astype(int).to_numpy()
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.markdown(f"**Nearest {noun.lower()}s in {method}** (cosine of input vectors"
                    + (f"; {noun.lower()}s with at least {min_users} users" if min_users > 1 else "") + ")")
        st.dataframe(table.drop(columns="id").rename(columns={"similarity": "Similarity"}), hide_index=True,
                     height=len(table) * 35 + 38,
                     column_config={"#": RANK, "Similarity": st.column_config.ProgressColumn(
                         format="%.4f", min_value=0.0, max_value=1.0, width="small"), "Users": COUNT,
                         noun: st.column_config.TextColumn(width="medium"),
                         "Tags": st.column_config.TextColumn(width="large")})
    with right:
        bars = table.rename(columns={noun: "name", "#": "rank"})[["rank", "name", "similarity"]]
        st.altair_chart(charts.similarity_dots(bars, noun), width="stretch")
