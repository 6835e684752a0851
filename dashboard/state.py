"""The page's URL query parameters as the one source of truth for the view, the user, K and the sliders.

Streamlit forgets a widget's value in any run that does not draw it, so a value set in one view would be
lost on the way through another. Every setting the views share is therefore kept in ``st.query_params``
under the widget's own key: :func:`setting` seeds the widget from the URL before it is drawn (the widget
gets no default of its own, so Streamlit never warns about two sources), and :func:`publish` writes the
value back after it is drawn. A URL copied from the address bar reopens the same view with the same user
and settings.
"""

from __future__ import annotations

from collections.abc import Callable, Container
from typing import Any

import streamlit as st

Parse = Callable[[str], Any]


def _read(key: str, parse: Parse) -> Any | None:
    text = st.query_params.get(key)
    if text is None:
        return None
    try:
        return parse(text)
    except (TypeError, ValueError):
        return None  # a hand-edited URL with a bad value falls back to the default


def setting(key: str, default: Any, parse: Parse = str, allowed: Container[Any] | None = None,
            bounds: tuple[float, float] | None = None) -> None:
    """Give the widget ``key`` its value from the URL (else ``default``) unless it holds one already.

    ``allowed`` (options of a selectbox or radio) and ``bounds`` (a slider's range) reject URL values the
    widget could not show.
    """
    pending = st.session_state.pop(f"pending_{key}", None)
    if pending is not None and _valid(pending, allowed, bounds):
        st.session_state[key] = pending
        return
    if key in st.session_state and _valid(st.session_state[key], allowed, bounds):
        return
    value = _read(key, parse)
    st.session_state[key] = value if value is not None and _valid(value, allowed, bounds) else default


def _valid(value: Any, allowed: Container[Any] | None, bounds: tuple[float, float] | None) -> bool:
    if allowed is not None and value not in allowed:
        return False
    return bounds is None or bounds[0] <= value <= bounds[1]


def publish(*keys: str) -> None:
    """Write the current values of ``keys`` into the URL (only when changed: each write costs a message)."""
    for key in keys:
        value = st.session_state.get(key)
        text = None if value is None else str(value)
        if st.query_params.get(key) != text:
            if text is None:
                del st.query_params[key]
            else:
                st.query_params[key] = text


def request(key: str, value: Any) -> None:
    """Ask for a widget's value to change at the next run (a drawn widget's value cannot be set), e.g. from
    a click in a chart or a button; the caller reruns."""
    st.session_state[f"pending_{key}"] = value


def items(key: str) -> list[str]:
    """A comma-separated list kept in the URL only (no widget shows it)."""
    return [part for part in st.query_params.get(key, "").split(",") if part]


def set_items(key: str, values: list[str]) -> None:
    if values:
        st.query_params[key] = ",".join(values)
    elif key in st.query_params:
        del st.query_params[key]


def number(text: str) -> int:
    return int(text)


def flag(text: str) -> bool:
    return text == "True"
