r"""Matrix-factorisation baselines from the maintained ``implicit`` library (CPU code only).

Both score :math:`s_u = U_u V^\top` (``user_factors @ item_factors.T``).

Threads: ``num_threads=0`` means every core this process may use; larger requests are capped at that.
Progress bars are off. iALS fits with BLAS held to one thread (``threadpoolctl``): ``implicit`` runs its
own threads over users and items, each calling BLAS, and a BLAS pool under each of them oversubscribes the
cores. On Last.fm (2 cores) one BLAS thread fits 1.6x faster at 128 and at 1536 factors, and 2.0x beside
two busy processes (``python -m bench.ials_threads``, results/ials-threads.md). The two fits' factors
differ (the summation order does) but their top-20 lists agree (99.9-100 %). ``implicit``'s warning about
a BLAS pool, raised when a model is made, is therefore not raised.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import numpy.typing as npt
from implicit.cpu.als import AlternatingLeastSquares
from implicit.cpu.bpr import BayesianPersonalizedRanking
from threadpoolctl import threadpool_limits

from mp2v.models.base import BaseRecommender, InputTransform, check_bool, check_float, check_int
from mp2v.types import FloatMatrix, IndexArray, InteractionMatrix


def available_cores() -> int:
    """Cores this process may run on (affinity-aware)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def capped_threads(requested: int) -> int:
    """``requested`` threads capped at :func:`available_cores`; 0 means all of them."""
    cores = available_cores()
    return cores if requested == 0 else min(requested, cores)


@dataclass(frozen=True)
class IALSParams:
    r"""iALS hyperparameters; confidence :math:`c_{ui} = 1 + \alpha \log(1 + x_{ui})`.

    ``implicit`` does not scale the regulariser with the data (no per-user/per-item frequency factor, unlike
    Rendle et al. 2022), so useful values on small data sets are far above the textbook 0.01-0.1, in the
    tens to ~100 depending on the confidence scale. Measured on Last.fm (random 80/20 split, 64 factors,
    this log confidence with alpha=1): recall@20 0.272 at 0.1, 0.277 at 10, 0.279 at 30, 0.265 at 50 and
    0.192 at 100; hence the default 30. Tune it together with ``alpha`` and ``factors``.
    """

    factors: int = 64
    regularization: float = 30.0
    iterations: int = 15
    alpha: float = 1.0
    use_cg: bool = True
    random_state: int = 0
    num_threads: int = 0

    def __post_init__(self) -> None:
        check_int("IALSParams", "factors", self.factors, 1)
        check_float("IALSParams", "regularization", self.regularization, 0.0)
        check_int("IALSParams", "iterations", self.iterations, 1)
        check_float("IALSParams", "alpha", self.alpha, 0.0, strict=True)
        check_bool("IALSParams", "use_cg", self.use_cg)
        check_int("IALSParams", "random_state", self.random_state, 0)
        check_int("IALSParams", "num_threads", self.num_threads, 0)


class IALS(BaseRecommender):
    r"""Implicit ALS (Hu, Koren & Volinsky 2008), ``implicit.cpu.als.AlternatingLeastSquares``.

    .. math::
        \min_{U,V} \sum_{u,i} c_{ui} (p_{ui} - U_u \cdot V_i)^2 + \lambda (\lVert U\rVert_F^2 + \lVert V\rVert_F^2),
        \quad p_{ui} = [x_{ui} > 0],\ c_{ui} = 1 + \alpha \log(1 + x_{ui})

    Each half-step solves users (items) independently, so results do not depend on ``num_threads``.
    """

    name = "ials"
    params_class: ClassVar[type[IALSParams]] = IALSParams

    def __init__(self, params: IALSParams | None = None) -> None:
        super().__init__()
        self.params = params if params is not None else IALSParams()
        self.user_factors: FloatMatrix = np.zeros((0, 0), dtype=np.float32)
        self.item_factors: FloatMatrix = np.zeros((0, 0), dtype=np.float32)

    def _fit(self, train: InteractionMatrix) -> None:
        confidence = InputTransform("confidence", self.params.alpha).apply(train)
        with threadpool_limits(1, "blas"):  # implicit's threads do the work; BLAS pools under them contend
            model = AlternatingLeastSquares(
                factors=self.params.factors,
                regularization=self.params.regularization,
                alpha=1.0,  # the confidence transform above already applies alpha
                dtype=np.float32,
                use_cg=self.params.use_cg,
                iterations=self.params.iterations,
                num_threads=capped_threads(self.params.num_threads),
                random_state=self.params.random_state,
            )
            model.fit(confidence, show_progress=False)
        self.user_factors = np.ascontiguousarray(model.user_factors, dtype=np.float32)
        self.item_factors = np.ascontiguousarray(model.item_factors, dtype=np.float32)

    def _score(self, users: IndexArray) -> npt.NDArray[np.float32]:
        return self.user_factors[users] @ self.item_factors.T


