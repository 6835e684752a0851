"""Graph view: an explorable neighbourhood in Neo4j (as in Neo4j Bloom): click a node for its properties,
double-click (or Expand) to add its neighbours, re-centre on a user, and draw the paths that connect the
user to a recommended item ("why this recommendation"). Drawn with st-link-analysis (Cytoscape.js)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st
from st_link_analysis import EdgeStyle, Event, NodeStyle, st_link_analysis

from dashboard import artefacts, components, data, explore, state
from dashboard.context import Context
from dashboard.explore import Elements

NONE = "(none)"
CENTRE, RECOMMENDED = "Centre user", "Recommended"
COLOURS = {"user": "#4c78a8", "item": "#f58518", "feature": "#54a24b", CENTRE: "#e45756", RECOMMENDED: "#b279a2"}
ICONS = {"user": "person", "item": None, "feature": "sell", CENTRE: "person", RECOMMENDED: None}


def render(ctx: Context) -> None:
    user = components.user_picker(ctx)
    if user is None:
        return
    graph, model = ctx.graph, ctx.graph.model
    assert model is not None  # the app shows this view only with a graph
    names = data.item_names(graph, graph.key)
    labels = {"user": model.user_label, "item": model.item_label, "feature": model.feature_label or "Feature"}
    a, b, c = st.columns([2, 2, 3])
    state.setting("graph_limit", 8, state.number, bounds=(3, 30))
    limit = a.slider("Neighbours per expanded node", 3, 30, key="graph_limit")
    why_item, why_method = _why_controls(ctx, user, b, c, names)
    state.publish("graph_limit")

    elements = Elements(labels)
    users = data.users(graph, graph.key)
    centre = elements.node("user", user, f"User {user}", items=int(users.loc[user, "items"]),
                           friends=int(users.loc[user, "friends"]))
    elements.add_neighbours(centre, data.expand(graph, graph.key, "user", user, limit), names)
    expanded = state.items("expand")
    for key in expanded:
        parsed = explore.parse_node(key)
        entity = data.parse_id(graph, parsed[1]) if parsed else None
        if parsed and entity is not None:
            source = elements.node(parsed[0], entity, explore.display_name(parsed[0], entity, None, names))
            elements.add_neighbours(source, data.expand(graph, graph.key, parsed[0], entity, limit), names)
    paths: list[dict[str, Any]] = []
    if why_item is not None:
        target = elements.node("item", why_item, names.get(why_item, f"Item {why_item}"))
        paths = data.why(graph, graph.key, user, why_item)
        explore.add_paths(elements, centre, target, paths, names, {
            "follows": model.follow_type, "interaction": model.interaction_type,
            "feature": model.feature_type or "FEATURE"})
        elements.mark(target, RECOMMENDED)
    elements.mark(centre, CENTRE)
    _properties(elements)

    left, right = st.columns([5, 2], gap="large")
    with left:
        # The component lays out only when the layout changes (new elements land on top of each other
        # otherwise), so the layout names the drawn node set.
        layout = explore.LAYOUT | {"drawn": len(elements.nodes), "key": abs(hash(tuple(elements.nodes))) % 10**9}
        event = st_link_analysis(elements.as_cytoscape(), layout=layout, node_styles=_node_styles(labels),
                                 edge_styles=[EdgeStyle(r, caption="label", directed=True) for r in _relations(model)],
                                 height=640, key="explorer", node_actions=["expand"],
                                 events=[Event("picked", "tap", "node")])
        _handle(event, expanded)
    with right:
        st.markdown(f"**{len(elements.nodes)} nodes, {len(elements.edges)} links**"
                    + (f" · {len(expanded)} expanded" if expanded else ""))
        _panel(ctx, elements, expanded)
    if why_item is not None:
        _why_summary(why_item, why_method, paths, names, user)


def _why_controls(ctx: Context, user: Any, method_col: Any, item_col: Any, names: dict[Any, str]
                  ) -> tuple[Any | None, str | None]:
    """Pick a run and one of its top-10 items for the user ('served now'); None when nothing is picked."""
    if not ctx.compared:
        return None, None
    methods = list(ctx.compared)
    state.setting("why_method", methods[0], allowed=methods)
    method = method_col.selectbox("Why this recommendation: run", methods, key="why_method")
    history = data.history(ctx.graph, ctx.graph.key, user)
    top = artefacts.recommend(ctx.runs_root, ctx.compared[method], user, 10, frozenset(history["id"].tolist()))
    options = [NONE, *(top["id"].tolist() if top is not None else [])]
    state.setting("why_item", NONE, lambda text: data.parse_id(ctx.graph, text), allowed=options)
    picked = item_col.selectbox("… and one of its top-10 items for this user", options, key="why_item",
                                format_func=lambda i: i if i == NONE else f"#{options.index(i)} {names.get(i, i)}")
    state.publish("why_method", "why_item")
    return (None, method) if picked == NONE else (picked, method)


def _node_styles(labels: dict[str, str]) -> list[NodeStyle]:
    roles = {labels[k]: k for k in labels} | {CENTRE: CENTRE, RECOMMENDED: RECOMMENDED}
    return [NodeStyle(label, COLOURS[role], "name", ICONS[role]) for label, role in roles.items()]


def _relations(model: Any) -> list[str]:
    return [r for r in (model.interaction_type, model.follow_type, model.feature_type) if r]


def _properties(elements: Elements) -> None:
    """Degree in the drawing, for the panel and the node table."""
    degree: dict[str, int] = {}
    for edge in elements.edges.values():
        for end in (edge["source"], edge["target"]):
            degree[end] = degree.get(end, 0) + 1
    for key, node in elements.nodes.items():
        node["links"] = degree.get(key, 0)


def _handle(event: Any, expanded: list[str]) -> None:
    """A double-click (expand) adds nodes to the URL's expanded list; a click opens the node's panel.
    The component keeps returning its last event, so each one is handled once (by its timestamp)."""
    if not event or event.get("timestamp") == st.session_state.get("explorer_seen"):
        return
    st.session_state["explorer_seen"] = event.get("timestamp")
    if event.get("action") == "expand":
        new = [n for n in event.get("data", {}).get("node_ids", []) if n not in expanded]
        if new:
            state.set_items("expand", expanded + new)
            st.rerun()
    elif event.get("action") == "picked":
        state.request("graph_node", event.get("data", {}).get("target_id"))
        st.rerun()


def _panel(ctx: Context, elements: Elements, expanded: list[str]) -> None:
    """The chosen node's properties, and the actions: expand, re-centre (users), open (items), reset."""
    options = list(elements.nodes)
    state.setting("graph_node", options[0], allowed=options)
    key = st.selectbox("Node (or click one in the graph)", options, key="graph_node",
                       format_func=lambda n: f"{elements.nodes[n]['name']} · {elements.nodes[n]['kind']}")
    node = elements.nodes[key]
    shown = {k: v for k, v in node.items() if k not in ("id", "label", "name")}
    st.markdown(f"**{node['name']}**")
    components.static_table(pd.DataFrame({"Property": list(shown), "Value": [str(v) for v in shown.values()]}))
    a, b = st.columns(2)
    if a.button("Expand", key="graph_expand", disabled=key in expanded, width="stretch"):
        state.set_items("expand", expanded + [key])
        st.rerun()
    if node["kind"] == "user" and b.button("Re-centre here", key="graph_recentre", width="stretch"):
        state.request("user", node["entity"])
        state.set_items("expand", [])
        st.rerun()
    if node["kind"] == "item" and b.button("Open in the Item view", key="graph_open", width="stretch"):
        state.request("item", node["entity"])
        state.request("view", "Item")
        st.query_params["item_search"] = ""
        st.rerun()
    if expanded and st.button("Collapse all", key="graph_reset"):
        state.set_items("expand", [])
        st.rerun()
    table = pd.DataFrame([{"Name": n["name"], "Kind": n["kind"], "Links": n["links"]} for n in elements.nodes.values()])
    counts = table["Kind"].value_counts().rename_axis("Kind").reset_index(name="Nodes")
    st.dataframe(counts, hide_index=True)
    st.caption("Click a node for its properties; double-click, or Expand, to add its neighbours; drag to move; "
               "scroll to zoom. The URL keeps the centre user and the expanded nodes.")


def _why_summary(item: Any, method: str | None, paths: list[dict[str, Any]], names: dict[Any, str], user: Any) -> None:
    counts = explore.path_summary(paths)
    st.subheader(f"Why {names.get(item, item)} for user {user} ({method})")
    if not paths:
        st.info("No short path connects them: the run reached this item through longer walks.")
        return
    st.markdown(" · ".join(f"**{n}** {kind} path{'s' if n != 1 else ''}" for kind, n in counts.items()) +
                " (at most 10 of each kind, strongest first)")
    rows = []
    for p in paths:
        if p["path"] == "friend":
            via = f"friend User {p['via']}"
        elif p["path"] == "co-listener":
            via = f"shared {names.get(p['via'], p['via'])} ← User {p['via2']}"
        else:
            via = f"own {names.get(p['via'], p['via'])} → tag {p['name']}"
        rows.append({"Path": p["path"], "Via": via, "Strength": p["strength"]})
    components.static_table(pd.DataFrame(rows), digits={"Strength": 2})
    st.caption("Walks along the run's metapaths pass exactly such paths: user → friend → item, user → item ← "
               "user → item, user → item → tag ← item. The drawing above shows them in purple around the "
               "recommended item.")
