"""Run overview: accuracy by K, beyond-accuracy measures and a 2-D projection of the embeddings."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import artefacts, charts, data
from dashboard.artefacts import Report
from dashboard.context import Context

KS = (10, 20, 50, 100)
SUMMARY = [("recall@{k}", "Recall"), ("ndcg@{k}", "NDCG"), ("hit_rate@{k}", "Hit rate"),
           ("coverage@{k}", "Coverage"), ("diversity@{k}", "Diversity"), ("novelty@{k}", "Novelty"),
           ("gini@{k}", "Gini")]


def render(ctx: Context) -> None:
    if ctx.reports:
        names = [r.name for r in ctx.reports]
        chosen = st.selectbox("Evaluation report", names, key="report") if len(names) > 1 else names[0]
        report = ctx.reports[names.index(chosen)]
        k = st.radio("K for the summary and the beyond-accuracy charts", KS, index=1, key="overview_k",
                     horizontal=True)
        _accuracy(report, k)
        _beyond(report, k)
    else:
        st.info("No evaluation report yet: `mp2v demo` or `mp2v evaluate` writes one to "
                f"{ctx.home / 'reports'}.")
    if ctx.compared:
        _projection(ctx)
    elif not ctx.reports:
        st.info(ctx.no_runs_message)


def _accuracy(report: Report, k: int) -> None:
    results = report.results
    st.caption(f"Report `{report.name}` · {results.get('protocol')} protocol, {results.get('stage')} stage · "
               f"{results.get('users', 0):,} users × {results.get('items', 0):,} items · "
               f"{results.get('truth_interactions', 0):,} held-out interactions")
    rows = []
    for method in report.methods:
        metrics = method["metrics"]
        row = {"Method": method["name"]} | {label: metrics.get(key.format(k=k)) for key, label in SUMMARY}
        rows.append(row | {"Users": method.get("users_evaluated"), "Fit s": method.get("timings", {}).get("fit")})
    number = st.column_config.NumberColumn(format="%.3f")
    st.dataframe(pd.DataFrame(rows), hide_index=True, column_config={
        **{label: number for _, label in SUMMARY}, "Novelty": st.column_config.NumberColumn(format="%.2f"),
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


def _projection(ctx: Context) -> None:
    st.subheader("Embeddings in two dimensions (PCA)")
    methods = list(ctx.compared)
    left, right = st.columns(2)
    method = left.radio("Run", methods, key="pca_method", horizontal=True)
    options = ["type", "top tag"] if ctx.graph.model and ctx.graph.model.feature_type else ["type"]
    colour = right.radio("Colour by", options, key="pca_colour", horizontal=True)
    points = artefacts.projection(ctx.runs_root, ctx.compared[method])
    names = data.item_names(ctx.graph, ctx.graph.key) if ctx.graph.model else {}
    is_item = points["kind"] == "item"
    points = points.assign(name=[names.get(i, f"item {i}") if item else f"user {i}"
                                 for i, item in zip(points["id"], is_item, strict=True)])
    if colour == "top tag":
        # Users have no tags; items keep their strongest tag when it is among the 12 most frequent.
        features = data.item_top_feature(ctx.graph, ctx.graph.key)
        tags = pd.Series([features.get(i, "(none)") for i in points.loc[is_item, "id"]], index=points.index[is_item])
        common = set(tags.value_counts().head(12).index) - {"(none)"}
        points = points[is_item].assign(**{"top tag": tags.where(tags.isin(common), "other")})
    else:
        points = points.assign(type=points["kind"])
    title = f"{method} run {ctx.compared[method]}: {int(is_item.sum()):,} items, {int((~is_item).sum()):,} users"
    st.altair_chart(charts.projection(points, colour, title), width="stretch")
