"""Stored embeddings: user and item vectors (input and output) with the config that made them.

A run folder (``<MP2V_HOME>/runs/<run id>/``) holds ``embeddings.npz`` (plain arrays, no pickles),
``run.json`` (method, dataset, graph fingerprint, configs, seed, timings) and, for Word2Vec runs,
``model.gensim`` (a pickle, so it is only ever loaded from the project's own runs folder).
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from mp2v.common.ids import ids_array
from mp2v.errors import ModelStoreError
from mp2v.graph.model import GraphModel
from mp2v.types import FloatMatrix, IdType, Token

_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _ids(values: list[str], id_type: IdType) -> npt.NDArray[Any]:
    """Entity ids of corpus tokens as the graph stores them (the model's id type, never guessed)."""
    return ids_array(values, id_type, what="corpus token id")


@dataclass(frozen=True)
class Embeddings:
    """Users and items in one space. Row ``r`` of ``user_input`` is user ``user_ids[r]``."""

    user_ids: npt.NDArray[Any]
    item_ids: npt.NDArray[Any]
    user_input: FloatMatrix
    item_input: FloatMatrix
    #: Skip-gram output (context) vectors; zeros for methods that have none (e.g. averaged item2vec users).
    user_output: FloatMatrix
    item_output: FloatMatrix

    @property
    def dimensions(self) -> int:
        return int(self.item_input.shape[1])

    @cached_property
    def user_rows(self) -> dict[Any, int]:
        return {uid: row for row, uid in enumerate(self.user_ids.tolist())}

    @cached_property
    def item_rows(self) -> dict[Any, int]:
        return {iid: row for row, iid in enumerate(self.item_ids.tolist())}

    @classmethod
    def from_tokens(cls, tokens: list[Token], input_vectors: FloatMatrix, output_vectors: FloatMatrix,
                    model: GraphModel) -> Embeddings:
        """Split a token vocabulary (``u:1``, ``a:51``, ``t:7`` ...) into users and items; others are dropped."""
        prefixes = model.token_prefixes
        parts = {}
        for label in (model.user_label, model.item_label):
            prefix = prefixes[label] + ":"
            rows = [i for i, token in enumerate(tokens) if token.startswith(prefix)]
            ids = _ids([tokens[i][len(prefix):] for i in rows], model.id_type)
            order = np.argsort(ids, kind="stable") if ids.size else np.empty(0, np.int64)
            rows_sorted = np.asarray(rows, dtype=np.int64)[order]
            parts[label] = (ids[order], input_vectors[rows_sorted], output_vectors[rows_sorted])
        users, items = parts[model.user_label], parts[model.item_label]
        if items[0].size == 0:
            raise ModelStoreError(f"the corpus has no {model.item_label} tokens: check the metapaths")
        return cls(user_ids=users[0], item_ids=items[0], user_input=users[1], item_input=items[1],
                   user_output=users[2], item_output=items[2])

    def save(self, path: Path) -> None:
        np.savez(path, user_ids=self.user_ids, item_ids=self.item_ids, user_input=self.user_input,
                 item_input=self.item_input, user_output=self.user_output, item_output=self.item_output)

    @classmethod
    def load(cls, path: Path) -> Embeddings:
        with np.load(path, allow_pickle=False) as data:
            return cls(**{name: data[name] for name in data.files})


@dataclass
class StoredRun:
    run_id: str
    path: Path
    metadata: dict[str, Any]
    embeddings: Embeddings

    @property
    def method(self) -> str:
        return str(self.metadata.get("method", "?"))


@dataclass
class RunStore:
    """One folder per run under ``root``; nothing is loaded from outside it."""

    root: Path
    _cache: dict[str, StoredRun] = field(default_factory=dict, repr=False)

    def new_run_id(self, method: str) -> str:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        base = f"{stamp}-{re.sub(r'[^A-Za-z0-9]+', '-', method).strip('-').lower()}"
        run_id, suffix = base, 1
        while (self.root / run_id).exists():
            suffix += 1
            run_id = f"{base}-{suffix}"
        return run_id

    def save(self, method: str, embeddings: Embeddings, metadata: dict[str, Any], *, gensim_model: Any = None,
             run_id: str | None = None) -> StoredRun:
        run_id = run_id or self.new_run_id(method)
        folder = self._folder(run_id)
        folder.mkdir(parents=True, exist_ok=True)
        embeddings.save(folder / "embeddings.npz")
        if gensim_model is not None:
            gensim_model.save(str(folder / "model.gensim"))
        full = {"run_id": run_id, "method": method, "created": time.strftime("%Y-%m-%dT%H:%M:%S"), **metadata}
        (folder / "run.json").write_text(json.dumps(full, indent=2, default=str) + "\n")
        return StoredRun(run_id, folder, full, embeddings)

    def _folder(self, run: str | Path) -> Path:
        """The folder of a run id or path, refusing anything outside the store (stored models are pickles)."""
        candidate = Path(run)
        if not candidate.is_absolute() and _RUN_ID.match(str(run)):
            candidate = self.root / str(run)
        resolved = candidate.expanduser().resolve()
        if not resolved.is_relative_to(self.root.resolve()):
            raise ModelStoreError(f"refusing to load {run}: stored models are only read from the project's runs "
                                  f"folder {self.root} (gensim formats are pickles and can run code)")
        return resolved

    def load(self, run: str | Path) -> StoredRun:
        folder = self._folder(run)
        key = folder.name
        if key not in self._cache:
            if not (folder / "run.json").is_file():
                known = ", ".join(r["run_id"] for r in self.list()[-5:]) or "none yet"
                raise ModelStoreError(f"no stored run {run!r} in {self.root} (latest: {known})")
            metadata = json.loads((folder / "run.json").read_text())
            self._cache[key] = StoredRun(key, folder, metadata, Embeddings.load(folder / "embeddings.npz"))
        return self._cache[key]

    def load_gensim(self, run: str | Path) -> Any:
        from gensim.models import Word2Vec

        path = self._folder(run) / "model.gensim"
        if not path.is_file():
            raise ModelStoreError(f"run {run} has no gensim model (only Word2Vec runs keep one)")
        return Word2Vec.load(str(path))

    def list(self) -> list[dict[str, Any]]:
        """Metadata of every run, oldest first."""
        if not self.root.is_dir():
            return []
        runs = [json.loads(p.read_text()) for p in self.root.glob("*/run.json")]
        return sorted(runs, key=lambda r: (r.get("created", ""), r.get("run_id", "")))

    def find(self, cache_key: str) -> StoredRun | None:
        """The newest run made with exactly these inputs (see Experiment.fit_mp2v), if any."""
        matches = [r for r in self.list() if r.get("cache_key") == cache_key]
        return self.load(matches[-1]["run_id"]) if matches else None

    def latest(self, method: str | None = None, dataset: str | None = None) -> StoredRun:
        candidates = [r for r in self.list() if (method is None or r.get("method") == method)
                      and (dataset is None or r.get("dataset") == dataset)]
        if not candidates:
            raise ModelStoreError(f"no trained run{' of ' + method if method else ''} in {self.root}: "
                                  "run `mp2v demo` or `mp2v train` first")
        return self.load(candidates[-1]["run_id"])
