"""The quality-against-fit-time chart keeps the names of points that land on one spot readable."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt

from mp2v.experiments.benchmark.fair import _annotate_apart  # selects the Agg backend


def _labels(points: list[tuple[float, float, str]]) -> tuple[dict[str, Any], list[Any]]:
    """Each label's text artist, and the markers' display positions, after the chart is drawn."""
    figure, axis = plt.subplots(figsize=(7.5, 4.5))
    axis.scatter([p[0] for p in points], [p[1] for p in points])
    axis.set_xscale("log")
    figure.tight_layout()
    _annotate_apart(figure, axis, points)
    figure.canvas.draw()
    texts = {text.get_text(): text for text in axis.texts}
    markers = [axis.transData.transform((x, y)) for x, y, _ in points]
    plt.close(figure)
    return texts, markers


def _overlap(a: Any, b: Any) -> bool:
    return bool(a.x0 < b.x1 and a.x1 > b.x0 and a.y0 < b.y1 and a.y1 > b.y0)


def test_labels_on_one_spot_cover_neither_each_other_nor_a_marker() -> None:
    points = [(8.3, 0.615, "R-MP2V (single model)"), (9.1, 0.615, "MP2V uniform (single model)"),
              (8.8, 0.612, "iALS"), (32.0, 0.614, "MP2V best"), (0.01, 0.40, "Popularity")]
    texts, markers = _labels(points)
    boxes = {name: text.get_window_extent() for name, text in texts.items()}
    names = list(boxes)
    assert not [(a, b) for i, a in enumerate(names) for b in names[i + 1:] if _overlap(boxes[a], boxes[b])]
    for (_, _, name), (mx, my) in zip(points, markers, strict=True):
        others = [box for other, box in boxes.items() if other != name]
        assert not [box for box in others if box.contains(mx, my)], f"a label covers the marker of {name}"
    assert texts["Popularity"].xyann == (3.0, 3.0)  # a point far from the others keeps its label beside it


def test_labels_far_apart_are_not_moved() -> None:
    texts, _ = _labels([(0.01, 0.2, "EASE"), (100.0, 0.8, "iALS")])
    assert {name: text.xyann for name, text in texts.items()} == {"EASE": (3.0, 3.0), "iALS": (3.0, 3.0)}


def test_a_label_at_the_right_edge_goes_left_of_its_point() -> None:
    texts, _ = _labels([(0.01, 0.2, "Popularity"), (1000.0, 0.8, "LightGCN x16 (a long name)")])
    assert texts["LightGCN x16 (a long name)"].get_ha() == "right"
    assert texts["LightGCN x16 (a long name)"].xyann[0] < 0 < texts["Popularity"].xyann[0]
