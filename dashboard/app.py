"""The mp2v dashboard (``mp2v dashboard``, or ``streamlit run dashboard/app.py``).

This script only wires things together: the sidebar picks the view and the runs, each view lives in
``dashboard/views/``, and every read goes through the cached functions of ``dashboard.data`` (Neo4j) and
``dashboard.artefacts`` (runs and reports).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from dashboard import data
from dashboard.context import Context, sidebar
from dashboard.views import benchmark, graph, item, overview, projector, user
from mp2v.config import load_settings
from mp2v.errors import ConfigError

View = Callable[[Context], None]
#: name -> (render, caption, needs the graph, needs a trained run)
VIEWS: dict[str, tuple[View, str, bool, bool]] = {
    "User": (user.render, "History, friends and top-K recommendations of each model side by side.", True, False),
    "Item": (item.render, "Nearest neighbours of an item in a run's embedding (the autoplay list).", True, True),
    "Graph": (graph.render, "A user's neighbourhood in Neo4j: click to inspect, double-click to expand, and "
              "the paths behind a recommendation.", True, False),
    "Embeddings": (projector.render, "A run's embedding space: PCA or UMAP, search, neighbours.", False, True),
    "Run overview": (overview.render, "The newest evaluation report: accuracy by K, diversity and exposure.", False,
                     False),
    "Benchmark": (benchmark.render, "Every method of the committed benchmark files (results/*.json).", False,
                  False),
}
#: Served by the app itself (no CDN): Streamlit fetches a material-icon favicon from fonts.gstatic.com.
FAVICON = Path(__file__).resolve().parent / "static" / "favicon.png"


def main() -> None:
    st.set_page_config(page_title="mp2v dashboard", page_icon=str(FAVICON), layout="wide")
    try:
        settings = load_settings()
    except ConfigError as error:
        st.error(f"Configuration problem: {error}")
        return
    name, ctx = sidebar(settings, list(VIEWS))
    render, caption, needs_graph, needs_runs = VIEWS[name]
    st.title(name)
    st.caption(caption)
    if ctx.graph.problem and (needs_graph or ctx.graph.runner is None):
        st.error(ctx.graph.problem)
        if needs_graph:
            st.info("This view reads the graph. The run overview works from the stored reports meanwhile.")
            return
    if needs_runs and not ctx.runs:
        st.info(ctx.no_runs_message)
        return
    try:
        render(ctx)
    except data.LOST_CONNECTION:
        # The cached runner's server went away; forget it so the next click reconnects.
        data.forget_connection()
        st.error(f"Lost the connection to Neo4j at {settings.neo4j.uri}; check that the server runs, then "
                 "click Reload data.")


main()
