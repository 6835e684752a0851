"""The dashboard's views driven with Streamlit's AppTest on the real Last.fm graph and small trained runs."""

from __future__ import annotations

import json
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import app_path
from mp2v.db.runner import QueryRunner
from mp2v.evaluation.split import load_split
from tests.lastfm_fixture import TrainedLastfm, trained_lastfm

ROOT = Path(__file__).resolve().parents[2]
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


def test_user_view_evaluated_lists_mark_held_out_hits_with_the_users_own_metrics(lastfm: TrainedLastfm) -> None:
    at = started()
    assert at.title[0].value == "User" and at.header[0].value == f"User {FIRST_USER}"
    shown = metrics(at)
    assert shown["Artists in history"] == str(FIRST_USER_ARTISTS) and shown["Friends"] == str(FIRST_USER_FRIENDS)
    assert at.radio(key="mode").value.startswith("Evaluated")
    report = lastfm.home / "reports" / "lastfm-test"
    results = json.loads((report / "results.json").read_text())
    split = load_split(lastfm.home / "splits" / f"lastfm-holdout-seed{results['split_seed']}")
    headings = [m.value.removeprefix("#### ") for m in at.markdown if m.value.startswith("#### ")]
    assert headings == [m["name"] for m in results["methods"]]
    recalls = [m.value for m in at.metric if m.label == "Recall@10"]
    for method, table, recall in zip(headings, at.table[: len(headings)], recalls, strict=True):
        with np.load(report / "methods" / f"{method}.npz") as saved:
            row = int(np.flatnonzero(saved["user_ids"] == FIRST_USER)[0])
            held_out = set(saved["item_ids"][split.test[row].indices].tolist())
            expected = [item in held_out for item in saved["item_ids"][saved["topk"][row, :10]].tolist()]
            position = int(np.flatnonzero(saved["users"] == row)[0])
            assert recall == f"{saved['per_user/recall@10'][position]:.3f}"  # the report's own value
        frame = table.value
        assert len(frame) == 10 and list(frame["#"]) == list(range(1, 11))
        assert [mark == "✓" for mark in frame["✓"]] == expected  # hits marked at their rank


def test_user_view_served_now_lists_side_by_side(lastfm: TrainedLastfm) -> None:
    at = started()
    at.radio(key="mode").set_value("Served now").run()
    headings = [m.value.removeprefix("#### ") for m in at.markdown if m.value.startswith("#### ")]
    assert headings[:2] == ["MP2V", "R-MP2V"]
    history = at.dataframe[0].value
    lists = {method: t.value for method, t in zip(headings, at.table, strict=False)}
    names = {method: list(frame["Artist"]) for method, frame in lists.items()}
    for method, frame in lists.items():
        assert len(frame) == 10 and not set(names[method]) & set(history["Artist"])
        for artist, marker in zip(frame["Artist"], frame["◆"], strict=True):
            assert (marker == "◆") == any(artist in names[m] for m in lists if m != method)
    at.slider(key="k").set_value(20).run()
    assert all(len(t.value) == 20 for t in at.table[: len(headings)])
    assert at.query_params["k"] == "20"  # the URL holds the setting


def test_typed_id_moves_the_picker_and_a_bad_id_keeps_user_and_k(lastfm: TrainedLastfm) -> None:
    at = started()
    at.slider(key="k").set_value(20).run()
    at.text_input(key="user_search").input("3").run()
    assert at.selectbox(key="user").value == 3 and at.header[0].value == "User 3"
    assert metrics(at)["Artists in history"] == "50"
    at.sidebar.radio(key="view").set_value("Graph").run()
    assert at.header[0].value == "User 3"  # the user follows from view to view
    at.sidebar.radio(key="view").set_value("User").run()
    assert at.slider(key="k").value == 20  # K survives the view switch
    at.text_input(key="user_search").input("999999").run()
    assert not at.exception
    assert any("No user with id '999999'" in text for text in texts(at.error))
    assert at.selectbox(key="user").value == 3 and at.slider(key="k").value == 20


def test_url_query_parameters_open_a_shared_view(lastfm: TrainedLastfm) -> None:
    at = AppTest.from_file(str(app_path()), default_timeout=120)
    at.query_params.update({"view": "Item", "item": "154", "item_k": "5", "item_method": "MP2V"})
    at.run()
    assert not at.exception and at.title[0].value == "Item"
    assert at.subheader[0].value == "Radiohead" and len(at.dataframe[0].value) == 5
    assert "in MP2V" in texts(at.markdown)[0]


