"""The Streamlit dashboard of mp2v: users, items, the graph and evaluation runs (see docs/dashboard.md)."""

from __future__ import annotations

from pathlib import Path


def app_path() -> Path:
    """The Streamlit script, in a checkout or in an installed wheel (the package ships it)."""
    return Path(__file__).resolve().parent / "app.py"
