"""Shared type names used across stages, so signatures say what a value is."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal, TypeAlias

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

#: An entity id as stored on a node's ``id`` property: an integer or a string, per the dataset's IdType.
EntityId: TypeAlias = int | str
#: A corpus token: a type prefix and an entity id, e.g. ``"u:123"`` for a user, ``"v:456"`` for an item.
Token: TypeAlias = str
#: Node labels and relationship types as they appear in Neo4j.
Label: TypeAlias = str
RelType: TypeAlias = str
#: Direction of a metapath hop as written: ``-T->`` is OUT, ``<-T-`` is IN, ``-T-`` is BOTH.
Direction = Literal["OUT", "IN", "BOTH"]


class IdType(StrEnum):
    """How node ids are stored: integers (Last.fm, KuaiRec, CSV by default) or strings (``--id-type string``)."""

    INTEGER = "integer"
    STRING = "string"


class ScoringRule(StrEnum):
    """User -> item scoring: the skip-gram score (user input . item output), or cosine of input vectors."""

    DOT = "dot"
    COSINE = "cosine"


class Trainer(StrEnum):
    """Skip-gram trainers: gensim, or mp2v.training.numba_sgns / torch_sgns with shared or type-aware
    (metapath2vec++) negatives."""

    GENSIM = "gensim"
    NUMBA = "numba"
    NUMBA_TYPED = "numba-typed"
    TORCH = "torch"
    TORCH_TYPED = "torch-typed"

    @property
    def uses_torch(self) -> bool:
        """Whether this trainer needs the optional torch extra."""
        return self in (Trainer.TORCH, Trainer.TORCH_TYPED)

    @property
    def typed(self) -> bool:
        """Whether negatives are drawn from the context's node type (metapath2vec++)."""
        return self in (Trainer.NUMBA_TYPED, Trainer.TORCH_TYPED)


class Device(StrEnum):
    """Where the PyTorch trainer runs: a GPU when one is present (auto), the CPU, or a CUDA GPU."""

    AUTO = "auto"
    CPU = "cpu"
    CUDA = "cuda"


#: Dense float matrix (rows x dims).
FloatMatrix: TypeAlias = npt.NDArray[np.float32]
#: Integer index array (row indices, item indices, top-K lists).
IndexArray: TypeAlias = npt.NDArray[np.int64]
#: Users x items interaction matrix (CSR; values are weights, or 1.0 for binary relevance).
InteractionMatrix: TypeAlias = sp.csr_matrix
