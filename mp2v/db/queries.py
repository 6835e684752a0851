"""Cypher loaded by name from the package's ``resources/cypher`` (the top-level ``cypher/`` folder).

Values always travel as ``$parameters``. Labels and relationship types cannot be parameters in Cypher 5,
so a query may hold identifier placeholders written ``{{Label}}``; :func:`render` fills them with names that
are checked and backtick-quoted, never with data values. ``{{#Name}}`` is a bare name part (letters, digits,
underscore) for parameter names in fragments that are repeated, e.g. ``$phase_{{#Hop}}``; :func:`compose`
joins rendered fragments (UNION ALL branches) into one :class:`Statement`.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from mp2v.errors import QueryNotFoundError
from mp2v.resources import resource_path

_PLACEHOLDER = re.compile(r"\{\{(#?)(\w+)\}\}")
_NAME_PART = re.compile(r"^[A-Za-z0-9_]+$")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def cypher_dir() -> Path:
    """The folder holding the ``.cypher`` files (shipped as package data)."""
    folder = resource_path("cypher")
    if not folder.is_dir():
        raise QueryNotFoundError(f"no cypher folder at {folder}: reinstall the mp2v package (it ships its queries)")
    return folder


@cache
def load(name: str) -> str:
    """The text of ``cypher/<name>.cypher``; ``name`` may contain ``/`` for subfolders."""
    path = cypher_dir() / f"{name}.cypher"
    if not path.is_file():
        known = ", ".join(sorted(p.relative_to(cypher_dir()).with_suffix("").as_posix()
                                 for p in cypher_dir().rglob("*.cypher")))
        raise QueryNotFoundError(f"no query named {name!r} ({path} missing); known queries: {known}")
    return path.read_text(encoding="utf-8").strip()


def quote_identifier(name: str) -> str:
    """A label or relationship type as a backtick-quoted Cypher identifier; rejects anything unusual."""
    if not _IDENTIFIER.match(name):
        raise QueryNotFoundError(
            f"{name!r} is not a usable label or relationship type: use letters, digits and underscores"
        )
    return f"`{name}`"


class Statement(str):
    """Cypher text assembled from named fragments (see :func:`compose`); runners accept it like a name."""


def render(name: str, **identifiers: str) -> str:
    """Load a query and fill its ``{{Identifier}}`` / ``{{#NamePart}}`` placeholders."""
    text = load(name)
    missing = sorted({key for _, key in _PLACEHOLDER.findall(text)} - identifiers.keys())
    if missing:
        raise QueryNotFoundError(f"query {name!r} needs identifiers {missing}")
    return _PLACEHOLDER.sub(lambda m: _fill(m.group(1) == "#", identifiers[m.group(2)]), text)


def _fill(bare: bool, value: str) -> str:
    if not bare:
        return quote_identifier(value)
    if not _NAME_PART.match(value):
        raise QueryNotFoundError(f"{value!r} is not a usable parameter-name part: use letters, digits, underscores")
    return value


def compose(head: str, branches: list[tuple[str, dict[str, str]]], tail: str, **identifiers: str) -> Statement:
    """``head`` + the rendered ``branches`` joined by UNION ALL + ``tail``, each a named fragment."""
    union = "\nUNION ALL\n".join(render(name, **ids) for name, ids in branches)
    return Statement(f"{render(head, **identifiers)}\n{union}\n{render(tail, **identifiers)}")
