"""Deterministic per-user random splits of interaction matrices, saved as ``.npz`` + ``.json`` sidecar.

Per-user rule (every split here): a user with n >= 2 stored nonzeros gets round(fraction * n) of them,
clipped to [1, n - 1], drawn at random into the held-out part (rounding is numpy's half-to-even); a user with
fewer than 2 holds nothing out (it all stays in train, or in ``rest`` for :func:`fraction_split_of_truth`).
The draw is vectorised: one uniform key per nonzero, a per-row rank from ``lexsort`` on (row, key), and the
nonzeros ranked below the user's quota are held out. Inputs are canonicalised first (duplicates summed,
explicit zeros dropped); values are kept.

On disk a split is ``<name>.npz`` (rows, cols and values of each part) and ``<name>.json`` (kind, seed,
fractions, shape, nonzero counts and the sha256 :func:`fingerprint` of the input it was cut from).
"""

from __future__ import annotations

import hashlib
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal, TypeAlias, cast

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from mp2v.common.files import atomic_path, read_json, write_json
from mp2v.errors import EvaluationError
from mp2v.types import InteractionMatrix

SplitKind = Literal["holdout", "three_way", "truth_fraction", "leave_one_out"]
_FORMAT = "mp2v-split/1"


@dataclass(frozen=True)
class SplitInfo:
    """How a split was made: ``fingerprint`` is the sha256 of the input, ``counts`` the nonzeros per part."""

    kind: SplitKind
    seed: int
    fractions: dict[str, float]
    shape: tuple[int, int]
    fingerprint: str
    counts: dict[str, int]


@dataclass(frozen=True)
class HoldoutSplit:
    """``train`` + ``test`` == the input; unpacks as ``train, test = holdout_split(...)``."""

    PARTS: ClassVar[tuple[str, ...]] = ("train", "test")
    train: InteractionMatrix
    test: InteractionMatrix
    info: SplitInfo

    def __iter__(self) -> Iterator[InteractionMatrix]:
        return iter((self.train, self.test))


@dataclass(frozen=True)
class ThreeWaySplit:
    """``train`` + ``validation`` + ``test`` == the input; unpacks as ``train, validation, test``."""

    PARTS: ClassVar[tuple[str, ...]] = ("train", "validation", "test")
    train: InteractionMatrix
    validation: InteractionMatrix
    test: InteractionMatrix
    info: SplitInfo

    def __iter__(self) -> Iterator[InteractionMatrix]:
        return iter((self.train, self.validation, self.test))


@dataclass(frozen=True)
class TruthFractionSplit:
    """``first`` (e.g. KuaiRec's 20 % validation) + ``rest`` (80 % test) == the truth; unpacks as ``first, rest``."""

    PARTS: ClassVar[tuple[str, ...]] = ("first", "rest")
    first: InteractionMatrix
    rest: InteractionMatrix
    info: SplitInfo

    def __iter__(self) -> Iterator[InteractionMatrix]:
        return iter((self.first, self.rest))


Split: TypeAlias = HoldoutSplit | ThreeWaySplit | TruthFractionSplit
_CLASSES: dict[str, type[HoldoutSplit] | type[ThreeWaySplit] | type[TruthFractionSplit]] = {
    "holdout": HoldoutSplit,
    "three_way": ThreeWaySplit,
    "truth_fraction": TruthFractionSplit,
    "leave_one_out": ThreeWaySplit,
}


def holdout_split(interactions: InteractionMatrix, test_fraction: float = 0.2, seed: int = 0) -> HoldoutSplit:
    """Hold out round(test_fraction * n_u) random interactions per user (in [1, n_u - 1]; none if n_u < 2)."""
    matrix = _canonical(interactions)
    test_mask = _held_out_mask(matrix, _checked_fraction(test_fraction, "test_fraction"), np.random.default_rng(seed))
    train, test = _select(matrix, ~test_mask), _select(matrix, test_mask)
    return HoldoutSplit(train, test, _info("holdout", seed, {"test": test_fraction}, matrix, train=train, test=test))


def three_way_split(
    interactions: InteractionMatrix, test_fraction: float = 0.2, validation_fraction: float = 0.2, seed: int = 0,
    min_interactions: int = 2,
) -> ThreeWaySplit:
    """Test as :func:`holdout_split` (same seed -> same test), then validation carved from the training rows.

    ``validation_fraction`` is a fraction of each user's *remaining training* interactions, by the same rule.
    Users with fewer than ``min_interactions`` interactions hold nothing out (they only train).
    """
    matrix = _canonical(interactions)
    rng = np.random.default_rng(seed)
    eligible = _eligible(matrix, min_interactions)
    test_mask = _held_out_mask(matrix, _checked_fraction(test_fraction, "test_fraction"), rng, eligible=eligible)
    train_full, test = _select(matrix, ~test_mask), _select(matrix, test_mask)
    validation_mask = _held_out_mask(train_full, _checked_fraction(validation_fraction, "validation_fraction"), rng,
                                     eligible=eligible)
    train, validation = _select(train_full, ~validation_mask), _select(train_full, validation_mask)
    fractions = {"test": test_fraction, "validation": validation_fraction}
    if min_interactions > 2:
        fractions["min_interactions"] = float(min_interactions)
    info = _info("three_way", seed, fractions, matrix, train=train, validation=validation, test=test)
    return ThreeWaySplit(train, validation, test, info)


