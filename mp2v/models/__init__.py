"""Classic collaborative-filtering baselines on a users x items CSR of training interactions.

Every model follows :class:`~mp2v.models.base.Recommender`: ``Model(Params(...)).fit(train)``, then
``score(users)`` -> ``(len(users), n_items)`` float32, higher = better, ``-inf`` for items absent from
training. :data:`BASELINES` maps a model name to its class; :func:`make_baseline` builds one from keyword
hyperparameters (e.g. from a config file). :class:`MP2V` follows the same contract; it also needs a
:class:`CorpusSource` (the graph's walks, or the training matrix's), so it is not in :data:`BASELINES`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any, cast

from mp2v.errors import ConfigError
from mp2v.models.base import (
    COLD_ITEM_SCORE,
    BaseRecommender,
    InputTransform,
    Recommender,
    TransformKind,
)
from mp2v.models.ease import EASE, EASEParams
from mp2v.models.implicit_models import BPR, IALS, BPRParams, IALSParams
from mp2v.models.item2vec import Item2Vec, Item2VecParams, UserHistoryCorpus
from mp2v.models.knn import ItemKNN, KNNParams, UserKNN
from mp2v.models.mp2v import MP2V, CorpusSource, GraphWalks, MatrixWalks, Mp2vParams
from mp2v.models.popularity import Popularity, PopularityParams
from mp2v.models.rp3beta import RP3beta, RP3betaParams

#: Model name -> model class; ``cls.params_class`` is its hyperparameter dataclass.
BASELINES: dict[str, type[BaseRecommender]] = {
    model.name: model for model in (Popularity, UserKNN, ItemKNN, RP3beta, EASE, IALS, BPR, Item2Vec)
}


def make_baseline(name: str, **hyperparameters: Any) -> BaseRecommender:
    """An unfitted baseline ``name`` with the given hyperparameters (the rest at their defaults)."""
    if name not in BASELINES:
        raise ConfigError(f"unknown baseline {name!r}; choose one of {', '.join(sorted(BASELINES))}")
    model_class = BASELINES[name]
    params_class = model_class.params_class
    known = {field.name for field in fields(params_class)}
    unknown = sorted(set(hyperparameters) - known)
    if unknown:
        raise ConfigError(
            f"baseline {name!r} has no hyperparameter(s) {', '.join(unknown)}; valid: {', '.join(sorted(known))}"
        )
    constructor = cast(Callable[[Any], BaseRecommender], model_class)
    return constructor(params_class(**hyperparameters))


__all__ = [
    "BASELINES",
    "BPR",
    "COLD_ITEM_SCORE",
    "EASE",
    "IALS",
    "BPRParams",
    "BaseRecommender",
    "EASEParams",
    "IALSParams",
    "InputTransform",
    "Item2Vec",
    "Item2VecParams",
    "ItemKNN",
    "KNNParams",
    "MP2V",
    "CorpusSource",
    "GraphWalks",
    "MatrixWalks",
    "Mp2vParams",
    "Popularity",
    "PopularityParams",
    "RP3beta",
    "RP3betaParams",
    "Recommender",
    "TransformKind",
    "UserHistoryCorpus",
    "UserKNN",
    "make_baseline",
]
