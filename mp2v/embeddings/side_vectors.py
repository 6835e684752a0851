"""Side-information vectors of a run (``side.npz`` beside ``embeddings.npz``): feature vectors and, for EGES,
each item's attention weights over (itself, its features). Plain arrays, no pickles; written atomically."""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from mp2v.common.files import atomic_path
from mp2v.errors import ModelStoreError
from mp2v.types import FloatMatrix

SIDE_FILE = "side.npz"
_ARRAYS = ("feature_ids", "feature_names", "feature_vectors", "item_ids", "slot_features", "slot_weights")


@dataclass(frozen=True)
class SideVectors:
    """``feature_vectors[f]`` is feature ``feature_ids[f]`` in the run's item input space.

    ``slot_features[i, j]`` is the feature column in slot ``j + 1`` of item ``item_ids[i]`` (-1: empty) and
    ``slot_weights[i]`` the item's weights over (itself, slot 1, ...), summing to 1.
    """

    feature_ids: npt.NDArray[Any]
    feature_names: npt.NDArray[np.str_]
    feature_vectors: FloatMatrix
    item_ids: npt.NDArray[Any]
    slot_features: npt.NDArray[np.int64]
    slot_weights: FloatMatrix

    def save(self, folder: Path) -> Path:
        path = folder / SIDE_FILE
        with atomic_path(path) as temporary:
            np.savez(temporary, **{name: getattr(self, name) for name in _ARRAYS})
        return path

    @classmethod
    def load(cls, folder: Path) -> SideVectors:
        path = folder / SIDE_FILE
        fix = f"train an EGES run again (`mp2v eges`); {folder} has no usable side-information vectors"
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {name: data[name] for name in data.files}
        except FileNotFoundError:
            raise ModelStoreError(f"{path} is missing: {fix}") from None
        except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as error:
            raise ModelStoreError(f"{path} is damaged ({type(error).__name__}): {fix}") from None
        missing = sorted(set(_ARRAYS) - set(arrays))
        if missing:
            raise ModelStoreError(f"{path} lacks {', '.join(missing)}: {fix}")
        return cls(**{name: arrays[name] for name in _ARRAYS})

    @property
    def known_features(self) -> npt.NDArray[np.bool_]:
        """Features that have a vector (every one EGES saw on an item or in a walk)."""
        return np.any(self.feature_vectors != 0, axis=1)
