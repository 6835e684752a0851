"""Names that become folder or file names (datasets, runs, reports) must be slugs: no path can escape."""

from __future__ import annotations

import re

from mp2v.errors import ConfigError

SLUG_MAX = 64
_SLUG = re.compile(rf"[A-Za-z0-9_-]{{1,{SLUG_MAX}}}")
_NOT_SLUG = re.compile(r"[^A-Za-z0-9_-]+")


def suggest_slug(value: str) -> str:
    """``'../../tmp/x y'`` -> ``'tmp-x-y'``: other characters become ``-``, at most 64 characters."""
    cleaned = _NOT_SLUG.sub("-", value).strip("-_")[:SLUG_MAX].strip("-_")
    return cleaned or "data"


def check_slug(value: str, what: str) -> str:
    """``value`` if it is 1-64 ASCII letters, digits, ``-`` or ``_``; else a ConfigError naming ``what``.

    ``what`` names the setting as the user typed it (``--dataset``, ``run name``), so the message says which
    one to change.
    """
    if isinstance(value, str) and _SLUG.fullmatch(value):
        return value
    shown = repr(value[:SLUG_MAX]) + (f"... ({len(value):,} characters)" if len(value) > SLUG_MAX else "")
    problem = "is empty" if not value else f"is {len(value):,} characters long" if len(value) > SLUG_MAX \
        else "contains characters other than letters, digits, '-' and '_'"
    raise ConfigError(f"{what} {shown} {problem}; it becomes a folder name, so use 1-{SLUG_MAX} letters, digits, "
                      f"'-' or '_' (e.g. {suggest_slug(value)!r})")
