"""Cypher used only by tests, kept out of the wheel: ``query(name)`` loads ``tests/cypher/<name>.cypher``."""

from __future__ import annotations

import re
from pathlib import Path

from mp2v.db.queries import Statement, quote_identifier

_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


def query(name: str, **identifiers: str) -> Statement:
    """The text of a test query with its ``{{Label}}`` placeholders filled (checked, backtick-quoted)."""
    text = (Path(__file__).parent / f"{name}.cypher").read_text(encoding="utf-8").strip()
    return Statement(_PLACEHOLDER.sub(lambda match: quote_identifier(identifiers[match.group(1)]), text))
