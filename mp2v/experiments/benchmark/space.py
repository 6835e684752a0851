"""What the benchmark searches: a coordinate search per method, over grids wide enough that the chosen
value is not on an edge (the report flags it when it is).

Coordinate search: start from ``start``; for each axis in turn, try every value with the other parameters
at their current best, keep the best (validation Recall@20 + NDCG@20); repeat ``passes`` times. It costs the
sum, not the product, of the axis sizes, which is what makes tuning MP2V (30-40 s a trial here) affordable.
Pairs of axes named in ``joint`` are then tried on their whole product, with the other parameters at the
best, once the passes and the widened edges have settled: one axis at a time, the search neither returns to
axes whose optimum an edge's widening moved nor crosses a ridge between two axes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

from mp2v.models.item2vec import PRODUCTION_PARAMS
from mp2v.training.gensim_sgns import TrainConfig

#: Axes bounded by the data: a model of more factors than users (or a neighbourhood larger than the
#: catalogue) only costs time. Value: which dimension of the users x items matrix bounds it.
DATA_BOUNDED = {"factors": "users", "dimensions": "users", "dim": "users", "k": "users", "top_k": "items"}
#: Axes that only change how a trained model scores (its runs are reused), so they cost an evaluation each.
RESCORING_AXES = ("popularity_prior",)
#: The params key of a trial's seed offset (absent = 0, the search's own seed; see benchmark.finalists).
SEED_OFFSET = "seed_offset"
#: Axes added after trials were recorded, absent from the start, and the value that absence means: params at
#: these values are dropped before keying a trial (``canonical``), so old trials keep their keys and a value
#: equal to the absent one is the same trial.
NEUTRAL: dict[str, Any] = {"popularity_prior": 0.0, "interaction_pairs": 0, "extra_walk_share": 0.5,
                           "trainer": "gensim", "return_weight": 1.0, "tail": None, SEED_OFFSET: 0}
#: MP2V axes a fast run keeps (the ones that moved the choice most on Last.fm validation).
FAST_MP2V_AXES = ("dimensions", "negative", "ns_exponent", "window", "popularity_prior", "interaction_pairs")


def _tail_rate(value: Any) -> float | None:
    """``tail`` "E@A" ordered by its rate A; None (no tail) is not on the rate scale."""
    return float(str(value).partition("@")[2]) if value else None


def _tail_at(like: Any, rate: float) -> str:
    return f"{str(like).partition('@')[0]}@{rate:g}"


#: Axes whose values are not numbers but are ordered by one, read and written for grid edges and widening.
ORDERED_BY = {"tail": (_tail_rate, _tail_at)}


def _number(axis: str, value: Any) -> float | None:
    """The number that orders ``value`` on ``axis``'s grid; None for values off any scale (names, flags)."""
    if axis in ORDERED_BY:
        return ORDERED_BY[axis][0](value)
    return None if isinstance(value, bool) or not isinstance(value, int | float) else value


def _numbers(axis: str, values: list[Any]) -> list[float]:
    return [number for number in (_number(axis, value) for value in values) if number is not None]


