"""Content hashes: what a stored run, a benchmark trial or a graph fingerprint is keyed by."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def content_hash(payload: Any, length: int = 16) -> str:
    """The first ``length`` hex digits of sha256 over canonical JSON (sorted keys; other values as ``str``).

    The same payload always gives the same key, across processes and sessions (unlike ``hash()``).
    """
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:length]
