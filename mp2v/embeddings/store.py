"""Stored embeddings: user and item vectors (input and output) with the config that made them.

A run folder (``<MP2V_HOME>/runs/<run id>/``) holds ``embeddings.npz`` (plain arrays, no pickles),
``run.json`` (method, dataset, graph fingerprint, configs, seed, timings) and, for Word2Vec runs,
``model.gensim`` (a pickle, kept for inspection by hand; the project never loads it).
"""

from __future__ import annotations

import logging
import re
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from mp2v.common.files import atomic_path, read_json, write_json
from mp2v.common.ids import ids_array
from mp2v.errors import ModelStoreError
from mp2v.graph.model import GraphModel
from mp2v.types import FloatMatrix, IdType, Token

_log = logging.getLogger(__name__)

_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_ARRAYS = ("user_ids", "item_ids", "user_input", "item_input", "user_output", "item_output")


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
        """Write the arrays to ``path`` atomically (a crash leaves the old file or none, never half of one)."""
        with atomic_path(path) as temporary:
            np.savez(temporary, user_ids=self.user_ids, item_ids=self.item_ids, user_input=self.user_input,
                     item_input=self.item_input, user_output=self.user_output, item_output=self.item_output)

    @classmethod
    def load(cls, path: Path, fix: str = "delete it and train again") -> Embeddings:
        """The arrays in ``path``; a missing, damaged or incomplete file raises one-line ModelStoreError."""
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {name: data[name] for name in data.files}
        except FileNotFoundError as error:
            raise ModelStoreError(f"{path}: the embeddings are missing; {fix}") from error
        except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as error:
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise ModelStoreError(f"{path}: the embeddings are damaged ({reason}); {fix}") from error
        missing = sorted(set(_ARRAYS) - set(arrays))
        if missing:
            raise ModelStoreError(f"{path}: the embeddings lack {', '.join(missing)}; {fix}")
        return cls(**{name: arrays[name] for name in _ARRAYS})


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
        # run.json is what makes a folder a run (list, find, latest), so it goes last: a crash before it
        # leaves a folder that is not listed, and a re-save removes the old one first for the same reason.
        (folder / "run.json").unlink(missing_ok=True)
        self._cache.pop(folder.name, None)
        embeddings.save(folder / "embeddings.npz")
        if gensim_model is not None:
            # Into one handle: gensim pickles the whole model there, no side files that a rename would orphan.
            with atomic_path(folder / "model.gensim") as temporary, temporary.open("wb") as handle:
                gensim_model.save(handle)
        full = {"run_id": run_id, "method": method, "created": time.strftime("%Y-%m-%dT%H:%M:%S"), **metadata}
        write_json(folder / "run.json", full)
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
            metadata = self._metadata(folder / "run.json")
            embeddings = Embeddings.load(folder / "embeddings.npz", fix=_fix(folder))
            self._cache[key] = StoredRun(key, folder, metadata, embeddings)
        return self._cache[key]

    def scan(self) -> tuple[list[dict[str, Any]], list[ModelStoreError]]:
        """Metadata of every readable run, oldest first, and one error per run whose run.json is damaged."""
        if not self.root.is_dir():
            return [], []
        runs, damaged = [], []
        for path in sorted(self.root.glob("*/run.json")):
            try:
                runs.append(self._metadata(path))
            except ModelStoreError as error:
                damaged.append(error)
        return sorted(runs, key=lambda r: (r.get("created", ""), r.get("run_id", ""))), damaged

    def list(self) -> list[dict[str, Any]]:
        """Metadata of every run, oldest first; a damaged run.json raises one-line ModelStoreError."""
        runs, damaged = self.scan()
        if damaged:
            raise damaged[0]
        return runs

    def find(self, cache_key: str) -> StoredRun | None:
        """The newest run made with exactly these inputs (see Experiment.fit_mp2v), if any.

        A run whose run.json is damaged cannot be reused, so it is passed over (the caller trains afresh)
        rather than blocking every other run.
        """
        runs, _ = self.scan()
        matches = [r for r in runs if r.get("cache_key") == cache_key]
        return self.load(matches[-1]["run_id"]) if matches else None

    def latest(self, method: str | None = None, dataset: str | None = None) -> StoredRun:
        """The newest readable run of ``method`` on ``dataset``; damaged runs are passed over with a warning
        (their method cannot be read, so one of them may have been newer)."""
        runs, damaged = self.scan()
        for error in damaged:
            _log.warning("passed over a damaged run: %s", error)
        candidates = [r for r in runs if (method is None or r.get("method") == method)
                      and (dataset is None or r.get("dataset") == dataset)]
        if not candidates:
            raise ModelStoreError(f"no trained run{' of ' + method if method else ''} in {self.root}: "
                                  "run `mp2v demo` or `mp2v evaluate` first")
        return self.load(candidates[-1]["run_id"])

    def _metadata(self, path: Path) -> dict[str, Any]:
        metadata = read_json(path, "the run's metadata", fix=_fix(path.parent))
        metadata.setdefault("run_id", path.parent.name)
        return metadata


def _fix(folder: Path) -> str:
    return f"delete the folder {folder} (or re-run the command that trained it, e.g. `mp2v evaluate --fresh`)"
