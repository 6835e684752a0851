"""A resumable record of every trial (one JSON line per method, params and stage) and the cached test results.

Both are keyed by the data they were judged on (the store's ``context``: graph fingerprint and split key),
so a reload with other data never reuses them. Both are written atomically: an interrupted benchmark leaves
the files as they were after the last finished trial.
"""

from __future__ import annotations

import json
import time
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mp2v.common.files import atomic_path, read_json, write_json, write_text
from mp2v.common.hashing import content_hash
from mp2v.errors import EvaluationError
from mp2v.evaluation.results import MethodResult
from mp2v.evaluation.stages import Stage


@dataclass
class Trial:
    method: str
    stage: str
    params: dict[str, Any]
    metrics: dict[str, float]
    seconds: float
    key: str
    notes: list[str] = field(default_factory=list)
    finished: str = ""

    def score(self) -> float:
        """What validation chooses by: Recall@20 + NDCG@20 (the two headline metrics, equally weighted)."""
        return self.metrics.get("recall@20", 0.0) + self.metrics.get("ndcg@20", 0.0)


def trial_key(method: str, stage: str, params: dict[str, Any], context: str) -> str:
    return content_hash({"method": method, "stage": stage, "params": params, "context": context}, 24)


class TrialStore:
    """``trials.jsonl`` in a benchmark folder; a trial already recorded is never run again."""

    def __init__(self, folder: Path, context: str) -> None:
        self.folder = folder
        self.context = context
        self.path = folder / "trials.jsonl"
        folder.mkdir(parents=True, exist_ok=True)
        self._trials: dict[str, Trial] = {}
        if self.path.is_file():
            for number, line in enumerate(self.path.read_text(encoding="utf-8").splitlines(), start=1):
                if line.strip():
                    trial = _trial(line, self.path, number)
                    self._trials[trial.key] = trial

    def __len__(self) -> int:
        return len(self._trials)

    def get(self, method: str, stage: str, params: dict[str, Any]) -> Trial | None:
        return self._trials.get(trial_key(method, stage, params, self.context))

    def run(self, method: str, stage: str, params: dict[str, Any],
            evaluate: Callable[[], tuple[dict[str, float], list[str]]]) -> Trial:
        """The recorded trial, or run ``evaluate`` (-> metrics, notes), record it and return it."""
        key = trial_key(method, stage, params, self.context)
        if key in self._trials:
            return self._trials[key]
        started = time.monotonic()
        metrics, notes = evaluate()
        trial = Trial(method, stage, params, metrics, time.monotonic() - started, key, notes,
                      time.strftime("%Y-%m-%dT%H:%M:%S"))
        self._trials[key] = trial
        # Rewritten whole (a few hundred lines at most) so a crash never leaves half a line behind.
        write_text(self.path, "".join(json.dumps(asdict(t), default=str) + "\n" for t in self._trials.values()))
        return trial

    def trials(self, method: str | None = None, stage: str | None = None) -> list[Trial]:
        return [t for t in self._trials.values()
                if (method is None or t.method == method) and (stage is None or t.stage == stage)]


def _trial(line: str, path: Path, number: int) -> Trial:
    try:
        value = json.loads(line)
        if not isinstance(value, dict):
            raise TypeError(f"a JSON {type(value).__name__}, not an object")
        return Trial(**value)
    except (ValueError, TypeError) as error:
        raise EvaluationError(f"{path}, line {number}: damaged trial record ({str(error).splitlines()[0]}); delete "
                              "the line (or the file, to re-run every trial) and run `mp2v benchmark` again") from error


class ResultCache:
    """The test results of a benchmark (``<folder>/test/<method>.npz`` + ``.json``), reused only when the
    method's parameters and the data (``context``, as for :class:`TrialStore`) are the same."""

    def __init__(self, folder: Path, context: str) -> None:
        self.folder = folder
        self.context = context

    def key(self, name: str, params: dict[str, Any]) -> str:
        return trial_key(name, "test", params, self.context)

    def paths(self, name: str) -> tuple[Path, Path]:
        path = self.folder / f"{slug(name)}.npz"
        return path, path.with_suffix(".json")

    def get(self, name: str, params: dict[str, Any]) -> MethodResult | None:
        """The cached result, or None when there is none, it is for other settings or data, or it is damaged
        (then it is simply computed again)."""
        path, meta = self.paths(name)
        if not (path.is_file() and meta.is_file()):
            return None
        try:
            info = read_json(meta, "the cached test result", error=EvaluationError)
            if info.get("key") != self.key(name, params):
                return None
            with np.load(path, allow_pickle=False) as data:
                per_user = {k.split("/", 1)[1]: data[k] for k in data.files if k.startswith("per_user/")}
                return MethodResult(name, Stage.TEST, info["params"], info["timings"], info["metrics"], per_user,
                                    data["users"], data["topk"], notes=info.get("notes", []))
        except (EvaluationError, OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error):
            return None

    def put(self, result: MethodResult, params: dict[str, Any]) -> None:
        path, meta = self.paths(result.name)
        meta.unlink(missing_ok=True)  # the arrays change first; their sidecar, written last, makes them valid
        arrays: dict[str, Any] = {f"per_user/{k}": v for k, v in result.per_user.items()}
        with atomic_path(path) as temporary:
            np.savez_compressed(temporary, topk=result.topk, users=result.users, **arrays)
        write_json(meta, {"name": result.name, "stage": result.stage, "params": result.params,
                          "key": self.key(result.name, params), "context": self.context,
                          "timings": result.timings, "metrics": result.metrics, "notes": result.notes})


def slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