def test_item_view_finds_an_artist_and_its_neighbours_in_rank_order(lastfm: TrainedLastfm) -> None:
    at = started("Item")
    at.text_input(key="item_search").input("radiohead").run()
    assert at.selectbox(key="item").value == 154  # Radiohead's id in artists.dat
    assert at.subheader[0].value == "Radiohead"
    neighbours = at.dataframe[0].value
    assert len(neighbours) == 15 and "Radiohead" not in set(neighbours["Artist"])
    assert neighbours["Similarity"].is_monotonic_decreasing
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert spec["encoding"]["y"]["sort"] == {"field": "rank", "order": "ascending"}  # not the previous order
    at.slider(key="min_users").set_value(50).run()
    assert (at.dataframe[0].value["Users"] >= 50).all() and len(at.dataframe[0].value) == 15
    at.text_input(key="item_search").input("no such artist anywhere").run()
    assert any("No artist matches 'no such artist anywhere'" in text for text in texts(at.error))


def test_graph_view_expands_recentres_and_explains_a_recommendation(lastfm: TrainedLastfm) -> None:
    at = started("Graph")
    counts = dict(zip(at.dataframe[0].value["Kind"], at.dataframe[0].value["Nodes"], strict=True))
    assert counts["user"] == 1 + 8 and counts["item"] == 8  # the centre, 8 friends, 8 strongest artists
    before = sum(counts.values())
    friend = next(o for o in at.selectbox(key="graph_node").options if o.startswith("User ") and o != "User 2 · user")
    at.selectbox(key="graph_node").select_index(at.selectbox(key="graph_node").options.index(friend)).run()
    at.button(key="graph_expand").click().run()
    after = dict(zip(at.dataframe[0].value["Kind"], at.dataframe[0].value["Nodes"], strict=True))
    assert sum(after.values()) > before and at.query_params["expand"].startswith("u:")
    at.selectbox(key="why_item").select_index(1).run()
    assert any(s.value.startswith("Why ") for s in at.subheader)
    friend_id = int(friend.split(" ")[1])
    at.selectbox(key="graph_node").select_index(
        at.selectbox(key="graph_node").options.index(f"User {friend_id} · user")).run()
    at.button(key="graph_recentre").click().run()
    assert at.header[0].value == f"User {friend_id}" and "expand" not in at.query_params


def test_embeddings_view_projects_finds_and_lists_neighbours(lastfm: TrainedLastfm) -> None:
    at = started("Embeddings")
    assert any(m.value.startswith("**Explained variance** · PC1") for m in at.markdown)
    at.text_input(key="proj_find").input("Radiohead").run()
    assert any("Nearest to Radiohead" in m.value for m in at.markdown) and len(at.table[0].value) == 10
    at.text_input(key="proj_find").input("user 2").run()
    assert any("Nearest to user 2" in m.value for m in at.markdown)
    at.slider(key="proj_points").set_value(300).run()
    at.radio(key="proj_method").set_value("UMAP").run()
    assert not at.exception and len(at.get("vega_lite_chart")) == 1  # no variance chart for UMAP


def test_benchmark_view_shows_every_method_of_the_results_file(lastfm: TrainedLastfm) -> None:
    raw = json.loads((ROOT / "results" / "lastfm.json").read_text())
    at = started("Benchmark")
    table = at.table[0].value
    assert list(table["Method"]) == [r["name"] for r in raw["results"]]
    assert table["Precision"].iloc[0] == pytest.approx(raw["results"][0]["metrics"]["precision@20"])
    at.toggle(key="bench_ablations").set_value(True).run()
    assert len(at.table[0].value) == len(raw["results"]) + len(raw["ablations"])
    at.selectbox(key="bench_metric").set_value("ndcg").run()
    tests = [t for t in raw["significance"] if t["metric"].startswith("ndcg@")]
    assert len(at.table[1].value) == len(tests)
    at.selectbox(key="bench_ref").set_value("iALS").run()
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert "minus iALS" in json.dumps(spec)


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
    assert all(0.0 <= v <= 1.0 for v in table["MRR"])
    # recall, NDCG, diversity histogram, Lorenz curve
    assert len(at.get("vega_lite_chart")) == 4

    at.radio(key="overview_k").set_value(50).run()
    assert "Beyond accuracy at K = 50" in texts(at.subheader)



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
    assert any("No evaluation report yet" in text for text in texts(at.info))
    assert at.dataframe[0].value["Artist"].iloc[0] == FIRST_USER_TOP  # the graph is still shown
    at.radio(key="mode").set_value("Served now").run()
    assert any("No trained model yet" in text for text in texts(at.info))
    for view in ("Item", "Embeddings"):
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
    at.radio(key="mode").set_value("Served now").run()  # served lists name the run they come from
    assert any(copy.name in text for text in texts(at.caption))
    assert at.query_params["run_mp2v"] == copy.name  # and the URL keeps the choice