def leave_one_out_split(interactions: InteractionMatrix, seed: int = 0, min_interactions: int = 3) -> ThreeWaySplit:
    """One random interaction per user to test and one more to validation (users with at least
    ``max(3, min_interactions)`` interactions; the others only train). Random, not the latest: the loaded
    interactions carry no order (Last.fm's user_artists.dat has no timestamps)."""
    matrix = _canonical(interactions)
    rng = np.random.default_rng(seed)
    eligible = _eligible(matrix, max(3, min_interactions))
    test_mask = _held_out_mask(matrix, 0.5, rng, eligible=eligible, count=1)
    train_full, test = _select(matrix, ~test_mask), _select(matrix, test_mask)
    validation_mask = _held_out_mask(train_full, 0.5, rng, eligible=eligible, count=1)
    train, validation = _select(train_full, ~validation_mask), _select(train_full, validation_mask)
    fractions = {"min_interactions": float(max(3, min_interactions))}
    info = _info("leave_one_out", seed, fractions, matrix, train=train, validation=validation, test=test)
    return ThreeWaySplit(train, validation, test, info)


def _eligible(matrix: InteractionMatrix, min_interactions: int) -> npt.NDArray[np.bool_]:
    if not isinstance(min_interactions, int) or min_interactions < 2:
        raise EvaluationError(f"min_interactions must be an integer of at least 2, got {min_interactions!r}")
    return np.asarray(np.diff(matrix.indptr) >= min_interactions, dtype=np.bool_)


def fraction_split_of_truth(truth: InteractionMatrix, first_fraction: float = 0.2, seed: int = 0) -> TruthFractionSplit:
    """Split each user's relevant items into ``first`` (round(first_fraction * n_u), in [1, n_u - 1]) and ``rest``.

    For protocols that train on another matrix and evaluate on a fully observed one (KuaiRec: 20 % validation,
    80 % test). A user with a single relevant item keeps it in ``rest``.
    """
    matrix = _canonical(truth)
    first_mask = _held_out_mask(
        matrix, _checked_fraction(first_fraction, "first_fraction"), np.random.default_rng(seed)
    )
    first, rest = _select(matrix, first_mask), _select(matrix, ~first_mask)
    info = _info("truth_fraction", seed, {"first": first_fraction}, matrix, first=first, rest=rest)
    return TruthFractionSplit(first, rest, info)


def fingerprint(matrix: InteractionMatrix) -> str:
    """sha256 (hex) of the canonical CSR form: shape, indptr, indices and float64 values."""
    canonical = _canonical(matrix)
    digest = hashlib.sha256()
    for array in (np.asarray(canonical.shape), canonical.indptr, canonical.indices):
        digest.update(np.ascontiguousarray(array, dtype=np.int64).tobytes())
    digest.update(np.ascontiguousarray(canonical.data, dtype=np.float64).tobytes())
    return digest.hexdigest()


def save_split(path: Path | str, split: Split) -> tuple[Path, Path]:
    """Write ``<path>.npz`` and ``<path>.json`` (a ``.npz``/``.json`` suffix on ``path`` is replaced)."""
    npz_path, json_path = _paths(path)
    npz_path.parent.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, npt.NDArray[Any]] = {}
    for name in split.PARTS:
        part = sp.coo_matrix(getattr(split, name))
        arrays[f"{name}_rows"] = part.row.astype(np.int64)
        arrays[f"{name}_cols"] = part.col.astype(np.int64)
        arrays[f"{name}_values"] = part.data
    # The sidecar goes first: a crash between the two files leaves a pair whose counts disagree, which
    # load_split reports, instead of a valid-looking old sidecar next to new arrays.
    json_path.unlink(missing_ok=True)
    with atomic_path(npz_path) as temporary:
        np.savez_compressed(temporary, allow_pickle=False, **arrays)
    info = split.info
    sidecar = {
        "format": _FORMAT,
        "kind": info.kind,
        "seed": info.seed,
        "fractions": info.fractions,
        "shape": list(info.shape),
        "fingerprint": info.fingerprint,
        "counts": info.counts,
    }
    write_json(json_path, sidecar)
    return npz_path, json_path


