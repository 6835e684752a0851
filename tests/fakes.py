"""A fake query runner for unit tests: answers named queries from a table, records every call."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Answer = Callable[[Mapping[str, Any], Mapping[str, str]], list[dict[str, Any]]]


class FakeRunner:
    """Stands in for :class:`mp2v.db.runner.QueryRunner` where no server is needed."""

    def __init__(self, answers: dict[str, Answer]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, dict[str, Any], dict[str, str]]] = []

    def read(self, name: str, params: Mapping[str, Any] | None = None, *,
             identifiers: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
        self.calls.append((name, dict(params or {}), dict(identifiers or {})))
        if name not in self.answers:
            raise AssertionError(f"unexpected query {name}")
        return self.answers[name](params or {}, identifiers or {})

    write = read
