"""The quality-against-fit-time chart keeps the names of points that land on one spot readable."""

from __future__ import annotations

import matplotlib.pyplot as plt

from mp2v.experiments.benchmark.fair import _annotate_apart  # selects the Agg backend


def _offsets(points: list[tuple[float, float, str]]) -> dict[str, float]:
    figure, axis = plt.subplots(figsize=(7.5, 4.5))
    axis.scatter([p[0] for p in points], [p[1] for p in points])
    axis.set_xscale("log")
    _annotate_apart(figure, axis, points)
    offsets = {text.get_text(): text.xyann[1] for text in axis.texts}
    plt.close(figure)
    return offsets


def test_labels_on_one_spot_are_moved_apart() -> None:
    offsets = _offsets([(8.3, 0.615, "R-MP2V (single model)"), (9.1, 0.615, "MP2V uniform (single model)"),
                        (32.0, 0.614, "MP2V best"), (0.01, 0.40, "Popularity")])
    same_spot = [offsets["R-MP2V (single model)"], offsets["MP2V uniform (single model)"]]
    assert len(set(same_spot)) == 2 and min(same_spot) <= 3.0 - 9.0  # one of them moved down a line
    assert offsets["Popularity"] == 3.0  # a point far from the others keeps its label beside it


def test_labels_far_apart_are_not_moved() -> None:
    offsets = _offsets([(0.01, 0.2, "EASE"), (100.0, 0.8, "iALS")])
    assert offsets == {"EASE": 3.0, "iALS": 3.0}
