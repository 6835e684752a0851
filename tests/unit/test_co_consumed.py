"""The item-graph build sends batched, parameterised named queries (fake runner; the real build is tested in
tests/integration/test_studies.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from mp2v.errors import ConfigError
from mp2v.graph.co_consumed import ItemGraphConfig, build_item_graph
from mp2v.graph.model import LASTFM
from mp2v.walks.config import HoldoutExclusion
from tests.fakes import FakeRunner


class BuildRunner(FakeRunner):
    def write(self, name: str, params: Mapping[str, Any] | None = None, *,  # type: ignore[override]
              identifiers: Mapping[str, str] | None = None) -> tuple[list[dict[str, Any]], None]:
        return self.read(name, params, identifiers=identifiers), None

    def run_autocommit(self, name: str, params: Mapping[str, Any] | None = None, *,
                       identifiers: Mapping[str, str] | None = None) -> tuple[list[dict[str, Any]], None]:
        self.calls.append((name, dict(params or {}), dict(identifiers or {})))
        return [], None


def test_build_deletes_then_creates_in_batches_with_the_split_excluded() -> None:
    runner = BuildRunner({
        "itemgraph/item_ids": lambda params, ids: [{"id": i} for i in range(7)],
        "itemgraph/build_co_consumed": lambda params, ids: [{"edges": 2 * len(params["items"])}],
    })
    config = ItemGraphConfig(top_n=3, max_user_items=40, batch_size=3)
    summary = build_item_graph(runner, LASTFM, config, HoldoutExclusion("holdout_abc", ("test",)))
    names = [call[0] for call in runner.calls]
    assert names == ["itemgraph/delete_co_consumed", "itemgraph/item_ids"] + ["itemgraph/build_co_consumed"] * 3
    batches = [call[1] for call in runner.calls if call[0] == "itemgraph/build_co_consumed"]
    assert [b["items"] for b in batches] == [[0, 1, 2], [3, 4, 5], [6]]
    assert all(b["top_n"] == 3 and b["max_user_items"] == 40 and b["excluded"] == ["test"]
               and b["holdout_property"] == "holdout_abc" for b in batches)
    assert runner.calls[-1][2] == {"User": "User", "Item": "Artist", "Interaction": "LISTENED",
                                   "CoConsumed": "CO_CONSUMED"}
    assert (summary.items, summary.edges) == (7, 14)


@pytest.mark.parametrize("field", ["top_n", "max_user_items", "min_users", "batch_size"])
def test_config_rejects_non_positive_caps(field: str) -> None:
    with pytest.raises(ConfigError, match=field):
        ItemGraphConfig(**{field: 0})