@dataclass(frozen=True)
class SearchSpace:
    start: dict[str, Any]
    axes: list[tuple[str, list[Any]]] = field(default_factory=list)
    passes: int = 1
    #: Values an axis cannot go beyond (window >= 1, sample >= 0): a choice there is not on a grid's edge.
    limits: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    #: Pairs of axes tried on their grids' product once the search has settled (both must be searched axes).
    joint: list[tuple[str, str]] = field(default_factory=list)

    def value(self, params: dict[str, Any], axis: str) -> Any:
        """``axis``'s value in ``params``; absent, its NEUTRAL value (or the grid's first value)."""
        return params.get(axis, NEUTRAL.get(axis, dict(self.axes)[axis][0]))

    def at_edge(self, best: dict[str, Any]) -> list[str]:
        """Numeric axes whose chosen value is the first or last of its grid, unless that is the axis's limit.
        An axis absent from ``best`` (one not in the start that no value of improved) is at its NEUTRAL value."""
        edges = []
        for axis, values in self.axes:
            numbers = _numbers(axis, values)
            chosen = _number(axis, self.value(best, axis))
            if len(numbers) <= 2 or chosen is None:
                continue
            low, high = self.limits.get(axis, (None, None))
            if (chosen == min(numbers) and chosen != low) or (chosen == max(numbers) and chosen != high):
                edges.append(axis)
        return edges

    def scaled(self, users: int, items: int, *, item_k: bool = False) -> SearchSpace:
        """The space with every data-bounded axis cut at the data's size (``item_k``: ``k`` counts items)."""
        size = {"users": users, "items": items}
        axes, start, limits = [], dict(self.start), dict(self.limits)
        for axis, values in self.axes:
            bound = DATA_BOUNDED.get(axis)
            if bound is None or not values or not isinstance(values[0], int) or isinstance(values[0], bool):
                axes.append((axis, values))
                continue
            cap = max(1, (items if item_k and axis == "k" else size[bound]) - 1)
            kept = [v for v in values if v <= cap] or [cap]
            if kept[-1] < cap and len(kept) < len(values):
                kept.append(cap)  # the grid still reaches the data's limit
            axes.append((axis, kept))
            if axis in start and start[axis] > cap:
                start[axis] = kept[-1]
            limits[axis] = (limits.get(axis, (None, None))[0], cap)
        return replace(self, start=start, axes=axes, limits=limits)

    def bounded_edge(self, axis: str, best: dict[str, Any]) -> bool:
        """Whether ``best`` sits on the upper edge of an axis with an upper limit (the data's size for
        factors, neighbours and dimensions), so that widening it must end at that limit."""
        values = dict(self.axes).get(axis, [])
        return bool(values) and self.limits.get(axis, (None, None))[1] is not None and \
            self.value(best, axis) == values[-1]

    def widened(self, axis: str, best: dict[str, Any]) -> tuple[SearchSpace, Any]:
        """The space with ``axis`` extended by one step past the edge ``best`` sits on, and the new value
        (None when the axis cannot go further: a limit, or not a numeric grid)."""
        values = dict(self.axes).get(axis, [])
        numbered = [(v, n) for v in values if (n := _number(axis, v)) is not None]
        numbers = sorted(n for _, n in numbered)
        chosen = _number(axis, self.value(best, axis))
        if len(numbers) < 2 or chosen is None:
            return self, None
        low, high = self.limits.get(axis, (None, None))
        upper = chosen == numbers[-1]
        edge, inner = (numbers[-1], numbers[-2]) if upper else (numbers[0], numbers[1])
        # The grid's own ratio (geometric grids), or its own step where a ratio means nothing.
        new = edge * edge / inner if edge > 0 and inner > 0 else edge + (edge - inner)
        if all(isinstance(value, int) for value in values):
            new = math.ceil(new) if upper else math.floor(new)
        if (high is not None and new > high) or (low is not None and new < low) or new in numbers:
            if upper and high is not None and high not in numbers:
                new = high
            elif not upper and low is not None and low not in numbers:
                new = low
            else:
                return self, None
        value = new if axis not in ORDERED_BY else ORDERED_BY[axis][1](self.value(best, axis), new)
        # Unnumbered values ("no tail") first, then the numbered ones in the grid's own direction.
        descending = numbered[0][1] > numbered[-1][1]
        ordered = sorted([*numbered, (value, new)], key=lambda pair: pair[1], reverse=descending)
        grid = [v for v in values if _number(axis, v) is None] + [v for v, _ in ordered]
        return replace(self, axes=[(a, grid if a == axis else v) for a, v in self.axes]), value

    def joint_candidates(self, best: dict[str, Any]) -> list[dict[str, Any]]:
        """``best`` with each ``joint`` pair set to every combination of its two grids (pairs whose axes
        are not both searched, as in a fast run, are skipped)."""
        grids = dict(self.axes)
        return [{**best, first: a, second: b} for first, second in self.joint
                if first in grids and second in grids for a in grids[first] for b in grids[second]]


