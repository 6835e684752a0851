"""Values quoted in messages and reject files, cut to a sane length (a 100 MB cell stays a 200-character quote)."""

from __future__ import annotations

from typing import Any

#: Characters of a bad value shown in a reason or message, and of a raw line kept in a reject file.
SHOWN = 200
RAW_LINE_BYTES = 1_000


def clip(text: str, limit: int = SHOWN) -> str:
    """``text`` itself, or its first ``limit`` characters + ``... (N characters)``."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text):,} characters)"


def quote(value: Any, limit: int = SHOWN) -> str:
    """``repr`` of a value (quoted when text), cut after ``limit`` characters of the value."""
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:limit]!r}... ({len(value):,} characters)"
    return repr(value)
