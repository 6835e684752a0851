"""The dashboard's cold-start modes (issue 16): a new item from side information in the Item view, a new user from
a few items in the User view; AppTest on the real Last.fm graph, the small test runs plus a tiny EGES run."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import app_path
from dashboard.views.coldstart import NEW_ITEM, NEW_USER
from mp2v.db.runner import QueryRunner
from mp2v.embeddings.side_vectors import SideVectors
from mp2v.embeddings.store import RunStore, StoredRun
from mp2v.experiments.coldstart import train_graph_eges
from mp2v.models.eges import Aggregation
from mp2v.serving.coldstart import embed_item, recommend_for_items
from tests.lastfm_fixture import TrainedLastfm, trained_lastfm

TAGS = ["heavy metal", "thrash metal"]
#: Radiohead, Coldplay and Muse in artists.dat.
ITEMS = [154, 65, 190]


@pytest.fixture(scope="module")
def home(session_runner: QueryRunner, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, StoredRun]]:
    """A copy of the small trained home with an EGES run added (so the other dashboard tests keep three runs)."""
    trained: TrainedLastfm = trained_lastfm(session_runner, tmp_path_factory)
    root = tmp_path_factory.mktemp("coldstart-home")
    for part in ("runs", "reports", "splits"):
        shutil.copytree(trained.home / part, root / part)
    eges = train_graph_eges(session_runner, RunStore(root / "runs"), root / "walks", aggregation=Aggregation.ATTENTION,
                            max_side=3, walks_per_node=1, side_walks_per_node=1, walk_length=10, dimensions=16,
                            window=3, epochs=1, workers=2, seed=7)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in (trained.environment() | {"MP2V_HOME": str(root)}).items():
            patch.setenv(name, value)
        yield root, eges


def started(view: str) -> AppTest:
    at = AppTest.from_file(str(app_path()), default_timeout=120)
    at.run()
    at.sidebar.radio(key="view").set_value(view).run()
    assert not at.exception, at.exception
    return at


def test_a_new_item_from_tags_lists_the_libraries_neighbours_and_users(home: tuple[Path, StoredRun]) -> None:
    _, eges = home
    at = started("Item")
    at.radio(key="item_mode").set_value(NEW_ITEM).run()
    assert at.selectbox(key="cold_run").value == eges.run_id
    assert not at.dataframe  # nothing picked yet: a hint, no table
    at.multiselect(key="cold_features").set_value(TAGS).run()
    assert not at.exception, at.exception
    expected = embed_item(eges, SideVectors.load(eges.path), TAGS, 15)
    assert at.subheader[0].value == "New artist: heavy metal, thrash metal"
    near, users = at.dataframe[0].value, at.dataframe[1].value
    assert np.allclose(near["Similarity"], [s for _, s in expected.neighbours], atol=1e-6)
    assert list(users["User"]) == [u for u, _ in expected.users]
    assert at.query_params["cold_features"] == "heavy metal|thrash metal"  # shareable, bar-separated
    at.slider(key="item_k").set_value(5).run()
    assert len(at.dataframe[0].value) == 5


def test_the_url_reopens_a_new_item_and_unknown_tags_are_dropped(home: tuple[Path, StoredRun]) -> None:
    at = AppTest.from_file(str(app_path()), default_timeout=120)
    at.query_params.update({"view": "Item", "item_mode": NEW_ITEM, "cold_features": "thrash metal|no such tag xyz"})
    at.run()
    assert not at.exception, at.exception
    assert at.multiselect(key="cold_features").value == ["thrash metal"]
    assert at.subheader[0].value == "New artist: thrash metal"


def test_a_new_user_from_a_few_items_gets_each_runs_fold_in_list(home: tuple[Path, StoredRun]) -> None:
    root, eges = home
    at = started("User")
    at.radio(key="user_mode").set_value(NEW_USER).run()
    assert not at.table  # no items yet
    at.multiselect(key="cold_items").set_value(ITEMS).run()
    assert not at.exception, at.exception
    headings = [m.value.removeprefix("#### ") for m in at.markdown if m.value.startswith("#### ")]
    assert {"MP2V", "R-MP2V", "item2vec", "EGES"} <= set(headings)
    lists = dict(zip(headings, at.table, strict=True))
    store = RunStore(root / "runs")
    r_mp2v = store.latest("R-MP2V", "lastfm")
    rows, _ = recommend_for_items(r_mp2v.embeddings, ITEMS, 10)
    shown = lists["R-MP2V"].value
    assert len(shown) == 10 and np.allclose(shown["Score"].astype(float), [s for _, s in rows], atol=1e-4)
    assert not {"Radiohead", "Coldplay", "Muse"} & set(shown["Artist"])  # the user's own items are left out
    assert any("fold-in" in c.value for c in at.caption) and any("mean of item vectors" in c.value for c in at.caption)
    assert at.query_params["cold_items"] == "154|65|190"
    at.slider(key="k").set_value(5).run()
    assert all(len(t.value) == 5 for t in at.table)


def test_without_a_side_information_run_the_item_mode_says_what_to_run(home: tuple[Path, StoredRun],
                                                                        tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    root, eges = home
    shutil.copytree(root / "runs", tmp_path / "runs", ignore=shutil.ignore_patterns(eges.run_id))
    monkeypatch.setenv("MP2V_HOME", str(tmp_path))
    at = started("Item")
    at.radio(key="item_mode").set_value(NEW_ITEM).run()
    assert any("run `mp2v eges`" in i.value for i in at.info)