@dataclass(frozen=True)
class BPRParams:
    """BPR hyperparameters (``implicit`` defaults except ``factors``).

    ``num_threads > 1`` runs lock-free parallel SGD (Hogwild), whose result depends on thread timing; keep
    the default 1 for runs that must be reproducible from ``random_state``.
    """

    factors: int = 64
    learning_rate: float = 0.01
    regularization: float = 0.01
    iterations: int = 100
    verify_negative_samples: bool = True
    random_state: int = 0
    num_threads: int = 1

    def __post_init__(self) -> None:
        check_int("BPRParams", "factors", self.factors, 1)
        check_float("BPRParams", "learning_rate", self.learning_rate, 0.0, strict=True)
        check_float("BPRParams", "regularization", self.regularization, 0.0)
        check_int("BPRParams", "iterations", self.iterations, 1)
        check_bool("BPRParams", "verify_negative_samples", self.verify_negative_samples)
        check_int("BPRParams", "random_state", self.random_state, 0)
        check_int("BPRParams", "num_threads", self.num_threads, 0)


class BPR(BaseRecommender):
    r"""Bayesian Personalised Ranking (Rendle et al. 2009), ``implicit.cpu.bpr.BayesianPersonalizedRanking``.

    .. math::
        \max_{U,V} \sum_{(u,i,j)} \log \sigma(U_u \cdot V_i - U_u \cdot V_j)
        - \lambda (\lVert U\rVert_F^2 + \lVert V\rVert_F^2)

    over sampled triples (``i`` a training item of ``u``, ``j`` not). Weights are ignored (binary input).
    ``implicit`` appends an item-bias column (and a constant 1 to each user), so the factor matrices have
    ``factors + 1`` columns and the dot product includes the bias.
    """

    name = "bpr"
    params_class: ClassVar[type[BPRParams]] = BPRParams

    def __init__(self, params: BPRParams | None = None) -> None:
        super().__init__()
        self.params = params if params is not None else BPRParams()
        self.user_factors: FloatMatrix = np.zeros((0, 0), dtype=np.float32)
        self.item_factors: FloatMatrix = np.zeros((0, 0), dtype=np.float32)

    def _fit(self, train: InteractionMatrix) -> None:
        model = BayesianPersonalizedRanking(
            factors=self.params.factors,
            learning_rate=self.params.learning_rate,
            regularization=self.params.regularization,
            dtype=np.float32,
            iterations=self.params.iterations,
            num_threads=capped_threads(self.params.num_threads),
            verify_negative_samples=self.params.verify_negative_samples,
            random_state=self.params.random_state,
        )
        model.fit(InputTransform("binary").apply(train), show_progress=False)
        self.user_factors = np.ascontiguousarray(model.user_factors, dtype=np.float32)
        self.item_factors = np.ascontiguousarray(model.item_factors, dtype=np.float32)

    def _score(self, users: IndexArray) -> npt.NDArray[np.float32]:
        return self.user_factors[users] @ self.item_factors.T