#: Baselines by their registry name (mp2v.models.BASELINES), with display names.
BASELINE_SPACES: dict[str, tuple[str, SearchSpace]] = {
    "popularity": ("Popularity", SearchSpace({})),
    "userknn": ("UserKNN", SearchSpace(
        {"k": 50, "weighting": "binary", "shrink": 0.0},
        [("k", [10, 20, 30, 50, 100, 200, 400]), ("weighting", ["binary", "log1p"]),
         ("shrink", [0.0, 10.0, 50.0, 200.0])])),
    "itemknn": ("ItemKNN", SearchSpace(
        {"k": 100, "weighting": "binary", "shrink": 0.0},
        [("k", [10, 25, 50, 100, 200, 400, 800, 1600, 3200, 6400]), ("weighting", ["binary", "log1p"]),
         ("shrink", [0.0, 10.0, 50.0, 200.0, 500.0, 1000.0])], limits={"shrink": (0.0, None)})),
    "rp3beta": ("RP3beta", SearchSpace(
        {"alpha": 1.0, "beta": 0.3, "top_k": 100},
        [("alpha", [0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5]),
         ("beta", [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6]), ("top_k", [50, 100, 200, 400, 800, 1600, 3200, 6400, 12800])],
        passes=2, limits={"beta": (0.0, None)})),
    "ease": ("EASE", SearchSpace(
        {"l2": 100.0, "weighting": "binary"},
        [("l2", [5.0, 10.0, 25.0, 50.0, 100.0, 200.0, 400.0, 800.0, 1600.0]), ("weighting", ["binary", "log1p"])],
        passes=2)),
    "ials": ("iALS", SearchSpace(
        {"factors": 128, "regularization": 30.0, "alpha": 10.0, "iterations": 15},
        [("regularization", [0.1, 1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0]),
         ("alpha", [0.3, 1.0, 3.0, 10.0, 30.0, 100.0]), ("factors", [32, 64, 128, 256, 384, 512, 768, 1024, 1536]),
         ("iterations", [1, 2, 3, 5, 10, 15, 30, 50])], passes=2, limits={"iterations": (1, None)})),
    "bpr": ("BPR", SearchSpace(
        # Centred on a low learning rate: implicit's SGD BPR at lr 0.003 reached 0.1474 Recall@10 on RecBole's
        # 8:1:1 split against 0.1348 at the lr 0.018 an earlier grid (0.005-0.3, start 0.05) chose
        # (results/lastfm-ratio-8-1-1-recbole.md); small steps need more iterations.
        {"factors": 128, "learning_rate": 0.005, "regularization": 0.01, "iterations": 300},
        [("learning_rate", [0.0005, 0.001, 0.003, 0.005, 0.01, 0.03, 0.1]),
         ("regularization", [0.0001, 0.001, 0.01, 0.1]),
         ("iterations", [50, 100, 300, 600, 1200]), ("factors", [64, 128, 256])])),
}

PRODUCTION_SPACE = SearchSpace(
    {"dim": 128, "window": 10, "ns_exponent": 0.75, "epochs": 10, "shuffles": 5, "weighting": "uniform",
     "workers": 2, "seed": 42},
    [("window", [1, 2, 3, 10, 30, 100]), ("ns_exponent", [-3.0, -2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 0.75, 1.0]),
     ("epochs", [1, 2, 3, 5, 10, 20]), ("weighting", ["uniform", "log1p"])], passes=2,
    limits={"window": (1, None), "epochs": (1, None)})
#: Where ``--fast`` starts the production baseline: the settings the full Last.fm holdout run chose
#: (``PRODUCTION_PARAMS``). From the defaults, a narrowed search stopped at half that quality (Recall@20 0.059
#: against 0.133), and the whole search took 6 min on holdout and over 50 on leave-one-out.
FAST_PRODUCTION_START = {axis: getattr(PRODUCTION_PARAMS, axis) for axis in PRODUCTION_SPACE.start}

