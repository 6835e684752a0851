"""Entity ids typed by the dataset's :class:`~mp2v.types.IdType`, never guessed from how they look.

A string id such as ``007`` must stay ``"007"``: turning it into ``7`` would miss the node in Neo4j and the
row in a run's embeddings. Under integer ids, text that is not an integer is refused with one line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt

from mp2v.errors import ConfigError
from mp2v.types import EntityId, IdType

_INTEGER = re.compile(r"^[+-]?\d+$")


def parse_id(value: str | int, id_type: IdType | str, *, what: str = "id") -> EntityId:
    """One id as the graph stores it: ``int`` under integer ids, ``str`` (stripped) under string ids."""
    kind = IdType(id_type)
    if kind is IdType.STRING:
        return str(value).strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    if not _INTEGER.match(text):
        raise ConfigError(f"{what} {text!r} is not an integer, but this dataset's ids are integers (its :Dataset "
                          "node says id_type=integer); give an integer id, or reload with `mp2v load csv "
                          "--id-type string`")
    return int(text)


def ids_array(values: Iterable[Any], id_type: IdType | str, *, what: str = "id") -> npt.NDArray[Any]:
    """Ids as an array: ``int64`` under integer ids, ``str`` under string ids (the same rule as parse_id)."""
    kind = IdType(id_type)
    values = list(values)
    if kind is IdType.STRING:
        return np.array([str(v).strip() for v in values], dtype=str)
    try:
        return np.array([int(v) for v in values], dtype=np.int64)
    except (TypeError, ValueError):
        # Find the offending value and say which one it is (parse_id raises for it).
        return np.array([parse_id(v, kind, what=what) for v in values], dtype=np.int64)
