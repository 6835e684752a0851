"""What the studies (``mp2v study ...``) share: their working folder, cached item vectors, and report files."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mp2v.common.files import atomic_path, write_json, write_text
from mp2v.errors import ModelStoreError
from mp2v.models.item_graph import ItemVectors

Log = Callable[[str], None]


@dataclass
class MethodVectors:
    """One method's item vectors for the item-to-item study, and what it cost."""

    name: str
    vectors: ItemVectors
    params: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def load_vectors(path: Path) -> ItemVectors | None:
    """Item vectors cached by :func:`save_vectors`, or None when absent or unreadable (they are refitted)."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            return ItemVectors(data["item_ids"], data["vectors"])
    except (OSError, ValueError, KeyError, ModelStoreError):
        return None


def save_vectors(path: Path, vectors: ItemVectors) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path, suffix=".npz") as temporary:
        ids = vectors.item_ids.astype(str) if vectors.item_ids.dtype == object else vectors.item_ids
        np.savez(temporary, item_ids=ids, vectors=vectors.vectors)


def write_study(folder: Path, stem: str, markdown: str, data: dict[str, Any]) -> tuple[Path, Path]:
    """``<folder>/<stem>.md`` and ``.json``, each written atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    md, js = folder / f"{stem}.md", folder / f"{stem}.json"
    write_json(js, data)
    write_text(md, markdown)
    return md, js


def p_text(p: float) -> str:
    return f"{p:.2g}" if np.isfinite(p) else "–"

