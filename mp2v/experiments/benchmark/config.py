"""What a benchmark run is configured with and what it returns: the options of `mp2v benchmark`, one
method's search, and the outcome the report is written from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mp2v.evaluation.results import MethodResult
from mp2v.evaluation.stages import Stage
from mp2v.experiments.benchmark.space import BASELINE_SPACES, FAST_MP2V_AXES, SearchSpace
from mp2v.experiments.benchmark.trials import Trial
from mp2v.experiments.experiment import FittedMethod
from mp2v.experiments.protocols import ProtocolConfig
from mp2v.graph.model import GraphModel
from mp2v.training.torch_options import TorchOptions, torch_available
from mp2v.types import Trainer

Fit = Callable[[dict[str, Any], Stage], FittedMethod]
BEST_MP2V = "MP2V best"
#: Baselines whose fit depends on a seed, so a seed ensemble of them differs from one model.
SEEDED = {"ials": "random_state", "bpr": "random_state"}
#: Ensemble sizes a fast run tries (the full run: ENSEMBLE_SIZES).
FAST_ENSEMBLE_SIZES = [1, 4]


@dataclass(frozen=True)
class BenchmarkConfig:
    seed: int = 42
    #: Tiny grids (2 values of 2 axes) for tests and smoke runs.
    quick: bool = False
    baselines: tuple[str, ...] = tuple(BASELINE_SPACES)
    production: bool = True
    mp2v: bool = True
    ablations: bool = True
    gnn: bool = True
    #: Keep walks per training edge constant between the tuning fits and the final fit (see Benchmark._mp2v).
    #: Off: on validation, 25 % more walks for 25 % more data did not help (docs/benchmark.md).
    scale_walks_to_data: bool = False
    protocol: ProtocolConfig = field(default_factory=ProtocolConfig)
    #: One pass per grid, MP2V's main axes only, no ablations, no typed-negative
    #: validation, ensembles of 1 and 4 (see ``left_out``).
    fast: bool = False
    #: Validate the chosen MP2V ensemble again with type-aware negatives (metapath2vec++).
    typed_validation: bool = True
    #: Seed ensembles of the seeded baselines (iALS, BPR, LightGCN) of the size of the chosen MP2V ensemble.
    fair: bool = True
    #: MP2V's single configuration is chosen among the search's ``finalists`` best by the mean validation
    #: score of ``finalist_seeds`` seeds each (benchmark.finalists); fewer than 2 of either: its best trial.
    finalists: int = 3
    finalist_seeds: int = 3
    #: How many times a choice on a grid edge may extend that grid by one step; each extension stops as soon
    #: as the new value is no better (the choice is then inside), and an axis the data bounds extends as far
    #: as that bound. Two were not enough for a fast run's three-value window (EASE l2 and BPR factors on
    #: FilmTrust, RP3beta alpha on Last.fm leave-one-out stayed on an edge).
    widen: int = 4
    #: Trainer of the MP2V fits (rows that name their own trainer, the kernel ablations, keep it); with a torch
    #: trainer, the device and ranks it runs on. Recorded in every MP2V row's params and stored run.
    trainer: Trainer = Trainer.GENSIM
    torch: TorchOptions = field(default_factory=TorchOptions)

    def trainer_params(self) -> dict[str, Any]:
        """The params keys that select the trainer (none for gensim, so stored gensim runs keep their keys)."""
        if self.trainer == Trainer.GENSIM:
            return {}
        chosen: dict[str, Any] = {"trainer": str(self.trainer)}
        if self.trainer.uses_torch:
            chosen |= {"device": str(self.torch.device), "processes": self.torch.processes}
        return chosen

    def left_out(self) -> list[str]:
        """What this configuration skips, in words (printed with the results)."""
        out = []
        if self.fast:
            out += ["one pass over each grid, on each axis only the start value and its two neighbours (the "
                    "full run: whole grids, two passes for most methods); a choice on that window's edge still "
                    f"extends it, up to {self.widen} times per axis (as far as the data's size on factors and "
                    "neighbours); "
                    "the production baseline starts at the full run's choice",
                    f"MP2V tuned on {', '.join(FAST_MP2V_AXES)} only (other axes at their start values)",
                    "the ablations",
                    f"ensembles of {' and '.join(map(str, FAST_ENSEMBLE_SIZES))} seeds only"]
        if self.fast or not self.typed_validation:
            out.append("type-aware negatives (metapath2vec++) for the chosen ensemble")
        if not self.ablations and not self.fast:
            out.append("the ablations")
        if self.gnn and not torch_available():
            out.append("LightGCN: torch is not installed (pip install 'mp2v[gnn]')")
        return out


@dataclass
class SearchResult:
    name: str
    best: dict[str, Any]
    trials: list[Trial]
    #: Axes whose chosen value sits on the edge of its grid (the optimum might lie outside).
    at_edge: list[str] = field(default_factory=list)
    #: The grid as the search left it (widened where choices landed on edges).
    space: SearchSpace | None = None


@dataclass
class BenchmarkOutcome:
    model: GraphModel
    searches: dict[str, SearchResult]
    results: list[MethodResult]
    ablations: list[MethodResult]
    tests: list[dict[str, Any]]
    seconds: float
    folder: Path
    #: The single model the ablations change one thing of.
    ablation_reference: str = "R-MP2V (single model)"
    protocol: ProtocolConfig = field(default_factory=ProtocolConfig)
    #: What the run skipped (fast mode and options), in words.
    left_out: list[str] = field(default_factory=list)
    #: Seeds in the chosen MP2V ensemble (the baselines' ensembles have as many).
    ensemble_size: int = 1
    #: Produced by a fast run (``BenchmarkConfig.fast``): written beside the full run's files, not over them.
    fast: bool = False
