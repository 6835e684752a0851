"""Benchmark view: every method of the committed benchmark files (``results/*.json``): metric-by-K curves,
the table at one K (precision, unique features per list and the rest), the verdict and the paired tests."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import artefacts, charts, components, state
from dashboard.context import Context
from mp2v.experiments.benchmark.results_file import LOWER_IS_BETTER, BenchmarkFile

NONE = "(absolute values)"
LABELS = {"recall": "Recall", "ndcg": "NDCG", "hit_rate": "Hit rate", "precision": "Precision",
          "coverage": "Coverage", "diversity": "Diversity", "novelty": "Novelty", "gini": "Gini",
          "unique_features": "Unique tags", "mrr": "MRR"}


def render(ctx: Context) -> None:
    folder = artefacts.results_folder()
    files, problems = artefacts.benchmarks(folder)
    for problem in problems:
        st.error(problem)
    if not files:
        st.info(f"No benchmark file in {folder}: `mp2v benchmark lastfm` writes results/lastfm.json "
                "(set MP2V_RESULTS to read another folder).")
        return
    names = [f.path.name for f in files]
    top = st.columns([2, 2, 2, 3])
    # The loaded dataset's main benchmark (results/<dataset>.json) first; the other protocols' files beside it.
    dataset = ctx.graph.model.dataset if ctx.graph.model else None
    state.setting("bench_file", f"{dataset}.json" if f"{dataset}.json" in names else names[0], allowed=names)
    chosen = files[names.index(top[0].selectbox("Benchmark file", names, key="bench_file"))]
    metrics, ks = chosen.metric_names(), chosen.ks()
    if not metrics or not ks:
        st.info(f"{chosen.path.name} records no metric at a cut-off K (such as recall@20): nothing to compare.")
        return
    state.setting("bench_metric", "recall" if "recall" in metrics else metrics[0], allowed=metrics)
    metric = top[1].selectbox("Metric", metrics, key="bench_metric", format_func=lambda m: LABELS.get(m, m))
    state.setting("bench_k", 20 if 20 in ks else ks[0], state.number, allowed=ks)
    k = top[2].radio("K for the table", ks, key="bench_k", horizontal=True)
    state.setting("bench_ablations", False, state.flag)
    ablations = top[3].toggle("Include the ablations", key="bench_ablations")
    groups = ("method", "ablation") if ablations else ("method",)
    shown = [row.name for row in chosen.rows if row.group in groups]
    state.setting("bench_ref", NONE, allowed=[NONE, *shown])
    reference = st.selectbox("Curves relative to", [NONE, *shown], key="bench_ref",
                             help="Subtract one method's value at each K, so the gaps between close methods show.")
    state.publish("bench_file", "bench_metric", "bench_k", "bench_ablations", "bench_ref")

    st.caption(f"`{chosen.path}` · `{chosen.command}` · {chosen.date} · {len(shown)} methods")
    for line in chosen.verdict:
        st.markdown(f"- {line}")
    label = LABELS.get(metric, metric)
    curves = pd.DataFrame(chosen.curves(metric, groups, None if reference == NONE else reference))
    st.altair_chart(charts.metric_by_k(curves, label, relative_to=None if reference == NONE else reference),
                    width="stretch")
    _table(chosen, k, groups)
    _tests(chosen, metric, k)


def _table(chosen: BenchmarkFile, k: int, groups: tuple[str, ...]) -> None:
    st.subheader(f"Every method at K = {k}")
    table = pd.DataFrame(chosen.table(k, groups)).rename(columns={"method": "Method", "fit_s": "Fit s", **LABELS})
    numeric = [c for c in table.columns if c != "Method"]
    table = table.dropna(axis="columns", how="all")
    numeric = [c for c in numeric if c in table.columns]
    styled = table.style.hide(axis="index").format({c: "{:.1f}" if c in ("Fit s", "Novelty", "Unique tags")
                                                    else "{:.4f}" for c in numeric}, na_rep="–")
    best = [c for c in numeric if c != "Fit s"]
    lower = [LABELS.get(m, m) for m in LOWER_IS_BETTER]
    styled = styled.highlight_max(subset=[c for c in best if c not in lower], props="font-weight: bold;"
                                  ).highlight_min(subset=[c for c in best if c in lower], props="font-weight: bold;")
    st.table(styled)
    st.caption("Bold: the best value of each column. Unique tags: distinct tags (genres) among the top K of a "
               "list, averaged over users (MP2V-4-Rec's \"unique artists and genres in the top 100\"). MRR "
               "is computed from saved lists, which benchmark files do not keep: see the run overview.")


def _tests(chosen: BenchmarkFile, metric: str, k: int) -> None:
    tests = [t for t in chosen.significance if str(t.get("metric", "")).startswith(f"{metric}@")]
    st.subheader(f"Paired tests on {LABELS.get(metric, metric)} ({len(tests)} of {len(chosen.significance)})")
    if not tests:
        st.caption("No paired test on this metric in the file.")
        return
    table = pd.DataFrame([{"Comparison": f"{t['a']} vs {t['b']}", "Metric": t["metric"],
                           "Mean diff": t["mean_diff"], "95% CI": f"[{t['ci_low']:+.4f}, {t['ci_high']:+.4f}]",
                           "Wilcoxon p": f"{t['p_value']:.2g}",
                           "Significant": "yes" if t["p_value"] < 0.05 and t["ci_low"] * t["ci_high"] > 0 else "no",
                           "Better / worse / tied": f"{t['n_better']} / {t['n_worse']} / {t['n_tied']}",
                           "Users": t.get("n_users")} for t in tests])
    components.static_table(table, digits={"Mean diff": 4})
