"""Grid edges of a search space: flagged unless the edge is the axis's natural limit."""

from __future__ import annotations

from mp2v.experiments.benchmark.space import MP2V_SPACE, RESCORING_AXES, SearchSpace


def test_edges_are_flagged_except_at_natural_limits() -> None:
    space = SearchSpace({}, [("window", [1, 2, 3]), ("dim", [64, 128, 256]), ("scoring", ["dot", "cosine", "x"]),
                             ("two", [1, 2]), ("flag", [True, False, True])], limits={"window": (1, None)})
    assert space.at_edge({"window": 1, "dim": 256, "scoring": "dot", "two": 2, "flag": True}) == ["dim"]
    assert space.at_edge({"window": 3, "dim": 128, "scoring": "x", "two": 1, "flag": False}) == ["window"]


def test_every_mp2v_axis_starts_inside_its_grid() -> None:
    for axis, values in MP2V_SPACE.axes:
        if axis in (*RESCORING_AXES, "interaction_pairs"):
            # Absent from the start (old trial keys stay valid): the first value is "off".
            assert axis not in MP2V_SPACE.start and values[0] == 0
            continue
        assert MP2V_SPACE.start[axis] in values, axis
