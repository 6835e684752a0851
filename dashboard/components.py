"""Widgets and table helpers the views share: the user picker, item search, paginated tables, formats."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard import data
from dashboard.context import Context

#: Consistent number formats of every table (st.column_config formats).
SCORE = st.column_config.NumberColumn(format="%.3f", width=58)
COUNT = st.column_config.NumberColumn(format="localized", width="small")
RANK = st.column_config.NumberColumn("#", format="%d", width=40)
PAGE_SIZE = 15


def fmt(value: float, digits: int = 3) -> str:
    """A metric value as text; a dash for undefined values."""
    return "–" if value is None or value != value else f"{value:.{digits}f}"


def signal_name(ctx: Context) -> str:
    """What the interaction signal is called in tables ('plays' for Last.fm)."""
    return ctx.graph.model.signal_property.replace("_", " ") if ctx.graph.model else "signal"


def restore(*keys: str) -> None:
    """Give widgets back the value they had in another view.

    Streamlit drops a widget's state in any run that does not draw it, so a user picked in one view would
    be forgotten by the next; a plain session-state copy (see :func:`remember`) survives.
    """
    for key in keys:
        if key not in st.session_state and f"kept_{key}" in st.session_state:
            st.session_state[key] = st.session_state[f"kept_{key}"]


def remember(*keys: str) -> None:
    for key in keys:
        st.session_state[f"kept_{key}"] = st.session_state[key]


def user_picker(ctx: Context) -> Any | None:
    """Pick a user from the list or type an id; the same keys in every view, so the choice follows along.

    Returns None (after showing why) when the typed id is not a user of the graph.
    """
    users = data.users(ctx.graph, ctx.graph.key)
    if users.empty:
        st.warning("The graph has no users.")
        return None
    noun = ctx.item_noun().lower()
    labels = {uid: f"User {uid} · {n:,} {noun}s · {f:,} friends"
              for uid, n, f in zip(users["id"].tolist(), users["items"].tolist(), users["friends"].tolist(),
                                   strict=True)}
    pick, typed = st.columns([3, 2])
    restore("user_pick", "user_search")
    chosen = pick.selectbox("User", list(labels), key="user_pick", format_func=lambda u: labels[u])
    text = typed.text_input("… or type a user id", key="user_search", placeholder="e.g. 2")
    remember("user_pick", "user_search")
    if not text.strip():
        return chosen
    user = data.parse_id(ctx.graph, text)
    if user is None or user not in labels:
        st.error(f"No user with id {text.strip()!r} in the graph ({len(labels):,} users; "
                 f"ids from {users['id'].min()} to {users['id'].max()}). Clear the box to use the list.")
        return None
    return user


def search_items(graph: data.Graph, catalogue: pd.DataFrame, query: str, limit: int = 200) -> pd.DataFrame:
    """Items whose name contains ``query`` (case-insensitive) or whose id is ``query``, most popular first.

    The id is read with the dataset's id type, so ``007`` finds item "007" and not item 7.
    """
    query = query.strip()
    if not query:
        return catalogue.head(limit)
    by_name = catalogue["name"].str.contains(query, case=False, regex=False, na=False)
    item = data.parse_id(graph, query)
    by_id = catalogue["id"] == item if item is not None else False
    return catalogue[by_name | by_id].head(limit)


def paginated(frame: pd.DataFrame, key: str, *, column_config: dict[str, Any] | None = None,
              page_size: int = PAGE_SIZE) -> None:
    """A table shown ``page_size`` rows at a time, with a page number when there is more than one page."""
    pages = max(1, -(-len(frame) // page_size))
    table = st.container()
    page = 1
    if pages > 1:
        # The pager sits under the table, but is read first so the table shows the chosen page.
        note, pager = st.columns([3, 1], vertical_alignment="center")
        page = int(pager.number_input("Page", 1, pages, 1, key=key, label_visibility="collapsed"))
        note.caption(f"Page {page} of {pages} · rows {(page - 1) * page_size + 1}–"
                     f"{min(page * page_size, len(frame))} of {len(frame):,}")
    shown = frame.iloc[(page - 1) * page_size:page * page_size]
    table.dataframe(shown, hide_index=True, column_config=column_config, height=len(shown) * 35 + 38)


def with_items(frame: pd.DataFrame, catalogue: pd.DataFrame, noun: str, tags: int = data.TOP_FEATURES
               ) -> pd.DataFrame:
    """Add the item's display name and its first ``tags`` features (tags / categories) to a frame with ids."""
    known = catalogue.reindex(frame["id"])
    out = frame.copy()
    out.insert(1, noun, known["name"].fillna(out["id"].map(lambda i: f"{noun} {i}")).to_numpy())
    out["Tags"] = [", ".join(str(text).split(", ")[:tags]) if isinstance(text, str) else ""
                   for text in known["features"]]
    return out
