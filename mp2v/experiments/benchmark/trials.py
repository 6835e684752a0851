"""A resumable record of every trial: one JSON line per (method, params, stage), appended as it finishes."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


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
    payload = json.dumps({"method": method, "stage": stage, "params": params, "context": context},
                         sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


class TrialStore:
    """``trials.jsonl`` in a benchmark folder; a trial already recorded is never run again."""

    def __init__(self, folder: Path, context: str) -> None:
        self.folder = folder
        self.context = context
        self.path = folder / "trials.jsonl"
        folder.mkdir(parents=True, exist_ok=True)
        self._trials: dict[str, Trial] = {}
        if self.path.is_file():
            for line in self.path.read_text().splitlines():
                if line.strip():
                    trial = Trial(**json.loads(line))
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
        with self.path.open("a") as out:
            out.write(json.dumps(asdict(trial), default=str) + "\n")
        self._trials[key] = trial
        return trial

    def trials(self, method: str | None = None, stage: str | None = None) -> list[Trial]:
        return [t for t in self._trials.values()
                if (method is None or t.method == method) and (stage is None or t.stage == stage)]
