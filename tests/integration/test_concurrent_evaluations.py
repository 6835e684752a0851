"""Evaluations of two splits (seeds) at the same time on one graph: each gets exactly what it gets alone.

Each split marks its held-out edges on its own ``holdout_<key>`` property and walks exclude only that one, so
neither overwrites the other's test edges nor walks them. Marking one split from two places at once is safe.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from numpy.testing import assert_array_equal

from mp2v.db.runner import QueryRunner
from mp2v.embeddings.store import RunStore
from mp2v.evaluation.split import three_way_split
from mp2v.experiments.experiment import Experiment, Mp2vSpec
from mp2v.experiments.protocols import holdout_protocol, mark_holdout, read_interactions, split_property
from mp2v.graph.model import read_model
from mp2v.models import Popularity, PopularityParams
from mp2v.training.gensim_sgns import TrainConfig
from mp2v.walks.config import WalkConfig
from mp2v.walks.run import default_metapath
from tests.cypher import query
from tests.graphs import two_communities

IDENTIFIERS = {"User": "User", "Interaction": "WATCHED", "Item": "Video"}


def _evaluate(db: QueryRunner, home: Path, seed: int) -> dict[str, tuple[dict[str, float], np.ndarray]]:
    """One evaluation of the split of ``seed``: R-MP2V and popularity, metrics and top lists."""
    model = read_model(db)
    split = holdout_protocol(db, model, home / "splits", seed=seed)
    experiment = Experiment(db, split, model, RunStore(home / "runs"), home / "walks", progress=False)
    walk = WalkConfig(metapaths=(default_metapath(model),), walks_per_node=10, walk_length=20, seed=seed,
                      engine="memory")
    spec = Mp2vSpec(f"R-MP2V-seed{seed}", walk, TrainConfig(dimensions=16, epochs=3, workers=1, seed=seed))
    fitted = [experiment.fit_mp2v(spec, "test", reuse=False),
              experiment.fit_baseline("popularity", Popularity(PopularityParams()), "test")]
    results = [experiment.evaluate(method, "test") for method in fitted]
    return {result.name.split("-seed")[0]: (result.metrics, result.topk) for result in results}


def test_two_seeds_in_parallel_get_what_each_gets_alone(db: QueryRunner, tmp_path: Path) -> None:
    two_communities(db)
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {seed: pool.submit(_evaluate, db, tmp_path / f"parallel-{seed}", seed) for seed in (1, 2)}
        parallel = {seed: future.result() for seed, future in futures.items()}
    alone = {seed: _evaluate(db, tmp_path / f"alone-{seed}", seed) for seed in (1, 2)}
    for seed in (1, 2):
        assert parallel[seed].keys() == alone[seed].keys() == {"R-MP2V", "popularity"}
        for name, (metrics, topk) in alone[seed].items():
            assert parallel[seed][name][0] == metrics, f"seed {seed}, {name}"
            assert_array_equal(parallel[seed][name][1], topk)
    # The two splits differ, so a shared property would have mixed them up: both are on the graph, intact.
    model = read_model(db)
    properties = {holdout_protocol(db, model, tmp_path / "alone-1" / "splits", seed=1).holdout_property,
                  holdout_protocol(db, model, tmp_path / "alone-2" / "splits", seed=2).holdout_property}
    assert len(properties) == 2
    for prop in properties:
        counts = {row["split"]: row["count"] for row in db.read("eval/holdout_counts", {"property": prop},
                                                                identifiers=IDENTIFIERS)}
        assert counts == {"test": 80, "validation": 40}  # 8 per user: 2 test and 1 validation, 40 users


def test_marking_one_split_twice_at_once_is_safe(db: QueryRunner) -> None:
    two_communities(db)
    model = read_model(db)
    table = read_interactions(db, model)
    split = three_way_split(table.matrix, 0.2, 0.2, 7)
    with ThreadPoolExecutor(max_workers=2) as pool:
        names = list(pool.map(lambda _: mark_holdout(db, model, table, split), range(2)))
    assert names == [split_property(split)] * 2
    assert mark_holdout(db, model, table, split) == names[0]  # again: nothing to do, same name
    counts = {row["split"]: row["count"] for row in db.read("eval/holdout_counts", {"property": names[0]},
                                                            identifiers=IDENTIFIERS)}
    assert counts == {"test": int(split.test.nnz), "validation": int(split.validation.nnz)}
    # Exactly the split's pairs carry the marks.
    marked = db.read(query("marked_pairs", **IDENTIFIERS), {"property": names[0]})
    rows = {(table.user_ids.tolist().index(r["user"]), table.item_ids.tolist().index(r["item"])): r["split"]
            for r in marked}
    expected = {(int(u), int(i)): "test" for u, i in zip(*split.test.nonzero(), strict=True)}
    expected.update({(int(u), int(i)): "validation" for u, i in zip(*split.validation.nonzero(), strict=True)})
    assert rows == expected
