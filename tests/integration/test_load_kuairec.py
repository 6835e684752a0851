"""KuaiRec into the real server, from generated files in the published format with every kind of bad row."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from loaders import LoadOptions, run_load
from loaders import kuairec as kuairec_loader
from loaders.kuairec_matrix import read_kuairec_matrix
from loaders.pipeline import PlanBuilder
from loaders.rejects import Validation
from mp2v.db.admin import graph_stats
from mp2v.db.runner import QueryRunner
from mp2v.errors import ConfigError, InputError
from mp2v.graph.model import read_model
from tests.cypher_helpers import cypher
from tests.data_factories import BAD_CATEGORY_LINES, BAD_MATRIX_LINES, BAD_SOCIAL_LINES, write_kuairec

OPTIONS = LoadOptions(progress=False)


def _builder(config: kuairec_loader.KuaiRecConfig) -> PlanBuilder:
    def build(validation: Validation) -> kuairec_loader.GraphPlan:
        return kuairec_loader.build_plan(config, validation)
    return build


def _count(db: QueryRunner) -> int:
    return int(cypher(db, "MATCH (n) RETURN count(n) AS n")["n"][0])


def test_load_with_bad_rows_aggregation_and_rerun(db: QueryRunner, tmp_path: Path) -> None:
    files = write_kuairec(tmp_path / "data", users=40, videos=50, rows=600, repeats=80, exact_duplicates=9,
                          bad_matrix=list(BAD_MATRIX_LINES), bad_social=list(BAD_SOCIAL_LINES),
                          bad_categories=list(BAD_CATEGORY_LINES), self_follows=1, user_features=True,
                          daily_features=True)
    config = kuairec_loader.KuaiRecConfig(tmp_path / "data")
    result = run_load(_builder(config), db, OPTIONS, rejects_dir=tmp_path / "rejects")
    checks = {check.name: check for check in result.plan.files}
    # Every bad kind but unknown_video: videos are known from the matrix rows themselves.
    assert checks["big_matrix.csv"].rejected == len(BAD_MATRIX_LINES) - 1
    assert checks["big_matrix.csv"].duplicate_rows == 9
    assert checks["item_categories.csv"].rejected == len(BAD_CATEGORY_LINES)
    assert checks["social_network.csv"].rejected == len(BAD_SOCIAL_LINES) + 1  # + the self-follow entry
    for name in ("big_matrix", "item_categories", "social_network"):
        assert (tmp_path / "rejects" / f"{name}.rejects.csv").is_file()

    matrix = read_kuairec_matrix(files.path("big_matrix.csv"), 2.0)
    positives = matrix.positives()
    stats = graph_stats(db)
    assert stats.labels == {"User": 40, "Video": 51, "Category": len({c for cs in files.categories.values()
                                                                        for c in cs}), "Dataset": 1}
    assert stats.relationships["WATCHED"] == len(positives)
    expected_follows = {(u, f) for u, fs in files.friends.items() for f in fs if f != u}
    assert stats.relationships["FOLLOWS"] == len(expected_follows)

    # One re-watched positive pair, property by property.
    pair = positives[positives["views"] > 1].iloc[0]
    edge = cypher(db,
        "MATCH (:User {id: $u})-[w:WATCHED]->(:Video {id: $v}) RETURN properties(w) AS p",
        params={"u": int(pair["user_id"]), "v": int(pair["video_id"])})["p"][0]
    assert edge["views"] == pair["views"] and edge["watch_ratio"] == pytest.approx(pair["watch_ratio"])
    assert edge["watch_ratio_mean"] == pytest.approx(pair["watch_ratio_mean"])
    assert edge["play_duration"] == pytest.approx(pair["play_duration"]) and edge["ts"] == pytest.approx(pair["ts"])
    assert edge["weight"] == pytest.approx(min(pair["watch_ratio"], 5.0))
    options = read_model(db).options
    assert {k: options[k] for k in ("matrix", "threshold", "cap")} == {"matrix": "big", "threshold": 2.0, "cap": 5.0}
    assert Path(options["folder"]).is_dir()  # recorded for the evaluation protocol (small_matrix.csv)
    user = cypher(db, "MATCH (u:User {id: 0}) RETURN properties(u) AS p")["p"][0]
    assert {"active_degree", "register_days", "is_video_author"} <= set(user)

    again = run_load(_builder(config), db, OPTIONS, rejects_dir=tmp_path / "rejects")
    assert again.write is not None and set(again.write.created("relationships").values()) == {0}
    assert graph_stats(db) == stats

    with pytest.raises(ConfigError, match=r"threshold 2.0 -> 1.0"):
        run_load(_builder(kuairec_loader.KuaiRecConfig(tmp_path / "data", threshold=1.0)), db, OPTIONS,
                 rejects_dir=tmp_path / "rejects")
    assert graph_stats(db) == stats


def test_strict_and_max_share_stop_before_anything_is_written(db: QueryRunner, tmp_path: Path) -> None:
    write_kuairec(tmp_path, rows=300, bad_matrix=["inf_watch_ratio", "negative_id"])
    config = kuairec_loader.KuaiRecConfig(tmp_path)
    with pytest.raises(InputError, match="--strict"):
        run_load(_builder(config), db, LoadOptions(progress=False, strict=True), rejects_dir=tmp_path / "r")
    with pytest.raises(InputError, match="--max-reject-share"):
        run_load(_builder(config), db, LoadOptions(progress=False, max_reject_share=0.001),
                 rejects_dir=tmp_path / "r")
    assert _count(db) == 0
    assert cypher(db, "SHOW CONSTRAINTS YIELD name RETURN count(*) AS n")["n"][0] == 0
    result = run_load(_builder(config), db, LoadOptions(progress=False, max_reject_share=0.01),
                      rejects_dir=tmp_path / "r")
    assert result.plan.files[1].rejected == 2 and _count(db) > 0


def test_small_matrix_with_nan_timestamps_and_threshold(db: QueryRunner, tmp_path: Path) -> None:
    write_kuairec(tmp_path, matrix="small", rows=200, nan_timestamps=15, social=False)
    config = kuairec_loader.KuaiRecConfig(tmp_path, matrix="small", threshold=0.0)
    result = run_load(_builder(config), db, OPTIONS, rejects_dir=tmp_path / "r")
    assert result.plan.files[-1].rejected == 0
    stats = graph_stats(db, with_degrees=False)
    assert stats.relationships["WATCHED"] == 200  # threshold 0: every pair is positive
    missing_ts = cypher(db, "MATCH ()-[w:WATCHED]->() WHERE w.ts IS NULL RETURN count(w) AS n")
    assert int(missing_ts["n"][0]) == 15
    assert "FOLLOWS" not in stats.relationships


def _stored(db: QueryRunner, query: str) -> pd.DataFrame:
    return cypher(db, query).sort_values(["s", "e"]).reset_index(drop=True)


def _categories(db: QueryRunner) -> dict[int, list[int]]:
    frame = _stored(db, "MATCH (v:Video)-[:IN_CATEGORY]->(c:Category) RETURN v.id AS s, c.id AS e")
    return {int(v): sorted(group["e"].astype(int).tolist()) for v, group in frame.groupby("s")}


WATCHED = ("MATCH (u:User)-[w:WATCHED]->(v:Video) RETURN u.id AS s, v.id AS e, w.views AS views, "
           "w.watch_ratio AS ratio, w.ts AS ts, w.weight AS weight")


def test_reload_makes_stored_categories_equal_to_the_file(db: QueryRunner, tmp_path: Path) -> None:
    files = write_kuairec(tmp_path, users=30, videos=40, rows=400, repeats=40)
    config = kuairec_loader.KuaiRecConfig(tmp_path)
    run_load(_builder(config), db, OPTIONS, rejects_dir=tmp_path / "r")
    assert _categories(db) == {v: cs for v, cs in files.categories.items() if cs}
    watched = _stored(db, WATCHED)
    follows = _stored(db, "MATCH (a:User)-[:FOLLOWS]->(b:User) RETURN a.id AS s, b.id AS e")

    # New categories: video 0 keeps one and gains one, video 1 gets an empty list, video 2's line is gone
    # (an item the file does not describe keeps what it has), the rest move to other categories.
    changed = {v: sorted({(c + 5) % 15 for c in cs}) for v, cs in files.categories.items()}
    changed[0] = [files.categories[0][0], 14]
    changed[1] = []
    del changed[2]
    lines = ["video_id,feat"] + [f'{v},"[{",".join(map(str, cs))}]"' for v, cs in changed.items()]
    files.path("item_categories.csv").write_text("\n".join(lines) + "\n")
    again = run_load(_builder(config), db, OPTIONS, rejects_dir=tmp_path / "r")

    expected = {v: cs for v, cs in changed.items() if cs} | {2: files.categories[2]}
    assert _categories(db) == expected
    step = next(s for s in again.write.steps if s.name == "IN_CATEGORY") if again.write else None
    old_links = {(v, c) for v, cs in files.categories.items() if v != 2 for c in cs}
    assert step is not None and step.deleted == len(old_links - {(v, c) for v, cs in changed.items() for c in cs})
    pd.testing.assert_frame_equal(_stored(db, WATCHED), watched)  # interactions: merge-only, unchanged
    pd.testing.assert_frame_equal(_stored(db, "MATCH (a:User)-[:FOLLOWS]->(b:User) RETURN a.id AS s, b.id AS e"),
                                  follows)

    run_load(_builder(config), db, OPTIONS, rejects_dir=tmp_path / "r")  # a third load changes nothing
    assert _categories(db) == expected


@pytest.mark.parametrize("bad", [b'{v},"[27;9]"', b'{v},"[1\xe9]"'])
def test_a_bad_category_line_keeps_every_interaction(db: QueryRunner, tmp_path: Path, bad: bytes) -> None:
    files = write_kuairec(tmp_path, users=30, videos=40, rows=500)
    best = files.matrix.groupby(["user_id", "video_id"])["watch_ratio"].max()
    positives = {(int(u), int(v)) for (u, v), ratio in best.items() if ratio >= 2.0}
    video = pd.Series([v for _, v in positives]).value_counts().index[0]
    path = files.path("item_categories.csv")
    lines = path.read_bytes().split(b"\n")
    lines[int(video) + 1] = bad.replace(b"{v}", str(video).encode())  # line of video v: v + 2 (1-based)
    path.write_bytes(b"\n".join(lines))
    result = run_load(_builder(kuairec_loader.KuaiRecConfig(tmp_path)), db, OPTIONS, rejects_dir=tmp_path / "r")
    assert result.plan.files[0].rejects["line"].tolist() == [int(video) + 2]
    stored = _stored(db, "MATCH (u:User)-[:WATCHED]->(v:Video) RETURN u.id AS s, v.id AS e")
    assert set(zip(stored["s"].tolist(), stored["e"].tolist(), strict=True)) == positives
    assert len(stored) == len(positives) > 0
