"""Evaluation protocols: which interactions a model may learn from, and which it is judged on.

* ``holdout`` (Last.fm, generic CSV): per-user random holdout with a fixed seed. Test = 20 % of each user's
  interactions; validation = 20 % of the remaining ones (same rule). Tuning models learn from train only and
  are judged on validation; final models learn from train + validation and are judged once on test. The
  split is saved (``<MP2V_HOME>/splits``) and reused, and marked on the graph's interaction edges under its
  own property (``holdout_<12-hex split key>: 'test' | 'validation'``) so walks of the training graph skip
  held-out edges. Each split has its own property and none clears another's, so evaluations with different
  seeds can run at the same time without overwriting (or leaking) each other's test edges.
  Options (:class:`ProtocolConfig`, ``mp2v benchmark --protocol``): ``holdout`` with another test fraction
  and a minimum of interactions per tested user; ``leave-one-out`` (one random interaction per user to
  test, one to validation; HR@10 / NDCG@10 against all items); ``ratio-8-1-1`` (RecBole's random 8:1:1 per
  user: test 10 %, validation 10 % of all = 1/9 of the rest, ranked against all items).
* ``kuairec`` (MP2V-4-Rec): learn from the loaded big matrix; judge on the fully observed small matrix,
  whose positives per user are split 20 % validation / 80 % test; candidates are the small matrix's videos.

In both, a user's training items and the other split's items are never recommended.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from mp2v.db.runner import QueryRunner
from mp2v.errors import ConfigError, EvaluationError
from mp2v.evaluation.split import (
    ThreeWaySplit,
    fingerprint,
    leave_one_out_split,
    load_split,
    save_split,
    three_way_split,
)
from mp2v.evaluation.stages import HOLDOUT_SPLITS, EvaluationSplit, Stage, StageData  # noqa: F401
from mp2v.graph.model import GraphModel


class Protocol(StrEnum):
    HOLDOUT = "holdout"
    LEAVE_ONE_OUT = "leave-one-out"
    RATIO_8_1_1 = "ratio-8-1-1"


@dataclass(frozen=True)
class ProtocolConfig:
    """Which per-user split the holdout family uses (KuaiRec always judges on its small matrix)."""

    protocol: Protocol = Protocol.HOLDOUT
    #: ``holdout`` only (the other two fix their own); validation takes the same share of the rest.
    test_fraction: float = 0.2
    #: Users with fewer interactions hold nothing out (they only train); leave-one-out needs at least 3.
    min_interactions: int = 2

    def __post_init__(self) -> None:
        object.__setattr__(self, "protocol", Protocol(self.protocol))
        if not 0.0 < self.test_fraction < 0.5:
            raise ConfigError(f"--test-fraction {self.test_fraction}: use a share between 0 and 0.5 (e.g. 0.2)")
        if self.min_interactions < 2:
            raise ConfigError(f"--min-interactions {self.min_interactions}: a tested user needs at least 2")

    @property
    def name(self) -> str:
        """Names the saved split and the results files; the default keeps its historical name."""
        if self.protocol is Protocol.HOLDOUT:
            extra = "" if self.test_fraction == 0.2 else f"-test{self.test_fraction:g}"
            return f"holdout{extra}" + (f"-min{self.min_interactions}" if self.min_interactions > 2 else "")
        return str(self.protocol) + (f"-min{self.min_interactions}" if self.min_interactions > 3 else "")

    @property
    def headline_metrics(self) -> tuple[str, str]:
        """The two metrics the literature reports for the protocol."""
        if self.protocol is Protocol.LEAVE_ONE_OUT:
            return ("hit_rate@10", "ndcg@10")
        if self.protocol is Protocol.RATIO_8_1_1:
            return ("recall@10", "ndcg@10")
        return ("recall@20", "ndcg@20")

    def split(self, matrix: sp.csr_matrix, seed: int) -> ThreeWaySplit:
        if self.protocol is Protocol.LEAVE_ONE_OUT:
            return leave_one_out_split(matrix, seed, self.min_interactions)
        if self.protocol is Protocol.RATIO_8_1_1:
            return three_way_split(matrix, 0.1, 0.1 / 0.9, seed, self.min_interactions)
        return three_way_split(matrix, self.test_fraction, self.test_fraction, seed, self.min_interactions)


#: Users per streamed chunk of :func:`read_interactions` (about 76 interactions each at SoundCloud's ratio).
READ_USERS_PER_CHUNK = 2_000


@dataclass(frozen=True)
class InteractionTable:
    user_ids: npt.NDArray[Any]
    item_ids: npt.NDArray[Any]
    matrix: sp.csr_matrix


def read_interactions(runner: QueryRunner, model: GraphModel) -> InteractionTable:
    """All (user, item, signal) interactions of the graph as a users x items CSR with sorted id axes.

    Read one record per user (its items and signals as lists) and gathered in NumPy chunks, so no Python
    object per interaction outlives its chunk (a list of 10^7 tuples held about 1 GB of Python objects).
    """
    users: list[npt.NDArray[Any]] = []
    items: list[npt.NDArray[Any]] = []
    signals: list[npt.NDArray[np.float32]] = []
    identifiers = {"User": model.user_label, "Interaction": model.interaction_type, "Item": model.item_label}
    for rows in runner.stream("eval/interactions", {"signal": model.signal_property}, identifiers=identifiers,
                              batch_size=READ_USERS_PER_CHUNK):
        counts = np.fromiter((len(row[1]) for row in rows), dtype=np.int64, count=len(rows))
        users.append(np.repeat(np.asarray([row[0] for row in rows]), counts))
        items.append(np.asarray(list(chain.from_iterable(row[1] for row in rows))))
        signals.append(np.fromiter(chain.from_iterable(row[2] for row in rows), dtype=np.float32,
                                   count=int(counts.sum())))
    if not users:
        raise EvaluationError(f"the graph has no {model.interaction_type} interactions to evaluate on")
    user_ids, user_rows = np.unique(np.concatenate(users), return_inverse=True)
    item_ids, item_cols = np.unique(np.concatenate(items), return_inverse=True)
    matrix = sp.csr_matrix((np.concatenate(signals), (user_rows, item_cols)), shape=(user_ids.size, item_ids.size))
    matrix.sum_duplicates()
    return InteractionTable(user_ids, item_ids, matrix)


def read_item_features(runner: QueryRunner, model: GraphModel, item_ids: npt.NDArray[Any]) -> sp.csr_matrix | None:
    if not model.feature_label or not model.feature_type:
        return None
    identifiers = {"Item": model.item_label, "FeatureType": model.feature_type, "Feature": model.feature_label}
    rows = [row for batch in runner.stream("eval/item_features", identifiers=identifiers, batch_size=100_000)
            for row in batch]
    if not rows:
        return None
    position = {item: i for i, item in enumerate(item_ids.tolist())}
    kept = [(position[item], feature) for item, feature, _ in rows if item in position]
    features, columns = np.unique(np.asarray([f for _, f in kept]), return_inverse=True)
    return sp.csr_matrix((np.ones(len(kept), np.float32), ([r for r, _ in kept], columns)),
                         shape=(item_ids.size, features.size))


def holdout_protocol(runner: QueryRunner, model: GraphModel, splits_dir: Path, *, seed: int = 42,
                     config: ProtocolConfig | None = None) -> EvaluationSplit:
    """Per-user random holdout over the graph's interactions; saved, reused and marked on the graph."""
    config = config or ProtocolConfig()
    table = read_interactions(runner, model)
    path = splits_dir / f"{model.dataset}-{config.name}-seed{seed}"
    digest = fingerprint(table.matrix)
    try:
        split = load_split(path, expected_fingerprint=digest)
    except (FileNotFoundError, EvaluationError):
        split = config.split(table.matrix, seed)
        splits_dir.mkdir(parents=True, exist_ok=True)
        save_split(path, split)
    if not isinstance(split, ThreeWaySplit):
        raise EvaluationError(f"{path} does not hold a three-way split; delete it to make a new one")
    check_holds_out(split, config, model.dataset)
    holdout_property = mark_holdout(runner, model, table, split)
    return EvaluationSplit(
        protocol=config.name, dataset=model.dataset, seed=seed, user_ids=table.user_ids, item_ids=table.item_ids,
        tuning_train=split.train, final_train=(split.train + split.validation).tocsr(),
        validation=_binary(split.validation), test=_binary(split.test),
        tuning_walk_exclusions=HOLDOUT_SPLITS, final_walk_exclusions=("test",),
        item_features=read_item_features(runner, model, table.item_ids), holdout_property=holdout_property,
    )


