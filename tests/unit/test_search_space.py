"""Grid edges of a search space: flagged unless the edge is the axis's natural limit."""

from __future__ import annotations

from mp2v.experiments.benchmark.space import MP2V_SPACE, NEUTRAL, SearchSpace, canonical


def test_edges_are_flagged_except_at_natural_limits() -> None:
    space = SearchSpace({}, [("window", [1, 2, 3]), ("dim", [64, 128, 256]), ("scoring", ["dot", "cosine", "x"]),
                             ("two", [1, 2]), ("flag", [True, False, True])], limits={"window": (1, None)})
    assert space.at_edge({"window": 1, "dim": 256, "scoring": "dot", "two": 2, "flag": True}) == ["dim"]
    assert space.at_edge({"window": 3, "dim": 128, "scoring": "x", "two": 1, "flag": False}) == ["window"]


def test_every_mp2v_axis_starts_inside_its_grid() -> None:
    for axis, values in MP2V_SPACE.axes:
        if axis in NEUTRAL:  # absent from the start (old trial keys stay valid); absence means the neutral value
            assert axis not in MP2V_SPACE.start and NEUTRAL[axis] in values, axis
            continue
        assert MP2V_SPACE.start[axis] in values, axis


def test_a_search_where_no_value_of_an_axis_absent_from_the_start_wins_finishes() -> None:
    """Axes added after trials were recorded (prior, pairs) are absent from the start; when none of their
    values improves, the chosen settings lack the axis: that reads as its first ("off") value, not an error."""
    from mp2v.experiments.benchmark.run import Benchmark, BenchmarkConfig
    from mp2v.experiments.benchmark.trials import Trial

    space = SearchSpace({"dim": 128}, [("dim", [64, 128, 256]), ("extra", [0, 1, 2, 4]), ("free", [5, 10, 20])],
                        limits={"extra": (0, None)})
    assert space.at_edge({"dim": 128}) == ["free"]  # absent "free" sits at 5, its lower edge
    bench = Benchmark.__new__(Benchmark)
    bench.config, bench.log = BenchmarkConfig(widen=1), lambda _: None
    bench.split = type("Split", (), {"shape": (1000, 1000)})()  # type: ignore[assignment]

    def validate(name: str, fit: object, params: dict[str, object]) -> Trial:
        # Only the start's dimension scores well; every "extra" and "free" value scores worse.
        score = 1.0 if params == {"dim": 128} else 0.5
        return Trial(name, "validation", dict(params), {"recall@20": score}, 0.0, repr(sorted(params.items())))

    bench._validate = validate  # type: ignore[method-assign]
    result = bench.search("M", space, fit=lambda params, stage: None)  # type: ignore[arg-type,return-value]
    assert result.best == {"dim": 128}
    assert result.at_edge == ["free"]  # widened once (to 2.5, worse) and still at its edge: flagged


def test_params_at_their_neutral_value_key_the_same_trial_as_params_without_them() -> None:
    start = dict(MP2V_SPACE.start)
    assert canonical({**start, "popularity_prior": 0.0, "interaction_pairs": 0, "trainer": "gensim",
                      "extra_walk_share": 0.5}) == start
    assert canonical({**start, "interaction_pairs": 2})["interaction_pairs"] == 2
    # A neutral value inside the grid (0.5 of 0.25-1.0) is neither edge; absence reads as that value.
    space = SearchSpace({}, [("extra_walk_share", [0.25, 0.5, 1.0])])
    assert space.at_edge({}) == [] and space.at_edge({"extra_walk_share": 1.0}) == ["extra_walk_share"]


