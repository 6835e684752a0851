"""A finalist's extra seed is the seed ensembles' member of that offset: same stored name, same seed."""

from __future__ import annotations

from typing import Any

import numpy as np

from mp2v.evaluation.stages import Stage
from mp2v.experiments.benchmark.methods import fit_mp2v
from mp2v.experiments.benchmark.space import MP2V_SPACE
from mp2v.experiments.experiment import FittedMethod
from mp2v.graph.model import LASTFM


class RecordingExperiment:
    """Records the (stored name, seed) of every model asked for, as Experiment.fit_mp2v keys its runs."""

    model = LASTFM

    def __init__(self) -> None:
        self.fits: list[tuple[str, int]] = []

    def fit_mp2v(self, spec: Any, stage: Stage, reuse: bool = True) -> FittedMethod:
        self.fits.append((spec.name, spec.train.seed))
        return FittedMethod(spec.name, lambda users: np.zeros((len(users), 3), np.float32), {}, {})


def test_one_model_at_a_seed_offset_is_that_member_of_the_ensembles() -> None:
    experiment = RecordingExperiment()
    params = dict(MP2V_SPACE.start)
    fit_mp2v(experiment, params, Stage.VALIDATION, name="MP2V-search", seed=42, first_member=2)  # type: ignore[arg-type]
    fit_mp2v(experiment, {**params, "seeds": 3}, Stage.VALIDATION, name="MP2V-search", seed=42)  # type: ignore[arg-type]
    assert experiment.fits == [("MP2V-search-s2", 44),
                               ("MP2V-search-s0", 42), ("MP2V-search-s1", 43), ("MP2V-search-s2", 44)]


def test_an_ensemble_can_start_at_a_later_member() -> None:
    experiment = RecordingExperiment()
    fitted = fit_mp2v(experiment, {**MP2V_SPACE.start, "seeds": 2}, Stage.VALIDATION,  # type: ignore[arg-type]
                      name="MP2V-search", seed=7, first_member=1)
    assert experiment.fits == [("MP2V-search-s1", 8), ("MP2V-search-s2", 9)]
    assert fitted.name == "MP2V-search" and len(fitted.params["members"]) == 2