def check_holds_out(split: ThreeWaySplit, config: ProtocolConfig, dataset: str) -> None:
    """One clear line, before anything is walked or trained, when a stage would have no rows to judge."""
    for name, part in (("test", split.test), ("validation", split.validation)):
        if part.nnz == 0:
            per_user = np.diff((split.train + split.validation + split.test).tocsr().indptr)
            # A user holds out a test and a validation row only from 3 interactions on (one stays to train).
            needed = max(3, config.min_interactions)
            lower = " or lower --min-interactions" if config.min_interactions > 3 else ""
            raise EvaluationError(
                f"dataset {dataset!r}: the {config.name} split holds out no {name} interactions, so there is nothing "
                f"to judge ({int(per_user.size):,} users, {int(per_user.sum()):,} interactions; "
                f"{int((per_user >= needed).sum()):,} users have the {needed} a tested user needs): "
                f"load more interactions per user{lower}")


def _binary(matrix: sp.csr_matrix) -> sp.csr_matrix:
    binary = (matrix != 0).astype(np.float32).tocsr()
    binary.eliminate_zeros()
    return binary


def split_property(split: ThreeWaySplit) -> str:
    """The split's own edge property, ``holdout_<12 hex>`` of its seed, input data and test part."""
    key = f"seed={split.info.seed} input={split.info.fingerprint} test={fingerprint(split.test)}"
    return f"holdout_{hashlib.sha256(key.encode()).hexdigest()[:12]}"