def load_split(path: Path | str, expected_fingerprint: str | None = None) -> Split:
    """Read a split written by :func:`save_split`; if ``expected_fingerprint`` (see :func:`fingerprint`) is
    given, raise :class:`EvaluationError` unless the split was cut from data with that fingerprint."""
    npz_path, json_path = _paths(path)
    if not npz_path.is_file() or not json_path.is_file():
        raise EvaluationError(f"split not found: need both {npz_path} and {json_path}; create it with save_split")
    fix = f"delete {npz_path.name} and {json_path.name} to re-split"
    sidecar = read_json(json_path, "the split sidecar", error=EvaluationError, fix=fix)
    try:
        kind, shape = str(sidecar["kind"]), (int(sidecar["shape"][0]), int(sidecar["shape"][1]))
        fractions, counts = dict(sidecar["fractions"]), {str(k): int(v) for k, v in sidecar["counts"].items()}
        stored_fingerprint, seed = str(sidecar["fingerprint"]), int(sidecar["seed"])
    except (ValueError, KeyError, TypeError, IndexError) as error:
        raise EvaluationError(f"{json_path}: not a valid split sidecar ({error}); recreate the split") from error
    if sidecar.get("format") != _FORMAT or kind not in _CLASSES:
        raise EvaluationError(f"{json_path}: unknown split format/kind {sidecar.get('format')!r}/{kind!r}")
    if expected_fingerprint is not None and expected_fingerprint != stored_fingerprint:
        raise EvaluationError(
            f"{json_path}: split was made from data with sha256 {stored_fingerprint[:12]}..., but the data now has "
            f"{expected_fingerprint[:12]}...; delete {npz_path.name} and {json_path.name} to re-split, "
            "or load the data the split was made from"
        )
    split_class = _CLASSES[kind]
    try:
        with np.load(npz_path, allow_pickle=False) as stored:
            parts = {}
            for name in split_class.PARTS:
                try:
                    rows, cols, values = (stored[f"{name}_{key}"] for key in ("rows", "cols", "values"))
                except KeyError as error:
                    raise EvaluationError(f"{npz_path}: part '{name}' is missing; {fix}") from error
                if rows.size != counts.get(name):
                    raise EvaluationError(
                        f"{npz_path}: part '{name}' has {rows.size} nonzeros, sidecar says "
                        f"{counts.get(name)}; the two files do not belong together: {fix}"
                    )
                parts[name] = sp.csr_matrix((values, (rows, cols)), shape=shape)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as error:
        raise EvaluationError(f"{npz_path}: the split arrays are damaged ({error}); {fix}") from error
    info = SplitInfo(cast(SplitKind, kind), seed, fractions, shape, stored_fingerprint, counts)
    return split_class(**parts, info=info)


def _held_out_mask(matrix: InteractionMatrix, fraction: float, rng: np.random.Generator, *,
                   eligible: npt.NDArray[np.bool_] | None = None, count: int | None = None) -> npt.NDArray[np.bool_]:
    """Boolean mask over ``matrix.data``: True for the nonzeros a user holds out under the per-user rule
    (``count`` per user instead of the fraction; users not ``eligible`` hold nothing out)."""
    per_user = np.diff(matrix.indptr).astype(np.int64)
    wanted = np.full(per_user.size, count, dtype=np.float64) if count is not None else np.rint(fraction * per_user)
    clipped = np.clip(wanted, 1, np.maximum(per_user - 1, 1)).astype(np.int64)
    quota = np.where((per_user >= 2) & (eligible if eligible is not None else True), clipped, 0)
    rows = np.repeat(np.arange(matrix.shape[0], dtype=np.int64), per_user)
    order = np.lexsort((rng.random(rows.size), rows))  # grouped by row, random order inside each row
    rank_in_row = np.empty(rows.size, dtype=np.int64)
    rank_in_row[order] = np.arange(rows.size, dtype=np.int64) - np.repeat(matrix.indptr[:-1].astype(np.int64), per_user)
    return np.asarray(rank_in_row < quota[rows], dtype=np.bool_)


def _select(matrix: InteractionMatrix, mask: npt.NDArray[np.bool_]) -> InteractionMatrix:
    """The nonzeros of a canonical CSR ``matrix`` where ``mask`` is True, as a CSR of the same shape."""
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))[mask]
    indptr = np.concatenate(([0], np.cumsum(np.bincount(rows, minlength=matrix.shape[0]))))
    return sp.csr_matrix((matrix.data[mask], matrix.indices[mask], indptr), shape=matrix.shape)


def _canonical(matrix: InteractionMatrix) -> InteractionMatrix:
    if not sp.issparse(matrix) or matrix.ndim != 2:
        raise EvaluationError("splits need a 2-D scipy sparse users x items matrix (e.g. scipy.sparse.csr_matrix)")
    canonical = sp.csr_matrix(matrix, copy=True)
    canonical.sum_duplicates()
    canonical.eliminate_zeros()
    return canonical


def _checked_fraction(fraction: float, name: str) -> float:
    if not isinstance(fraction, (int, float)) or not 0.0 < fraction < 1.0:
        raise EvaluationError(f"{name} must be a number strictly between 0 and 1, got {fraction!r}")
    return float(fraction)


def _info(
    kind: SplitKind, seed: int, fractions: dict[str, float], source: InteractionMatrix, **parts: InteractionMatrix
) -> SplitInfo:
    counts = {name: int(part.nnz) for name, part in parts.items()}
    shape = (int(source.shape[0]), int(source.shape[1]))
    return SplitInfo(kind, int(seed), fractions, shape, fingerprint(source), counts)


def _paths(path: Path | str) -> tuple[Path, Path]:
    base = Path(path)
    if base.suffix in (".npz", ".json"):
        base = base.with_suffix("")
    return base.with_name(base.name + ".npz"), base.with_name(base.name + ".json")
