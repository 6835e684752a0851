"""Side information of items (Last.fm tags, KuaiRec categories, generic CSV features) as a sparse matrix.

Every dataset stores it the same way (mp2v/graph/model.py): ``(:<Item>)-[:<feature_type> {weight?}]->
(:<Feature> {id, name?})``. :class:`SideInfo` is that bipartite graph as an items x features CSR of weights,
with the feature tokens (``t:17``) that walks and trainers use, so side-information nodes and items share one
vocabulary. :func:`side_metapath` is the walk that gives feature nodes vectors: ``Artist-HAS_TAG->Tag<-HAS_TAG-
Artist``, combined with the user metapaths (``--start first``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from mp2v.db.runner import QueryRunner
from mp2v.errors import ConfigError
from mp2v.graph.metapath import Metapath, parse_metapath
from mp2v.graph.model import GraphModel
from mp2v.types import Token


@dataclass(frozen=True)
class SideInfo:
    """``matrix[i, f]``: weight of feature ``feature_ids[f]`` on item ``item_ids[i]`` (0: none)."""

    item_ids: npt.NDArray[Any]
    feature_ids: npt.NDArray[Any]
    feature_names: tuple[str, ...]
    matrix: sp.csr_matrix
    #: Token prefix of feature nodes in corpora (``t`` for Last.fm tags, ``c`` for KuaiRec categories).
    prefix: str = "f"

    def __post_init__(self) -> None:
        if self.matrix.shape != (self.item_ids.size, self.feature_ids.size):
            raise ConfigError(f"SideInfo: matrix shape {self.matrix.shape} does not match {self.item_ids.size} "
                              f"items x {self.feature_ids.size} features; build both from one read")
        if len(self.feature_names) != self.feature_ids.size:
            raise ConfigError("SideInfo: give one feature name per feature id")

    @property
    def feature_tokens(self) -> list[Token]:
        return [f"{self.prefix}:{f}" for f in self.feature_ids.tolist()]

    def top_features(self, limit: int) -> list[npt.NDArray[np.int64]]:
        """Per item, the columns of its ``limit`` strongest features (ties: lower column first)."""
        csr = sp.csr_matrix(self.matrix)
        result = []
        for row in range(csr.shape[0]):
            cols = csr.indices[csr.indptr[row]:csr.indptr[row + 1]]
            values = csr.data[csr.indptr[row]:csr.indptr[row + 1]]
            order = np.lexsort((cols, -values))[:limit]
            result.append(cols[order].astype(np.int64))
        return result

    def columns_of(self, names_or_ids: list[str]) -> tuple[npt.NDArray[np.int64], list[str]]:
        """Columns of features given by name (case-insensitive) or id, and the ones not found."""
        by_name: dict[str, int] = {}
        for col, name in enumerate(self.feature_names):
            by_name.setdefault(name.casefold(), col)
        for col, fid in enumerate(self.feature_ids.tolist()):
            by_name.setdefault(str(fid).casefold(), col)
        found = [by_name[n.casefold()] for n in names_or_ids if n.casefold() in by_name]
        missing = [n for n in names_or_ids if n.casefold() not in by_name]
        return np.asarray(sorted(set(found)), dtype=np.int64), missing

    def aligned(self, item_ids: npt.NDArray[Any]) -> SideInfo:
        """The same features for ``item_ids`` in that order (items without side information get empty rows)."""
        position = {item: row for row, item in enumerate(self.item_ids.tolist())}
        rows = np.array([position.get(item, -1) for item in item_ids.tolist()], dtype=np.int64)
        picked = sp.csr_matrix(self.matrix)[np.maximum(rows, 0)]
        picked = sp.csr_matrix(sp.diags((rows >= 0).astype(np.float32)) @ picked)
        picked.eliminate_zeros()
        return SideInfo(item_ids, self.feature_ids, self.feature_names, picked, self.prefix)


def read_side_info(runner: QueryRunner, model: GraphModel) -> SideInfo:
    """Every item -> feature relationship of the loaded graph, with the feature names."""
    if not model.feature_label or not model.feature_type:
        raise ConfigError(f"dataset {model.dataset!r} has no side information (no feature label); load its "
                          "features (Last.fm tags, KuaiRec categories, `mp2v load csv --features`) first")
    identifiers = {"Item": model.item_label, "FeatureType": model.feature_type, "Feature": model.feature_label}
    rows = [row for batch in runner.stream("coldstart/item_features", identifiers=identifiers, batch_size=100_000)
            for row in batch]
    if not rows:
        raise ConfigError(f"no {model.item_label}-{model.feature_type}->{model.feature_label} relationships "
                          "in the graph: load the dataset's side information first")
    item_ids, item_rows = np.unique(np.asarray([r[0] for r in rows]), return_inverse=True)
    feature_ids, feature_cols = np.unique(np.asarray([r[1] for r in rows]), return_inverse=True)
    names: dict[Any, str] = {r[1]: str(r[3]) for r in rows}
    weights = np.asarray([r[2] for r in rows], dtype=np.float32)
    matrix = sp.csr_matrix((np.maximum(weights, 1e-6), (item_rows, feature_cols)),
                           shape=(item_ids.size, feature_ids.size))
    matrix.sum_duplicates()
    prefix = model.token_prefixes[model.feature_label]
    return SideInfo(item_ids, feature_ids, tuple(names[f] for f in feature_ids.tolist()), matrix, prefix)


def side_metapath(model: GraphModel) -> Metapath:
    """``<Item>-<feature_type>-><Feature><-<feature_type>-<Item>``: walks that give feature nodes vectors."""
    if not model.feature_label or not model.feature_type:
        raise ConfigError(f"dataset {model.dataset!r} has no side information to walk")
    i, t, f = model.item_label, model.feature_type, model.feature_label
    return parse_metapath(f"{i}-{t}->{f}<-{t}-{i}")
