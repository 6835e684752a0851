"""The MP2V variant to compare against and serve is chosen on validation numbers only."""

from __future__ import annotations

import numpy as np

from mp2v.evaluation.results import MethodResult
from mp2v.evaluation.stages import Stage
from mp2v.experiments.evaluate import choose_variant


def _result(name: str, stage: Stage, recall: float) -> MethodResult:
    return MethodResult(name, stage, {}, {}, {"recall@20": recall}, {}, np.arange(2), np.zeros((2, 3), np.int64))


def test_validation_recall_chooses_and_is_recorded() -> None:
    choice = choose_variant([_result("MP2V", Stage.VALIDATION, 0.31), _result("R-MP2V", Stage.VALIDATION, 0.29)])
    assert choice is not None and choice.name == "MP2V"
    assert choice.validation == {"MP2V": 0.31, "R-MP2V": 0.29}
    context = choice.context()
    assert context["chosen_variant"] == "MP2V"
    assert context["chosen_by"] == "validation recall@20"
    assert context["chosen_validation_recall@20"] == 0.31


def test_a_lone_test_result_is_the_only_variant_not_a_validation_choice() -> None:
    choice = choose_variant([_result("R-MP2V", Stage.TEST, 0.4)])
    assert choice is not None and choice.name == "R-MP2V"
    assert choice.validation == {}
    assert choice.context()["chosen_by"] == "only variant"
    assert choose_variant([]) is None
