"""EGES / GES item vectors for one stage of an evaluation split (the autoplay study's side-information methods).

The walks run in memory on the stage's training matrix and the graph's side information
(:class:`mp2v.walks.side_matrix.SideMatrixWalks`), so held-out interactions are never walked and the graph needs
no holdout marks; the walk and skip-gram settings are MP2V's (``EvaluationConfig``), so the methods differ only
in what they aggregate.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any

import numpy as np
import scipy.sparse as sp

from mp2v.db.runner import QueryRunner
from mp2v.evaluation.stages import EvaluationSplit, Stage
from mp2v.experiments.evaluate import EvaluationConfig
from mp2v.graph.model import GraphModel
from mp2v.graph.side_info import read_side_info
from mp2v.models.eges import EGES, Aggregation, EgesParams
from mp2v.models.item_graph import ItemVectors
from mp2v.walks.side_matrix import SideMatrixWalks

#: Item -> feature -> item walks per item, beside MP2V's user walks (as ``mp2v eges`` and the cold-start study).
SIDE_WALKS_PER_NODE = 5


def fit_split_eges(runner: QueryRunner, model: GraphModel, split: EvaluationSplit, stage: Stage,
                   config: EvaluationConfig, aggregation: Aggregation, max_side: int = 5
                   ) -> tuple[ItemVectors, dict[str, Any], dict[str, float]]:
    """Train EGES (attention) or GES (mean) on ``stage``'s training rows; every item's :math:`H` vector, the
    parameters and the timings."""
    started = time.monotonic()
    train = split.stage(stage).train
    side = read_side_info(runner, model).aligned(split.item_ids)
    features = sp.csr_matrix(side.matrix, dtype=np.float32)
    source = SideMatrixWalks(split.user_ids, side.item_ids, features, side.feature_ids,
                             walks_per_node=config.walks_per_node, side_walks_per_node=SIDE_WALKS_PER_NODE,
                             walk_length=config.walk_length, seed=config.seed)
    params = EgesParams(train=config.train, aggregation=aggregation, max_side=max_side)
    fitted = EGES(params, source, side).fit(train)
    vectors, found = fitted.item_vectors(np.arange(train.shape[1]))
    plain = {"train": asdict(params.train), "aggregation": str(aggregation), "max_side": max_side,
             "walks_per_node": config.walks_per_node, "side_walks_per_node": SIDE_WALKS_PER_NODE,
             "walk_length": config.walk_length}
    return (ItemVectors.from_columns(split.item_ids, vectors, found), plain,
            {"fit": time.monotonic() - started})
