"""Run overview: the newest evaluation report's accuracy by K, MRR, and beyond-accuracy measures."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import artefacts, charts, state
from dashboard.artefacts import Report
from dashboard.context import Context

KS = (10, 20, 50, 100)
SUMMARY = [("recall@{k}", "Recall"), ("ndcg@{k}", "NDCG"), ("precision@{k}", "Precision"),
           ("hit_rate@{k}", "Hit rate"), ("coverage@{k}", "Coverage"), ("diversity@{k}", "Diversity"),
           ("novelty@{k}", "Novelty"), ("gini@{k}", "Gini"), ("unique_features@{k}", "Unique tags")]


def render(ctx: Context) -> None:
    if ctx.reports:
        names = [r.name for r in ctx.reports]
        state.setting("report", names[0], allowed=names)
        chosen = st.selectbox("Evaluation report", names, key="report") if len(names) > 1 else names[0]
        report = ctx.reports[names.index(chosen)]
        state.setting("overview_k", 20, state.number, allowed=KS)
        k = st.radio("K for the summary and the beyond-accuracy charts", KS, key="overview_k", horizontal=True)
        state.publish("report", "overview_k")
        _accuracy(ctx, report, k)
        _beyond(report, k)
    else:
        st.info("No evaluation report yet: `mp2v demo` or `mp2v evaluate` writes one to "
                f"{ctx.home / 'reports'}.")


def _accuracy(ctx: Context, report: Report, k: int) -> None:
    results = report.results
    st.caption(f"Report `{report.name}` · {results.get('protocol')} protocol, {results.get('stage')} stage · "
               f"{results.get('users', 0):,} users × {results.get('items', 0):,} items · "
               f"{results.get('truth_interactions', 0):,} held-out interactions")
    rows = []
    for method in report.methods:
        metrics = method["metrics"]
        row = {"Method": method["name"]} | {label: metrics.get(key.format(k=k)) for key, label in SUMMARY}
        row["MRR"] = artefacts.mrr(ctx.home, report, method["name"], k)
        rows.append(row | {"Users": method.get("users_evaluated"), "Fit s": method.get("timings", {}).get("fit")})
    number = st.column_config.NumberColumn(format="%.3f")
    st.dataframe(pd.DataFrame(rows), hide_index=True, column_config={
        **{label: number for _, label in SUMMARY}, "Novelty": st.column_config.NumberColumn(format="%.2f"),
        "MRR": st.column_config.NumberColumn(format="%.3f", help="mean reciprocal rank of the first held-out hit "
                                                                  "in the top K (recomputed from the saved lists)"),
        "Unique tags": st.column_config.NumberColumn(format="%.1f", help="distinct tags / categories per list"),
        "Users": st.column_config.NumberColumn(format="localized"), "Fit s": st.column_config.NumberColumn(
            format="%.1f")})
    curves = pd.DataFrame([{"method": m["name"], "metric": metric, "k": kk,
                            "value": m["metrics"].get(f"{metric}@{kk}")}
                           for m in report.methods for metric in ("recall", "ndcg") for kk in KS])
    left, right = st.columns(2)
    left.altair_chart(charts.metric_by_k(curves[curves["metric"] == "recall"], "Recall"), width="stretch")
    right.altair_chart(charts.metric_by_k(curves[curves["metric"] == "ndcg"], "NDCG"), width="stretch")
    tests = results.get("significance", [])
    if tests:
        with st.expander(f"Paired significance tests ({len(tests)})"):
            table = pd.DataFrame([{"Comparison": f"{t['a']} vs {t['b']}", "Metric": t["metric"],
                                   "Mean diff": t["mean_diff"], "95% CI": f"[{t['ci_low']:+.4f}, {t['ci_high']:+.4f}]",
                                   "Wilcoxon p": f"{t['p_value']:.2g}",
                                   "Better / worse / tied": f"{t['n_better']} / {t['n_worse']} / {t['n_tied']}"}
                                  for t in tests])
            st.dataframe(table, hide_index=True, column_config={"Mean diff": st.column_config.NumberColumn(
                format="%+.4f")})


def _beyond(report: Report, k: int) -> None:
    st.subheader(f"Beyond accuracy at K = {k}")
    per_user, curves, stats = [], [], []
    for method in report.methods:
        name, loaded = method["name"], artefacts.arrays(report, method["name"])
        if loaded is None:
            continue
        if f"per_user/diversity@{k}" in loaded:
            path = report.artefact(name)
            per_user.append(artefacts.histogram(str(path), path.stat().st_mtime_ns, f"diversity@{k}").assign(
                method=name))
        path = report.artefact(name)
        coverage, gini, curve = artefacts.exposure(str(path), path.stat().st_mtime_ns, k)
        curves.append(curve.assign(method=name))
        stats.append((name, coverage, gini))
    if not stats:
        st.info(f"The report has no saved top-K lists ({report.folder / 'methods'}); re-run the evaluation.")
        return
    for column, (name, coverage, gini) in zip(st.columns(len(stats)), stats, strict=True):
        column.markdown(f"**{name}**")
        a, b = column.columns(2)
        a.metric("Coverage", f"{coverage:.1%}", help=f"share of the catalogue in any user's top {k}")
        b.metric("Gini", f"{gini:.3f}", help="inequality of exposure: 0 equal, 1 one item for everyone")
    left, right = st.columns(2)
    if per_user:
        left.altair_chart(charts.histogram(pd.concat(per_user), f"diversity@{k}",
                                           f"Per-user diversity of the top {k}"), width="stretch")
    right.altair_chart(charts.lorenz(pd.concat(curves)), width="stretch")
