"""Ad-hoc Cypher in tests, through the project's own runner (the driver has no other door)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from mp2v.db.queries import Statement
from mp2v.db.runner import QueryRunner


def cypher(runner: QueryRunner, text: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Run ``text`` in a managed write transaction (so MERGE works too); the records as a DataFrame."""
    records, _ = runner.write(Statement(text), params)
    return pd.DataFrame.from_records(records)
