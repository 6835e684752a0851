"""User view: history, friends, and each method's top-K list side by side: as the evaluation scored it
(held-out hits marked), or as a run would serve it now."""

from __future__ import annotations

from collections import Counter
from itertools import combinations

import pandas as pd
import streamlit as st

from dashboard import artefacts, beyond, components, data, state
from dashboard.components import COUNT, fmt
from dashboard.context import Context
from dashboard.views import coldstart, evaluated
from mp2v.embeddings.projection import COLLAPSE_COSINE

SHARED_MARK = "◆"
EVALUATED, SERVED = "Evaluated (report's split)", "Served now"
MODES = [EVALUATED, SERVED]
MODE_HELP = ("Evaluated: each method's saved top-K for this user in the newest report, as the evaluation "
             "scored it, with the held-out items it found. Served now: what each compared run would "
             "recommend today, with everything the user has already heard excluded.")


def render(ctx: Context) -> None:
    if coldstart.user_mode() == coldstart.NEW_USER:
        coldstart.new_user(ctx)
        return
    user = components.user_picker(ctx)
    if user is None:
        return
    graph, noun = ctx.graph, ctx.item_noun()
    catalogue = data.catalogue(graph, graph.key)
    history = data.history(graph, graph.key, user)
    friends = data.friends(graph, graph.key, user)
    signal = components.signal_name(ctx)

    a, b, c = st.columns(3)
    a.metric(f"{noun}s in history", f"{len(history):,}")
    b.metric(f"Total {signal}", f"{history['signal'].sum():,.0f}")
    c.metric("Friends", f"{len(friends):,}")

    left, right = st.columns([3, 2], gap="large")
    with left:
        st.subheader(f"History: top {noun.lower()}s by {signal}")
        shown = components.with_items(history, catalogue, noun).rename(columns={"signal": signal.capitalize()})
        components.paginated(shown.drop(columns="id"), "history_page",
                             column_config={signal.capitalize(): COUNT, "Tags": st.column_config.TextColumn()})
    with right:
        st.subheader("Friends")
        table = friends.rename(columns={"id": "User", "items": f"{noun}s", "shared": "Shared"})
        components.paginated(table, "friends_page", column_config={f"{noun}s": COUNT, "Shared": COUNT})

    st.subheader("Recommendations")
    a, b, c = st.columns([2, 2, 2])
    state.setting("mode", EVALUATED, allowed=MODES)
    mode = a.radio("Lists", MODES, key="mode", horizontal=True, help=MODE_HELP)
    state.setting("k", 10, state.number, bounds=(5, 50))
    k = b.slider("List length K", 5, 50, step=5, key="k")
    state.setting("min_users", 1, state.number, bounds=(1, 100))
    min_users = c.slider(f"Only {noun.lower()}s with at least this many users", 1, 100, key="min_users",
                         help="Hides rare items from the served-now lists and the item view's neighbours; the "
                              "evaluated lists are shown as they were scored.", disabled=mode == EVALUATED)
    state.publish("mode", "k", "min_users")
    if mode == EVALUATED:
        evaluated.render(ctx, user, k, catalogue)
        return
    if not ctx.compared:
        st.info(ctx.no_runs_message)
        return
    rare = catalogue.index[catalogue["users"] < min_users] if min_users > 1 else []
    seen = frozenset(history["id"].tolist()) | frozenset(rare)
    lists = {method: artefacts.recommend(ctx.runs_root, run_id, user, k, seen)
             for method, run_id in ctx.compared.items()}
    found = {m: frame for m, frame in lists.items() if frame is not None}
    report = ctx.reports[0] if ctx.reports else None
    space = beyond.reference_space(str(ctx.home), str(report.folder) if report else None, report, graph,
                                   graph.key)
    _overlap_line(found)
    columns = st.columns(len(lists), gap="medium")
    for column, (method, frame) in zip(columns, lists.items(), strict=True):
        with column:
            _one_list(ctx, method, frame, found, catalogue, space)
    _shared_table(found, catalogue, noun)
    st.caption(f"{SHARED_MARK} marks an item that other lists recommend too. Scores use each run's own rule "
               "(dot: user input · item output; cosine of input vectors for item2vec); seen items are excluded"
               + (f", and so are {noun.lower()}s with fewer than {min_users} users" if min_users > 1 else "")
               + ". Diversity = 1 − mean pairwise cosine and novelty = mean −log₂ popularity, both in the "
               f"evaluation's reference space ({space.source if space else 'unavailable'}).")