def mark_holdout(runner: QueryRunner, model: GraphModel, table: InteractionTable, split: ThreeWaySplit) -> str:
    """Write the split's held-out edges on its own property and return the property's name (see
    :func:`mark_parts`)."""
    prop = split_property(split)
    mark_parts(runner, model, table.user_ids, table.item_ids, prop,
               {"test": split.test, "validation": split.validation})
    return prop


def mark_parts(runner: QueryRunner, model: GraphModel, user_ids: npt.NDArray[Any], item_ids: npt.NDArray[Any],
               prop: str, parts: dict[str, sp.spmatrix]) -> None:
    """Mark each part's interactions (rows and columns in ``user_ids`` / ``item_ids`` order) with
    ``prop = <part name>``, so the walks of a stage can skip the parts it holds out.

    Idempotent, and safe when two processes mark the same split: both write the same values (a deadlock
    between them is retried by the driver), and a complete marking is not rewritten. Other splits' properties
    are never touched.
    """
    identifiers = {"User": model.user_label, "Interaction": model.interaction_type, "Item": model.item_label}
    wanted = {name: int(part.nnz) for name, part in parts.items()}
    present = {row["split"]: int(row["count"])
               for row in runner.read("eval/holdout_counts", {"property": prop}, identifiers=identifiers)}
    if present == {name: count for name, count in wanted.items() if count}:
        return
    for name, part in parts.items():
        rows, cols = part.nonzero()
        records = [{"user": user_ids[r].item(), "item": item_ids[c].item(), "split": name}
                   for r, c in zip(rows.tolist(), cols.tolist(), strict=True)]
        for start in range(0, len(records), 10_000):
            runner.write("eval/mark_holdout", {"rows": records[start:start + 10_000], "property": prop},
                         identifiers=identifiers)


def kuairec_protocol(runner: QueryRunner, model: GraphModel, small_matrix: Path, *, seed: int = 42,
                     validation_fraction: float = 0.2) -> EvaluationSplit:
    """MP2V-4-Rec: learn from the loaded (big) matrix, judge on the small matrix's positives (20 % / 80 %)."""
    from loaders.kuairec_matrix import read_kuairec_matrix
    from mp2v.evaluation.split import fraction_split_of_truth

    table = read_interactions(runner, model)
    threshold = float(model.options.get("threshold", 2.0))
    small = read_kuairec_matrix(small_matrix, threshold)
    positives = small.positives()
    user_pos = {u: i for i, u in enumerate(table.user_ids.tolist())}
    item_pos = {v: i for i, v in enumerate(table.item_ids.tolist())}
    pairs = [(user_pos[u], item_pos[v]) for u, v in zip(positives["user_id"].tolist(),
                                                         positives["video_id"].tolist(), strict=True)
             if u in user_pos and v in item_pos]
    if not pairs:
        raise EvaluationError(f"no positive of {small_matrix} involves a user and a video of the loaded graph; "
                              "load the big matrix (mp2v load kuairec PATH --matrix big) before evaluating")
    rows, cols = np.asarray(pairs, dtype=np.int64).T
    truth = sp.csr_matrix((np.ones(rows.size, np.float32), (rows, cols)), shape=table.matrix.shape)
    # A pair the model already learned from is not something to predict.
    truth = _binary(truth - truth.multiply(table.matrix != 0))
    validation, test = fraction_split_of_truth(truth, validation_fraction, seed)
    return EvaluationSplit(
        protocol="kuairec", dataset=model.dataset, seed=seed, user_ids=table.user_ids, item_ids=table.item_ids,
        tuning_train=table.matrix, final_train=table.matrix, validation=validation, test=test,
        tuning_walk_exclusions=(), final_walk_exclusions=(),
        candidate_items=np.isin(table.item_ids, small.videos),
        item_features=read_item_features(runner, model, table.item_ids),
    )
