"""Widgets and table helpers the views share: the user picker, item search, paginated tables, formats."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard import data, state
from dashboard.context import Context

#: Consistent number formats of every table (st.column_config formats).
#: Four decimals: collapsed spaces (item2vec) differ only in the third.
SCORE = st.column_config.NumberColumn(format="%.4f", width=70)
COUNT = st.column_config.NumberColumn(format="localized")
RANK = st.column_config.NumberColumn("#", format="%d", width=40)
PAGE_SIZE = 15


def fmt(value: float, digits: int = 3) -> str:
    """A metric value as text; a dash for undefined values."""
    return "–" if value is None or value != value else f"{value:.{digits}f}"


def signal_name(ctx: Context) -> str:
    """What the interaction signal is called in tables ('plays' for Last.fm)."""
    return ctx.graph.model.signal_property.replace("_", " ") if ctx.graph.model else "signal"


def user_picker(ctx: Context) -> Any | None:
    """Pick a user from the list, or type an id and press Enter: the list then shows that user too.

    The user lives in the URL (``?user=``), so it follows from view to view and survives a reload. A typed
    id that is not a user of the graph leaves the user on display as it was and says why.
    """
    users = data.users(ctx.graph, ctx.graph.key)
    if users.empty:
        st.warning("The graph has no users.")
        return None
    noun = ctx.item_noun().lower()
    labels = {uid: f"User {uid} · {n:,} {noun}s · {f:,} friends"
              for uid, n, f in zip(users["id"].tolist(), users["items"].tolist(), users["friends"].tolist(),
                                   strict=True)}
    state.setting("user", next(iter(labels)), lambda text: data.parse_id(ctx.graph, text), allowed=labels)
    pick, typed = st.columns([3, 2])
    chosen = pick.selectbox("User", list(labels), key="user", format_func=lambda u: labels[u])
    typed.text_input("… or type a user id and press Enter", key="user_search", placeholder="e.g. 2",
                     on_change=_jump_to_typed_user, args=(ctx.graph, labels, users))
    if st.session_state.get("user_error"):
        st.error(st.session_state["user_error"])
    state.publish("user")
    st.header(f"User {chosen}")
    return chosen


def _jump_to_typed_user(graph: data.Graph, labels: dict[Any, str], users: pd.DataFrame) -> None:
    """Callback of the id box: a known id becomes the picked user (the box empties); else an error line."""
    text = str(st.session_state.get("user_search", "")).strip()
    user = data.parse_id(graph, text) if text else None
    if user is not None and user in labels:
        st.session_state["user"] = user
        st.session_state["user_search"] = ""
        st.session_state["user_error"] = ""
    elif text:
        st.session_state["user_error"] = (
            f"No user with id {text!r} in the graph ({len(labels):,} users; ids from {users['id'].min()} to "
            f"{users['id'].max()}); still showing user {st.session_state.get('user')}.")


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


HIT_COLOUR = "background-color: rgba(84, 162, 75, 0.18)"
SHARED_COLOUR = "background-color: rgba(245, 133, 24, 0.12)"


def static_table(frame: pd.DataFrame, *, highlight: str | None = None, colour: str = SHARED_COLOUR,
                 digits: dict[str, int] | None = None) -> None:
    """A table that wraps long cells instead of clipping them (lists shown side by side are narrow); rows
    whose ``highlight`` column is set are tinted."""
    styled = frame.style.hide(axis="index").format({c: f"{{:.{d}f}}" for c, d in (digits or {}).items()},
                                                   na_rep="–")
    if highlight is not None:
        styled = styled.apply(lambda row: [colour if row[highlight] else ""] * len(row), axis=1)
    st.table(styled)
