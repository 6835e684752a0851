"""The user view's "evaluated" mode: each method's saved top-K for the user in the newest report, marked
against the held-out items the evaluation judged it on, with the user's own Recall / NDCG per method."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard import artefacts, components
from dashboard.context import Context
from mp2v.evaluation.inspection import user_evaluation, user_row

HIT_MARK = "✓"


def render(ctx: Context, user: Any, k: int, catalogue: pd.DataFrame) -> None:
    if not ctx.reports:
        st.info(f"No evaluation report yet: `mp2v demo` or `mp2v evaluate` writes one to {ctx.home / 'reports'}; "
                "switch to Served now meanwhile.")
        return
    report = ctx.reports[0]
    truth = artefacts.report_truth(ctx.home, report)
    noun = ctx.item_noun()
    methods = [m["name"] for m in report.methods if artefacts.arrays(report, m["name"]) is not None]
    if not methods:
        st.info(f"The report has no saved top-K lists ({report.folder / 'methods'}); re-run the evaluation.")
        return
    results = report.results
    st.caption(f"Report `{report.name}` · {results.get('protocol')} protocol, {results.get('stage')} stage. "
               "Lists are the saved top 100 of every method for this user, cut at K; they exclude what the "
               "method trained on, not the held-out items, so a hit can be seen.")
    judged, rows = {}, {}
    for method in methods:
        arrays = artefacts.arrays(report, method)
        assert arrays is not None  # filtered above
        row = user_row(arrays, user)
        if row is not None:
            rows[method] = row
        aligned = truth is not None and truth.shape == (arrays["user_ids"].size, arrays["item_ids"].size)
        judged[method] = (arrays, None if row is None else user_evaluation(arrays, row, truth if aligned else None, k))
    first = next(iter(judged.values()))
    if first[1] is None:
        st.warning(f"User {user} is not among the users of report {report.name}.")
        return
    held_out = first[1].truth
    if truth is None:
        st.info("This report has no saved holdout split (KuaiRec judges on its small matrix), so hits cannot "
                "be marked; the lists are shown as scored.")
    elif held_out.size == 0:
        st.info(f"User {user} had nothing held out at this stage, so no metric is defined for them.")
    else:
        st.markdown(f"**{held_out.size} held-out {noun.lower()}s** for user {user}; {HIT_MARK} marks the ones a "
                    f"list found in its top {k}.")
    columns = st.columns(len(judged), gap="medium")
    for column, (method, (arrays, found)) in zip(columns, judged.items(), strict=True):
        with column:
            _one(method, arrays, found, k, catalogue, noun)
    if held_out.size:
        _held_out_table(judged, rows, held_out, catalogue, noun)


def _one(method: str, arrays: dict[str, Any], found: Any, k: int, catalogue: pd.DataFrame, noun: str) -> None:
    st.markdown(f"#### {method}")
    if found is None:
        st.warning(f"{method} did not rank this user.")
        return
    a, b, c = st.columns(3)
    a.metric(f"Recall@{k}", components.fmt(found.metrics.get("recall", float("nan"))))
    b.metric(f"NDCG@{k}", components.fmt(found.metrics.get("ndcg", float("nan"))))
    c.metric("Hits", f"{int(found.hits.sum())}/{found.truth.size}")
    ids = arrays["item_ids"][found.items]
    table = components.with_items(pd.DataFrame({"id": ids}), catalogue, noun, tags=2)
    table.insert(0, "#", range(1, len(table) + 1))
    table.insert(1, HIT_MARK, [HIT_MARK if hit else "" for hit in found.hits])
    components.static_table(table.drop(columns="id"), highlight=HIT_MARK, colour=components.HIT_COLOUR)


def _held_out_table(judged: dict[str, tuple[dict[str, Any], Any]], rows: dict[str, int], held_out: Any,
                    catalogue: pd.DataFrame, noun: str) -> None:
    """Every held-out item with its rank in each method's saved top 100 ('–' when outside it)."""
    first = next(iter(judged.values()))[0]
    table = components.with_items(pd.DataFrame({"id": first["item_ids"][held_out]}), catalogue, noun, tags=2)
    for method, (arrays, _) in judged.items():
        saved = arrays["topk"][rows[method]].tolist() if method in rows else []
        ranks = {int(col): rank for rank, col in enumerate(saved, start=1) if col >= 0}
        table.insert(len(table.columns) - 1, method, [str(ranks[c]) if c in ranks else "–" for c in held_out.tolist()])
    with st.expander(f"Held-out {noun.lower()}s and their rank in each saved top 100 ({len(table)})"):
        components.static_table(table.drop(columns="id"))