def test_fast_mode_searches_the_start_s_neighbours_and_widens_an_edge_twice() -> None:
    from mp2v.experiments.benchmark.run import Benchmark, BenchmarkConfig
    from mp2v.experiments.benchmark.trials import Trial

    space = SearchSpace({"window": 5}, [("window", [1, 2, 3, 5, 10, 20, 30])], limits={"window": (1, None)})
    tried: list[int] = []

    def validate(name: str, fit: object, params: dict[str, object]) -> Trial:
        window = int(params["window"])  # type: ignore[call-overload]
        tried.append(window)
        return Trial(name, "validation", dict(params), {"recall@20": float(window)}, 0.0, str(window))

    bench = Benchmark.__new__(Benchmark)
    bench.config, bench.log = BenchmarkConfig(fast=True, widen=2), lambda _: None
    bench.split = type("Split", (), {"shape": (1000, 1000)})()  # type: ignore[assignment]
    bench._validate = validate  # type: ignore[method-assign]
    result = bench.search("M", space, fit=lambda params, stage: None)  # type: ignore[arg-type,return-value]
    # The start's neighbours, then widened twice by the window's own ratio (10 -> 20 -> 40), still an edge.
    assert sorted(set(tried)) == [3, 5, 10, 20, 40] and result.best == {"window": 40}
    assert result.at_edge == ["window"]


def test_fast_production_start_is_on_the_production_grid() -> None:
    from mp2v.experiments.benchmark.space import FAST_PRODUCTION_START, PRODUCTION_SPACE
    from mp2v.models.item2vec import PRODUCTION_PARAMS

    grid = dict(PRODUCTION_SPACE.axes)
    assert all(FAST_PRODUCTION_START[axis] in values for axis, values in grid.items())
    assert all(FAST_PRODUCTION_START[axis] == getattr(PRODUCTION_PARAMS, axis) for axis in grid)


def test_a_data_bounded_axis_widens_past_the_count_as_far_as_the_data_s_size() -> None:
    """Factors still rising at the window's edge: the count (once here) does not stop them short of the rank
    bound (users - 1), which ends the widening inside the grid; an unbounded axis still stops at the count."""
    from mp2v.experiments.benchmark.run import Benchmark, BenchmarkConfig
    from mp2v.experiments.benchmark.trials import Trial

    space = SearchSpace({"factors": 64, "free": 5},
                        [("factors", [32, 64, 128, 256, 512]), ("free", [2, 5, 10, 20])])
    tried: list[tuple[int, int]] = []

    def validate(name: str, fit: object, params: dict[str, object]) -> Trial:
        factors, free = int(params["factors"]), int(params["free"])  # type: ignore[call-overload]
        tried.append((factors, free))
        return Trial(name, "validation", dict(params), {"recall@20": factors + free / 1000}, 0.0, str(tried[-1]))

    bench = Benchmark.__new__(Benchmark)
    bench.config, bench.log = BenchmarkConfig(fast=True, widen=1), lambda _: None
    bench.split = type("Split", (), {"shape": (1000, 5000)})()  # type: ignore[assignment]
    bench._validate = validate  # type: ignore[method-assign]
    result = bench.search("M", space, fit=lambda params, stage: None)  # type: ignore[arg-type,return-value]
    assert sorted({f for f, _ in tried}) == [32, 64, 128, 256, 512, 999]  # 128 -> 256 -> 512 -> the bound
    assert sorted({w for _, w in tried}) == [2, 5, 10, 20]  # 10 -> 20 once, then flagged
    assert result.best == {"factors": 999, "free": 20} and result.at_edge == ["free"]


def test_a_joint_pair_reaches_a_ridge_that_one_axis_at_a_time_cannot() -> None:
    """Two axes that only pay together: from (1, 1) every single-axis move scores worse, so the passes stay
    there; the joint step tries the grids' product and finds (3, 3). A fast run without both axes skips it."""
    from mp2v.experiments.benchmark.run import Benchmark, BenchmarkConfig
    from mp2v.experiments.benchmark.space import fast
    from mp2v.experiments.benchmark.trials import Trial

    space = SearchSpace({"width": 1, "sample": 1}, [("width", [1, 2, 3]), ("sample", [1, 2, 3])],
                        passes=2, limits={"width": (1, 3), "sample": (1, 3)}, joint=[("width", "sample")])
    ridge = {(1, 1): 0.5, (3, 3): 1.0}
    tried: list[tuple[int, int]] = []

    def validate(name: str, fit: object, params: dict[str, object]) -> Trial:
        point = (int(params["width"]), int(params["sample"]))  # type: ignore[call-overload]
        tried.append(point)
        return Trial(name, "validation", dict(params), {"recall@20": ridge.get(point, 0.0)}, 0.0, str(point))

    bench = Benchmark.__new__(Benchmark)
    bench.config, bench.log = BenchmarkConfig(widen=1), lambda _: None
    bench.split = type("Split", (), {"shape": (1000, 1000)})()  # type: ignore[assignment]
    bench._validate = validate  # type: ignore[method-assign]
    result = bench.search("M", space, fit=lambda params, stage: None)  # type: ignore[arg-type,return-value]
    assert result.best == {"width": 3, "sample": 3} and result.at_edge == []
    assert set(tried) == {(d, s) for d in (1, 2, 3) for s in (1, 2, 3)}
    assert fast(space, keep=("width",)).joint_candidates({"width": 1}) == []


