"""KuaiRec validation and aggregation on generated files in the published format (no server)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from loaders import kuairec
from loaders.kuairec_matrix import read_kuairec_matrix
from loaders.rejects import RejectPolicy, Validation
from mp2v.errors import ConfigError, InputError
from tests.data_factories import (
    BAD_CATEGORY_LINES,
    BAD_MATRIX_LINES,
    BAD_SOCIAL_LINES,
    MATRIX_COLUMNS,
    write_kuairec,
)


def _expected_pairs(matrix: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """The aggregation rule, written the slow, obvious way."""
    unique = matrix.drop_duplicates(["user_id", "video_id", "timestamp"])  # NaN timestamps: none repeated here
    rows = []
    for (user, video), group in unique.groupby(["user_id", "video_id"]):
        rows.append({"user_id": user, "video_id": video, "views": len(group),
                     "watch_ratio": group["watch_ratio"].max(), "watch_ratio_mean": group["watch_ratio"].mean(),
                     "play_duration": float(group["play_duration"].sum()), "ts": group["timestamp"].max()})
    expected = pd.DataFrame(rows)
    expected["positive"] = expected["watch_ratio"] >= threshold
    return expected


def test_every_bad_matrix_row_is_rejected_with_its_line_and_field(tmp_path: Path) -> None:
    files = write_kuairec(tmp_path, bad_matrix=list(BAD_MATRIX_LINES))
    matrix = read_kuairec_matrix(files.path("big_matrix.csv"), videos=np.arange(40))
    rejects = matrix.check.rejects.set_index("line")
    injected = files.injected["big_matrix.csv"]
    assert matrix.check.rejected == len(injected) == len(BAD_MATRIX_LINES)
    for bad in injected:
        assert bad.line in rejects.index, bad
        assert rejects.loc[bad.line, "field"] == bad.field, (bad, rejects.loc[bad.line, "reason"])
    reasons = dict(zip([b.kind for b in injected], [rejects.loc[b.line, "reason"] for b in injected], strict=True))
    assert reasons["non_numeric_id"] == "'abc' is not an integer"
    assert reasons["nan_watch_ratio"].startswith("NaN is not allowed")
    assert reasons["inf_watch_ratio"].startswith("inf is infinite")
    assert "below the minimum 0" in reasons["negative_watch_ratio"]
    assert "byte 0xE9 is not valid utf-8" in reasons["latin1_bytes"]
    assert reasons["extra_field"] == "9 fields, expected 8"
    assert reasons["missing_fields"] == "3 fields, expected 8"
    assert "not a known video" in reasons["unknown_video"]
    # Every good row is still there.
    assert len(matrix.pairs) == len(files.matrix)


def test_repeated_pairs_aggregate_and_exact_duplicates_count_once(tmp_path: Path) -> None:
    files = write_kuairec(tmp_path, rows=200, repeats=60, exact_duplicates=7)
    matrix = read_kuairec_matrix(files.path("big_matrix.csv"), threshold=2.0)
    expected = _expected_pairs(files.matrix, 2.0)
    got = matrix.pairs.drop(columns=[]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected[got.columns.tolist()], check_dtype=False)
    assert matrix.check.duplicate_rows == 7 and matrix.check.rejected == 0
    assert matrix.check.duplicates["reason"].str.startswith("duplicate view").all()
    assert (got["views"] > 1).sum() > 0 and got["views"].sum() == len(files.matrix) - 7


def test_small_matrix_rows_without_timestamps_are_valid(tmp_path: Path) -> None:
    files = write_kuairec(tmp_path, matrix="small", rows=150, nan_timestamps=12)
    rows = [line.split(",") for line in files.path("small_matrix.csv").read_text().splitlines()[1:]]
    assert sum(row[4:7] == ["", "", ""] for row in rows) == 12  # time, date, timestamp empty; watch_ratio set
    matrix = read_kuairec_matrix(files.path("small_matrix.csv"))
    assert matrix.check.rejected == 0 and len(matrix.pairs) == 150
    assert int(matrix.pairs["ts"].isna().sum()) == 12


def test_threshold_decides_positives_on_the_max_view(tmp_path: Path) -> None:
    files = write_kuairec(tmp_path, rows=200, repeats=40)
    low = read_kuairec_matrix(files.path("big_matrix.csv"), threshold=0.5)
    high = read_kuairec_matrix(files.path("big_matrix.csv"), threshold=2.0)
    assert low.positives().shape[0] > high.positives().shape[0] > 0
    assert (high.positives()["watch_ratio"] >= 2.0).all()
    matrix, users, videos = high.to_csr()
    assert matrix.nnz == len(high.positives()) and matrix.shape == (len(users), len(videos))
    with pytest.raises(ConfigError, match="threshold"):
        read_kuairec_matrix(files.path("big_matrix.csv"), threshold=float("nan"))


def test_social_network_and_categories_bad_rows(tmp_path: Path) -> None:
    files = write_kuairec(tmp_path, bad_social=list(BAD_SOCIAL_LINES), bad_categories=list(BAD_CATEGORY_LINES),
                          self_follows=2)
    plan = kuairec.build_plan(kuairec.KuaiRecConfig(tmp_path), Validation(tmp_path / "rejects"))
    checks = {check.name: check for check in plan.files}
    for name in ("social_network.csv", "item_categories.csv"):
        rejects = checks[name].rejects
        for bad in files.injected[name]:
            row = rejects[rejects["line"] == bad.line]
            assert len(row) == 1 and row["field"].iloc[0] == bad.field, (name, bad, rejects)
    social = checks["social_network.csv"].rejects
    assert social["reason"].str.contains("lists itself as a friend").sum() == 2
    follows = next(r for r in plan.relationships if r.type == "FOLLOWS").frame
    assert not (follows["start"] == follows["end"]).any()
    expected = {(u, f) for u, fs in files.friends.items() for f in fs if f != u}
    assert set(map(tuple, follows[["start", "end"]].to_numpy().tolist())) == expected


def test_reject_file_holds_line_reason_and_raw_row(tmp_path: Path) -> None:
    files = write_kuairec(tmp_path / "data", bad_matrix=["text_watch_ratio", "latin1_bytes"])
    kuairec.build_plan(kuairec.KuaiRecConfig(tmp_path / "data"), Validation(tmp_path / "rejects"))
    written = pd.read_csv(tmp_path / "rejects" / "big_matrix.rejects.csv", dtype=str, keep_default_na=False)
    lines = [bad.line for bad in files.injected["big_matrix.csv"]]
    assert written["line"].astype(int).tolist() == lines
    assert written["raw"].tolist() == ["14,148,4381,6067,1593898155.8,20200703.0,1593898155.8,long",
                                       "14,148,4381,6067,1593898155.8,20200703.0,1593898155.8,0.72\\xe9"]


def test_strict_stops_at_the_first_bad_row(tmp_path: Path) -> None:
    files = write_kuairec(tmp_path, bad_matrix=["negative_id", "inf_watch_ratio"])
    validation = Validation(tmp_path / "rejects", RejectPolicy(strict=True))
    with pytest.raises(InputError) as caught:
        kuairec.build_plan(kuairec.KuaiRecConfig(tmp_path), validation)
    first = files.injected["big_matrix.csv"][0]
    assert caught.value.line == first.line and caught.value.field == "video_id"
    assert "--strict" in str(caught.value) and "nothing was written" in str(caught.value)


def test_max_reject_share(tmp_path: Path) -> None:
    write_kuairec(tmp_path, rows=300, bad_matrix=["negative_id", "inf_watch_ratio"])  # 2 of 302 rows: 0.66 %
    config = kuairec.KuaiRecConfig(tmp_path)
    kuairec.build_plan(config, Validation(tmp_path / "r", RejectPolicy(max_reject_share=0.01)))
    with pytest.raises(InputError, match=r"2 of 302 rows \(0.66%\) are bad, more than --max-reject-share 0.005"):
        kuairec.build_plan(config, Validation(tmp_path / "r", RejectPolicy(max_reject_share=0.005)))


def test_plan_weights_features_and_a_folder_with_a_space(tmp_path: Path) -> None:
    folder = tmp_path / "KuaiRec 2.0" / "data"
    files = write_kuairec(folder, rows=250, repeats=30, user_features=True, daily_features=True)
    plan = kuairec.build_plan(kuairec.KuaiRecConfig(tmp_path / "KuaiRec 2.0", cap=3.0), Validation(tmp_path / "r"))
    # The data folder is recorded (resolved) for the evaluation protocol, which judges on small_matrix.csv.
    assert plan.model.options == {"matrix": "big", "threshold": 2.0, "cap": 3.0, "folder": str(folder.resolve())}
    watched = next(r for r in plan.relationships if r.type == "WATCHED").frame
    assert np.allclose(watched["weight"], np.minimum(watched["watch_ratio"], 3.0))
    assert (watched["watch_ratio"] >= 2.0).all()
    users, videos = plan.nodes[0].frame, plan.nodes[1].frame
    assert {"active_degree", "follow_user_num", "register_days"} <= set(users.columns)
    assert set(videos["video_tag_name"]) == {"tag 20200707"}  # the latest day's value
    assert len(videos) == len(files.categories)


def test_missing_matrix_and_bad_options(tmp_path: Path) -> None:
    write_kuairec(tmp_path, matrix="small")
    with pytest.raises(InputError, match="has no big_matrix.csv"):
        kuairec.build_plan(kuairec.KuaiRecConfig(tmp_path), Validation(tmp_path / "r"))
    with pytest.raises(ConfigError, match="--cap"):
        kuairec.KuaiRecConfig(tmp_path, cap=0)
    with pytest.raises(ConfigError, match="--threshold"):
        kuairec.KuaiRecConfig(tmp_path, threshold=-1)


def test_published_header_and_row_format(tmp_path: Path) -> None:
    write_kuairec(tmp_path, rows=5)
    lines = (tmp_path / "big_matrix.csv").read_text().splitlines()
    assert lines[0] == ",".join(MATRIX_COLUMNS)
    user, video, played, duration, time, date, stamp, ratio = lines[1].split(",")
    assert float(date).is_integer() and date.endswith(".0") and time == stamp and "." in ratio
    assert (tmp_path / "social_network.csv").read_text().splitlines()[1].count('"[') == 1