def _overlap_line(found: dict[str, pd.DataFrame]) -> None:
    pairs = [f"{a} & {b}: **{len(set(found[a]['id']) & set(found[b]['id']))}**"
             for a, b in combinations(found, 2)]
    if pairs:
        st.markdown("Shared between lists · " + " · ".join(pairs))


def _one_list(ctx: Context, method: str, frame: pd.DataFrame | None, found: dict[str, pd.DataFrame],
              catalogue: pd.DataFrame, space: beyond.ReferenceSpace | None) -> None:
    meta = ctx.meta(method)
    st.markdown(f"#### {method}")
    st.caption(f"run `{meta['run_id']}` · {meta.get('scoring', 'dot')} scoring")
    if frame is None:
        st.warning(f"This {method} run has no vector for the user (no walk reached them), so it cannot "
                   "recommend anything for them.")
        return
    cosine = artefacts.item_cosine(ctx.runs_root, meta["run_id"])
    if cosine > COLLAPSE_COSINE:
        st.warning(f"Collapsed space: the item vectors point almost the same way (mean pairwise cosine "
                   f"{cosine:.2f}), so scores differ only in the third decimal; read the rank.")
    others = {m: set(f["id"]) for m, f in found.items() if m != method}
    diversity, novelty = space.measure(frame["id"].tolist()) if space else (float("nan"), float("nan"))
    shared = [sorted(m for m, ids in others.items() if item in ids) for item in frame["id"]]
    a, b, c = st.columns(3)
    a.metric("Diversity", fmt(diversity), help="1 − mean pairwise cosine of the list in the reference space")
    b.metric("Novelty", fmt(novelty, 2), help="mean −log₂(share of users who know the item), in bits")
    c.metric("Shared", f"{sum(1 for s in shared if s)}/{len(frame)}", help="items also in another list")
    # A one-character marker column and two tags per item keep three lists side by side readable.
    table = components.with_items(frame, catalogue, ctx.item_noun(), tags=2).rename(columns={"score": "Score"})
    table.insert(0, "#", range(1, len(table) + 1))
    table.insert(1, SHARED_MARK, [SHARED_MARK if s else "" for s in shared])
    components.static_table(table.drop(columns="id"), highlight=SHARED_MARK, digits={"Score": 4})


def _shared_table(found: dict[str, pd.DataFrame], catalogue: pd.DataFrame, noun: str) -> None:
    """Items that more than one list recommends, with their rank in every list."""
    ranks = {m: {item: rank for rank, item in enumerate(frame["id"], start=1)} for m, frame in found.items()}
    counts = Counter(item for r in ranks.values() for item in r)
    shared = sorted((i for i, n in counts.items() if n > 1), key=lambda i: min(r.get(i, 99) for r in ranks.values()))
    if not shared:
        st.caption(f"No {noun.lower()} is recommended by more than one list.")
        return
    st.markdown(f"**{SHARED_MARK} Recommended by more than one list** (rank in each list)")
    table = components.with_items(pd.DataFrame({"id": shared}), catalogue, noun)
    for method, ranking in ranks.items():
        table.insert(len(table.columns) - 1, method, [str(ranking[i]) if i in ranking else "–" for i in shared])
    components.static_table(table.drop(columns="id"))
