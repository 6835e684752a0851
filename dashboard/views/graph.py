"""Graph view: a user's neighbourhood in Neo4j (friends, items, a capped second hop), drawn with Altair."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, components, data, neighbourhood
from dashboard.context import Context
from dashboard.neighbourhood import Caps


def render(ctx: Context) -> None:
    user = components.user_picker(ctx)
    if user is None:
        return
    graph, noun = ctx.graph, ctx.item_noun()
    a, b, c = st.columns(3)
    caps = Caps(friends=a.slider("Friends (first hop)", 0, 50, 15, key="graph_friends"),
                items=b.slider(f"{noun}s (first hop)", 0, 50, 20, key="graph_items"),
                max_nodes=c.slider("Nodes at most", 20, 300, 150, step=10, key="graph_nodes"))
    history = data.history(graph, graph.key, user)
    friends = data.friends(graph, graph.key, user)
    friend_ids, item_ids = neighbourhood.first_hop(history, friends, caps)
    # Each friend contributes a few strongest items and friends; the cap then keeps the best-linked ones.
    second = data.second_hop(graph, graph.key, tuple(friend_ids), tuple(item_ids), 5)
    names = data.item_names(graph, graph.key)
    nodes, edges = neighbourhood.build(user, friend_ids, item_ids, second, names, caps)
    left, right = st.columns([5, 3], gap="large")
    left.altair_chart(charts.network(nodes, edges, height=700), width="stretch")
    with right:
        st.markdown(f"**{len(nodes)} nodes, {len(edges)} links**")
        st.dataframe(nodes["kind"].value_counts().rename_axis("Kind").reset_index(name="Nodes"), hide_index=True)
        st.caption("Friends and the user's strongest items form the inner ring; the outer ring holds what "
                   "friends listen to and whom they follow, the best-linked first, up to the node cap. "
                   "Drag to pan, scroll to zoom, hover for names.")
        table = nodes[["name", "kind", "links"]].sort_values(["links", "name"], ascending=[False, True])
        components.paginated(table.rename(columns={"name": "Name", "kind": "Kind", "links": "Links"}),
                             "graph_nodes_page", page_size=10)
