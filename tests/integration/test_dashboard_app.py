"""The dashboard's views driven with Streamlit's AppTest on the real Last.fm graph and small trained runs."""

from __future__ import annotations

import json
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import app_path
from mp2v.db.runner import QueryRunner
from tests.lastfm_fixture import TrainedLastfm, trained_lastfm

#: Facts of the vendored Last.fm HetRec 2011 data (user 2 is the first user id).
FIRST_USER, FIRST_USER_ARTISTS, FIRST_USER_FRIENDS, FIRST_USER_TOP = 2, 50, 13, "Duran Duran"


@pytest.fixture(scope="module")
def lastfm(session_runner: QueryRunner, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrainedLastfm]:
    trained = trained_lastfm(session_runner, tmp_path_factory)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in trained.environment().items():
            patch.setenv(name, value)
        yield trained


def started(view: str | None = None) -> AppTest:
    at = AppTest.from_file(str(app_path()), default_timeout=120)
    at.run()
    if view is not None:
        at.sidebar.radio(key="view").set_value(view).run()
    assert not at.exception, at.exception
    return at


def texts(elements: object) -> list[str]:
    return [str(element.value) for element in elements]  # type: ignore[attr-defined]


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_user_view_shows_history_friends_and_three_lists(lastfm: TrainedLastfm) -> None:
    at = started()
    assert at.title[0].value == "User"
    assert at.selectbox(key="user_pick").value == FIRST_USER
    shown = metrics(at)
    assert shown["Artists in history"] == str(FIRST_USER_ARTISTS) and shown["Friends"] == str(FIRST_USER_FRIENDS)
    history, friends = at.dataframe[0].value, at.dataframe[1].value
    assert history["Artist"].iloc[0] == FIRST_USER_TOP and len(history) == 15  # first page of 50
    assert len(friends) == FIRST_USER_FRIENDS and friends["Shared"].is_monotonic_decreasing
    assert at.number_input(key="history_page").value == 1

    headings = [m.value.removeprefix("#### ") for m in at.markdown if m.value.startswith("#### ")]
    lists = {method: df.value for method, df in zip(headings, at.dataframe[2:5], strict=True)}
    assert list(lists) == ["MP2V", "R-MP2V", "item2vec"]
    names = {method: list(frame["Artist"]) for method, frame in lists.items()}
    for method, frame in lists.items():
        assert len(frame) == 10 and frame["Score"].is_monotonic_decreasing
        assert not set(names[method]) & set(history["Artist"])  # seen items are excluded (first page checked)
        # The marker is set exactly on the artists another list recommends too.
        for artist, marker in zip(frame["Artist"], frame["◆"], strict=True):
            assert (marker == "◆") == any(artist in names[m] for m in lists if m != method)
    overlap = next(m.value for m in at.markdown if m.value.startswith("Shared between lists"))
    assert f"MP2V & R-MP2V: **{len(set(names['MP2V']) & set(names['R-MP2V']))}**" in overlap
    shared = at.dataframe[5].value  # items in more than one list, with their rank in each
    assert set(shared["Artist"]) == {a for a in names["MP2V"] + names["R-MP2V"] + names["item2vec"]
                                     if sum(a in n for n in names.values()) > 1}
    assert len(shared) > 0  # MP2V and R-MP2V walk the same metapath: their lists overlap
    ranks = shared.set_index("Artist")
    for artist in ranks.index:
        for method in lists:
            rank = ranks.loc[artist, method]
            assert rank == (str(names[method].index(artist) + 1) if artist in names[method] else "–")
    diversity = [v for label, v in ((m.label, m.value) for m in at.metric) if label == "Diversity"]
    assert len(diversity) == 3 and all(0.0 < float(v) <= 1.5 for v in diversity)

    at.slider(key="k").set_value(20).run()
    assert all(len(df.value) == 20 for df in at.dataframe[2:5])


def test_user_view_takes_a_typed_id_and_rejects_an_unknown_one(lastfm: TrainedLastfm) -> None:
    at = started()
    at.selectbox(key="user_pick").select(4).run()
    at.sidebar.radio(key="view").set_value("Graph").run()
    assert at.selectbox(key="user_pick").value == 4 and not at.warning
    at.sidebar.radio(key="view").set_value("User").run()
    at.text_input(key="user_search").input("3").run()
    assert metrics(at)["Artists in history"] == "50"
    assert any("User 3" in option for option in at.selectbox(key="user_pick").options)
    at.sidebar.radio(key="view").set_value("Graph").run()
    assert at.text_input(key="user_search").value == "3"  # the choice follows from view to view
    assert at.dataframe[1].value["Name"].iloc[0] == "User 3"
    at.sidebar.radio(key="view").set_value("User").run()
    at.text_input(key="user_search").input("999999").run()
    assert not at.exception
    assert any("No user with id '999999'" in text for text in texts(at.error))
    assert not at.dataframe  # nothing else is drawn for an unknown user