#: MP2V, flat: walk, skip-gram and scoring settings in one dict (see benchmark.methods.mp2v_spec). Walks per
#: node, epochs and the learning rate set the training amount together, which has a narrow optimum: one at a
#: time they cannot move off it, so ``schedule`` ("<walks per node>x<epochs>@<alpha>", overriding the three)
#: tries them jointly; two passes let the other axes re-settle around a new schedule.
MP2V_SPACE = SearchSpace(
    {"metapaths": "uiu", "weighted": True, "walks_per_node": 10, "walk_length": 40, "start": "users",
     "dimensions": 128, "window": 3, "negative": 5, "ns_exponent": 0.0, "epochs": 5, "alpha": 0.025,
     "sample": 0.001, "scoring": "dot", "schedule": None, "init": "random"},
    [("scoring", ["dot", "cosine"]), ("ns_exponent", [-0.25, 0.0, 0.25, 0.75]), ("window", [1, 2, 3, 5, 8]),
     ("dimensions", [64, 128, 256, 384, 512, 768]), ("negative", [3, 5, 10, 15, 20]), ("epochs", [3, 5, 8, 12]),
     ("alpha", [0.0125, 0.025, 0.05]), ("walks_per_node", [5, 10, 20]), ("walk_length", [20, 40, 80]),
     ("sample", [0.0, 0.0001, 0.001, 0.01]), ("weighted", [True, False]),
     ("metapaths", ["uiu", "uiu+features", "uiu+follows", "uiu+features+follows"]),
     ("schedule", [None, "5x10@0.025", "20x3@0.025", "20x2@0.025", "20x5@0.0125", "40x2@0.0125",
                   "10x10@0.0125", "10x3@0.05"]),
     ("init", ["random", "item2vec", "item2vec-frozen"]),
     # Not in ``start`` (absent = their NEUTRAL value), so trials recorded before these axes existed keep their keys.
     ("popularity_prior", [0.0, 0.1, 0.25, 0.5, 1.0]),
     # The training interactions as ``user item`` sentences, this many per epoch (mp2v.walks.pairs).
     ("interaction_pairs", [0, 1, 2, 4]),
     # Walks through tags / follows per node, as a share of the main metapath's (per-metapath weights).
     ("extra_walk_share", [0.25, 0.5, 1.0]),
     # Type-aware negatives (metapath2vec++) for one model, not only for the chosen ensemble (dropped from the
     # space when `mp2v benchmark --trainer` names another trainer).
     ("trainer", ["gensim", "numba-typed"]),
     # The weight of a step back to the node two steps before (1: plain walks; 0: non-backtracking where
     # another way on exists), mp2v.walks.memory_engine.
     ("return_weight", [0.0, 0.5, 1.0]),
     # A low-rate tail: 2 epochs more after the schedule, the rate restarting low (TrainConfig.tail_epochs /
     # tail_alpha). Ordered by rate (ORDERED_BY), so a choice at either end widens like a number; the eighth
     # round chose 2@0.00125 on validation, and the grid reaches two halvings below it.
     ("tail", [None, "2@0.005", "2@0.0025", "2@0.00125", "2@0.000625", "2@0.0003125"])],
    passes=2, limits={"window": (1, None), "sample": (0.0, None), "popularity_prior": (0.0, None),
                      "interaction_pairs": (0, None), "extra_walk_share": (0.0, None), "return_weight": (0.0, 1.0),
                      # A tail's rate lies in [min_alpha, alpha] (TrainConfig); alpha is itself searched.
                      "tail": (TrainConfig.min_alpha, None)},
    # Dimensions and down-sampling, tried together once the widened edges have settled: on Last.fm the
    # passes set both before tag walks were widened to twice the main metapath's, and at that share more
    # dimensions pay (validation, one seed: 256 -> 768 dimensions +0.0045 Recall@20 at sample 0.001, where
    # at the passes' share of 1 they cost 0.003); one axis at a time the search never went back to them.
    joint=[("dimensions", "sample")])

#: Seed ensembles tried on the best MP2V configuration (scores summed over independently trained models).
ENSEMBLE_SIZES = [1, 3, 5, 8, 12, 16]


def for_trainer(space: SearchSpace, named: bool, uses_torch: bool) -> SearchSpace:
    """``space`` for a benchmark whose user named the trainer (``named``: the search keeps it, so the
    ``trainer`` axis goes) and, for the torch trainers, without the ``tail`` axis (they train no tail)."""
    dropped = ({"trainer"} if named else set()) | ({"tail"} if uses_torch else set())
    return replace(space, axes=[(name, values) for name, values in space.axes if name not in dropped])


def canonical(params: dict[str, Any]) -> dict[str, Any]:
    """``params`` without the axes that sit at their NEUTRAL value (the key a trial is stored under)."""
    return {k: v for k, v in params.items() if not (k in NEUTRAL and v == NEUTRAL[k])}


def quick(space: SearchSpace, values_per_axis: int = 2, axes: int = 2) -> SearchSpace:
    """A small version of a space for tests and smoke runs."""
    return SearchSpace(space.start, [(name, values[:values_per_axis]) for name, values in space.axes[:axes]], 1)


def fast(space: SearchSpace, keep: tuple[str, ...] | None = None, reach: int = 1) -> SearchSpace:
    """What ``mp2v benchmark --fast`` searches: one pass, only the ``keep`` axes (when given), and on each
    axis only the start value and its ``reach`` neighbours on the grid (a choice on the edge of that window
    widens it, like any grid edge)."""
    axes = []
    for name, values in space.axes:
        if keep is not None and name not in keep:
            continue
        if name in RESCORING_AXES:
            axes.append((name, values))  # no training per value: the whole grid costs little
            continue
        start = space.value(space.start, name)
        at = values.index(start) if start in values else len(values) // 2
        axes.append((name, values[max(0, at - reach):at + reach + 1]))
    return replace(space, axes=axes, passes=1)

#: LightGCN (optional extra ``mp2v[gnn]``); parameter names of mp2v.models.lightgcn.LightGCNParams. The
#: start is the configuration measured best on Last.fm validation (docs/lightgcn.md); a fit takes ~2 min here.
GNN_SPACE = SearchSpace(
    {"dim": 128, "layers": 2, "l2": 1e-3, "epochs": 160, "learning_rate": 5e-3},
    [("layers", [1, 2, 3, 4]), ("l2", [1e-4, 1e-3, 1e-2]), ("dim", [64, 128, 192])])