def test_a_named_trainer_leaves_the_trainer_axis_and_torch_the_tail_axis() -> None:
    from mp2v.experiments.benchmark.space import for_trainer

    def axes(named: bool, uses_torch: bool) -> set[str]:
        return {name for name, _ in for_trainer(MP2V_SPACE, named, uses_torch).axes}

    everything = {name for name, _ in MP2V_SPACE.axes}
    assert {"trainer", "tail"} <= everything
    assert axes(False, False) == everything
    assert axes(True, False) == everything - {"trainer"}
    assert axes(True, True) == everything - {"trainer", "tail"}


def test_the_tail_grid_starts_without_a_tail_and_every_value_parses() -> None:
    from mp2v.experiments.benchmark.methods import tail_of

    grid = dict(MP2V_SPACE.axes)["tail"]
    assert grid[0] is None and tail_of({"tail": grid[0]})[0] == 0
    rates = [tail_of({"tail": value})[1] for value in grid[1:]]
    assert rates == sorted(rates, reverse=True) and min(rates) < 0.00125 / 2  # reaches below the tuned rate
    assert canonical({"dimensions": 128, "tail": None}) == {"dimensions": 128}  # old trials keep their keys


def test_a_chosen_tail_gets_an_ablation_without_it_and_no_tail_gets_none() -> None:
    from mp2v.experiments.benchmark.run import _ablations

    best = {**MP2V_SPACE.start, "tail": "2@0.00125"}
    rows = dict(_ablations(best, MP2V_SPACE))
    assert rows["without the low-rate tail"] == {**best, "tail": None}
    assert not any("tail" in label for label, _ in _ablations(dict(MP2V_SPACE.start), MP2V_SPACE))


def test_the_tail_axis_is_ordered_by_its_rate_so_its_ends_are_edges_and_widen() -> None:
    space = SearchSpace({}, [("tail", [None, "2@0.005", "2@0.0025", "2@0.00125"])], limits={"tail": (0.0001, None)})
    assert space.at_edge({}) == [] and space.at_edge({"tail": None}) == []  # no tail: off the rate scale
    assert space.at_edge({"tail": "2@0.0025"}) == []
    assert space.at_edge({"tail": "2@0.00125"}) == space.at_edge({"tail": "2@0.005"}) == ["tail"]
    lower, new = space.widened("tail", {"tail": "2@0.00125"})
    assert new == "2@0.000625" and dict(lower.axes)["tail"] == [None, "2@0.005", "2@0.0025", "2@0.00125", "2@0.000625"]
    higher, new = space.widened("tail", {"tail": "2@0.005"})
    assert new == "2@0.01" and dict(higher.axes)["tail"][:2] == [None, "2@0.01"]
    floor = SearchSpace({}, [("tail", [None, "2@0.0004", "2@0.0002"])], limits={"tail": (0.0001, None)})
    assert floor.widened("tail", {"tail": "2@0.0002"})[1] == "2@0.0001"  # the limit, min_alpha
    at_floor = SearchSpace({}, [("tail", [None, "2@0.0004", "2@0.0002", "2@0.0001"])], limits={"tail": (0.0001, None)})
    assert at_floor.at_edge({"tail": "2@0.0001"}) == [] and at_floor.widened("tail", {"tail": "2@0.0001"})[1] is None