def test_item_view_finds_an_artist_and_its_neighbours(lastfm: TrainedLastfm) -> None:
    at = started("Item")
    at.text_input(key="item_search").input("radiohead").run()
    assert at.selectbox(key="item_pick").value == 154  # Radiohead's id in artists.dat
    assert at.subheader[0].value == "Radiohead"
    neighbours = at.dataframe[0].value
    assert len(neighbours) == 15 and "Radiohead" not in set(neighbours["Artist"])
    assert neighbours["Similarity"].is_monotonic_decreasing and neighbours["Similarity"].iloc[0] <= 1.0
    assert "Nearest artists in R-MP2V" in texts(at.markdown)[0]

    at.radio(key="item_method").set_value("item2vec").run()
    at.slider(key="item_k").set_value(5).run()
    assert len(at.dataframe[0].value) == 5 and "in item2vec" in texts(at.markdown)[0]

    at.text_input(key="item_search").input("no such artist anywhere").run()
    assert any("No artist matches 'no such artist anywhere'" in text for text in texts(at.error))


def test_graph_view_draws_a_capped_neighbourhood(lastfm: TrainedLastfm) -> None:
    at = started("Graph")
    assert at.title[0].value == "Graph" and len(at.get("vega_lite_chart")) == 1
    kinds = dict(zip(at.dataframe[0].value["Kind"], at.dataframe[0].value["Nodes"], strict=True))
    assert kinds["focus user"] == 1 and kinds["friend"] == FIRST_USER_FRIENDS and kinds["listened"] == 20
    total = sum(kinds.values())
    assert 1 + FIRST_USER_FRIENDS + 20 < total <= 150
    assert f"**{total} nodes" in texts(at.markdown)[0]

    at.slider(key="graph_nodes").set_value(40).run()
    kinds = dict(zip(at.dataframe[0].value["Kind"], at.dataframe[0].value["Nodes"], strict=True))
    assert sum(kinds.values()) == 40
    nodes = at.dataframe[1].value
    assert nodes["Name"].iloc[0] == f"User {FIRST_USER}"  # the best-linked node is the focus user


def test_run_overview_shows_report_metrics_and_charts(lastfm: TrainedLastfm) -> None:
    at = started("Run overview")
    results = json.loads((lastfm.home / "reports" / "lastfm-test" / "results.json").read_text())
    table = at.dataframe[0].value.set_index("Method")
    for method in results["methods"]:
        assert table.loc[method["name"], "Recall"] == pytest.approx(method["metrics"]["recall@20"])
        assert table.loc[method["name"], "NDCG"] == pytest.approx(method["metrics"]["ndcg@20"])
    coverage = [m.value for m in at.metric if m.label == "Coverage"]
    expected = [f"{m['metrics']['coverage@20']:.1%}" for m in sorted(
        results["methods"], key=lambda m: ["MP2V", "R-MP2V", "item2vec"].index(m["name"]))]
    assert coverage == expected  # recomputed from methods/*.npz, equal to the report's figures
    # recall, NDCG, diversity histogram, Lorenz curve, PCA
    assert len(at.get("vega_lite_chart")) == 5

    at.radio(key="overview_k").set_value(50).run()
    assert "Beyond accuracy at K = 50" in texts(at.subheader)
    at.radio(key="pca_colour").set_value("top tag").run()
    assert not at.exception and len(at.get("vega_lite_chart")) == 5


def test_server_down_gives_a_message_and_the_overview_still_works(lastfm: TrainedLastfm,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    monkeypatch.setenv("NEO4J_URI", f"bolt://127.0.0.1:{closed}")
    monkeypatch.setenv("NEO4J_PASSWORD", "irrelevant")
    at = started()
    assert any(f"Neo4j is not reachable at bolt://127.0.0.1:{closed}" in text for text in texts(at.error))
    assert any("unavailable" in text for text in texts(at.sidebar.markdown))
    assert not at.dataframe
    at.sidebar.radio(key="view").set_value("Run overview").run()
    assert not at.exception and set(at.dataframe[0].value["Method"]) == {"MP2V", "R-MP2V", "item2vec"}


def test_empty_home_says_no_model_is_trained(lastfm: TrainedLastfm, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MP2V_HOME", str(tmp_path))
    at = started()
    assert any("No trained model yet" in text for text in texts(at.info))
    assert at.dataframe[0].value["Artist"].iloc[0] == FIRST_USER_TOP  # the graph is still shown
    for view in ("Item", "Run overview"):
        at.sidebar.radio(key="view").set_value(view).run()
        assert not at.exception
        assert any("No trained model yet" in text for text in texts(at.info)), view


def test_run_selector_appears_with_several_runs_of_a_method(lastfm: TrainedLastfm, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(lastfm.home / "runs", tmp_path / "runs")
    shutil.copytree(lastfm.home / "reports", tmp_path / "reports")
    shutil.copytree(lastfm.home / "splits", tmp_path / "splits")
    original = json.loads((lastfm.home / "reports" / "lastfm-test" / "results.json").read_text())
    reported = next(m["run_id"] for m in original["methods"] if m["name"] == "MP2V")
    copy = tmp_path / "runs" / "29990101-000000-mp2v"
    shutil.copytree(tmp_path / "runs" / reported, copy)
    metadata = json.loads((copy / "run.json").read_text())
    (copy / "run.json").write_text(json.dumps(metadata | {"run_id": copy.name, "created": "2999-01-01T00:00:00"}))
    monkeypatch.setenv("MP2V_HOME", str(tmp_path))

    at = started()
    selector = at.sidebar.selectbox(key="run_mp2v")
    assert selector.options[0].startswith("2999-01-01 00:00") and selector.value == reported
    selector.select(copy.name).run()
    assert any(copy.name in text for text in texts(at.caption))
