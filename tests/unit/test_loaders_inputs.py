"""Inputs that used to hurt: a bad side-information line, a 6 MB line, missing optional files, a file given
where a folder is expected (and the other way round)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from loaders import LoadResult, kuairec, lastfm
from loaders.csv_generic import CsvConfig
from loaders.csv_generic import build_plan as csv_plan
from loaders.lines import raw_lines
from loaders.rejects import RejectPolicy, Validation
from loaders.summary import summary_lines
from mp2v.errors import InputError
from tests.data_factories import KuaiRecFiles, write_kuairec


def _positive_pairs(files: KuaiRecFiles, threshold: float = 2.0) -> set[tuple[int, int]]:
    best = files.matrix.groupby(["user_id", "video_id"])["watch_ratio"].max()
    return {(int(u), int(v)) for (u, v), ratio in best.items() if ratio >= threshold}


def _replace_category_line(files: KuaiRecFiles, video: int, raw: bytes) -> int:
    """Overwrite the one line of ``video`` in item_categories.csv; returns its line number."""
    path = files.path("item_categories.csv")
    lines = path.read_bytes().split(b"\n")
    index = next(i for i, line in enumerate(lines) if line.startswith(f"{video},".encode()))
    lines[index] = raw
    path.write_bytes(b"\n".join(lines))
    return index + 1


@pytest.mark.parametrize("bad", [b'{v},"[27;9]"', b'{v},"[1\xe9]"', b"{v}"])
def test_a_bad_category_line_never_costs_the_video_its_interactions(tmp_path: Path, bad: bytes) -> None:
    files = write_kuairec(tmp_path, users=30, videos=40, rows=600)
    positives = _positive_pairs(files)
    # The video with the most positive pairs: before, all of them were rejected as "not a known video".
    video = pd.Series([v for _, v in positives]).value_counts().index[0]
    line = _replace_category_line(files, int(video), bad.replace(b"{v}", str(video).encode()))
    plan = kuairec.build_plan(kuairec.KuaiRecConfig(tmp_path), Validation(tmp_path / "rejects"))
    checks = {check.name: check for check in plan.files}
    assert checks["item_categories.csv"].rejects["line"].tolist() == [line]
    assert checks["big_matrix.csv"].rejected == 0
    watched = next(r for r in plan.relationships if r.type == "WATCHED").frame
    assert set(zip(watched["start"].tolist(), watched["end"].tolist(), strict=True)) == positives
    assert int(video) in set(plan.nodes[1].frame["id"].tolist())
    categories = next(r for r in plan.relationships if r.type == "IN_CATEGORY")
    assert int(video) not in set(categories.frame["start"].tolist())
    assert categories.replace_for is not None and int(video) not in set(categories.replace_for.tolist())


def test_matrix_videos_without_a_category_line_are_videos(tmp_path: Path) -> None:
    files = write_kuairec(tmp_path, videos=40, rows=300, bad_matrix=["unknown_video"])
    plan = kuairec.build_plan(kuairec.KuaiRecConfig(tmp_path), Validation(tmp_path / "r"))
    assert plan.files[1].rejected == 0
    assert set(plan.nodes[1].frame["id"].tolist()) == set(range(40)) | {999999}
    assert len(files.categories) == 40


def _long_matrix(path: Path, size: int) -> int:
    """A matrix whose line 3 has a ``size``-character watch_ratio; returns that line's length in bytes."""
    good = b"14,148,4381,6067,1593898155.8,20200703.0,1593898155.8,0.722103"
    bad = b"15,148,4381,6067,1593898155.8,20200703.0,1593898155.8," + b"7" * (size // 2) + b"x" * (size // 2)
    header = b"user_id,video_id,play_duration,video_duration,time,date,timestamp,watch_ratio"
    path.write_bytes(b"\n".join([header, good, bad, good.replace(b"14,", b"16,", 1), b""]))
    return len(bad)


def test_a_6_mb_value_gives_a_short_reason_message_and_reject_file(tmp_path: Path) -> None:
    files = write_kuairec(tmp_path, rows=20)
    length = _long_matrix(files.path("big_matrix.csv"), 6_000_000)
    plan = kuairec.build_plan(kuairec.KuaiRecConfig(tmp_path), Validation(tmp_path / "r"))
    check = plan.files[1]
    assert check.rejects["line"].tolist() == [3]
    reason = check.rejects["reason"].iloc[0]
    assert reason.startswith("'7777") and reason.endswith("... (6,000,000 characters) is not a number")
    assert len(reason) < 300
    reject_file = tmp_path / "r" / "big_matrix.rejects.csv"
    assert reject_file.stat().st_size < 3_000
    written = pd.read_csv(reject_file, dtype=str, keep_default_na=False)
    assert written["raw"].iloc[0].startswith("15,148,4381") and written["raw"].iloc[0].endswith(
        f"... ({length:,} bytes)")
    with pytest.raises(InputError) as caught:
        kuairec.build_plan(kuairec.KuaiRecConfig(tmp_path), Validation(tmp_path / "r", RejectPolicy(strict=True)))
    assert len(str(caught.value)) - 2 * len(str(tmp_path)) < 450 and "line 3, field 'watch_ratio'" in str(caught.value)


def test_a_6_mb_category_list_is_cut_too(tmp_path: Path) -> None:
    files = write_kuairec(tmp_path, rows=50)
    line = _replace_category_line(files, 3, b'3,"[' + b"1," * 3_000_000 + b'x]"')
    plan = kuairec.build_plan(kuairec.KuaiRecConfig(tmp_path), Validation(tmp_path / "r"))
    rejects = plan.files[0].rejects
    assert rejects["line"].tolist() == [line] and len(rejects["reason"].iloc[0]) < 350
    assert (tmp_path / "r" / "item_categories.rejects.csv").stat().st_size < 3_000


def test_raw_lines_reads_around_a_huge_line_in_bounded_pieces(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    huge = "z" * 3_500_000  # spans several 1 MiB chunks
    path.write_bytes(("a\n" + "one\n" + huge + "\r\n" + "three\r\n" + "last").encode())
    found = raw_lines(path, np.array([2, 3, 4, 5]), "utf-8", limit=10)
    assert found == {2: "one", 3: "zzzzzzzzzz... (3,500,001 bytes)", 4: "three", 5: "last"}
    assert raw_lines(path, np.array([4]), "utf-8") == {4: "three"}


def test_missing_optional_files_are_named_in_the_summary(tmp_path: Path) -> None:
    write_kuairec(tmp_path, rows=50, social=False)
    plan = kuairec.build_plan(kuairec.KuaiRecConfig(tmp_path), Validation(tmp_path / "r"))
    lines = summary_lines(LoadResult(plan=plan, validate_seconds=0.0))
    assert "  note: social_network.csv: not present, no FOLLOWS loaded" in lines
    assert any(line.startswith("  note: user_features.csv: not present") for line in lines)
    assert "social_network.csv" not in [check.name for check in plan.files]
    (tmp_path / "i.csv").write_text("user,item,weight\n1,2,3\n")
    csv = csv_plan(CsvConfig(interactions=tmp_path / "i.csv"), Validation(tmp_path / "r"))
    assert csv.notes == ["follows: no --follows file given, no FOLLOWS loaded",
                         "features: no --features file given, no HAS_FEATURE loaded"]


def test_a_file_where_a_folder_is_expected_and_the_other_way_round(tmp_path: Path) -> None:
    write_kuairec(tmp_path, rows=20)
    matrix = tmp_path / "big_matrix.csv"
    with pytest.raises(InputError) as caught:
        kuairec.build_plan(kuairec.KuaiRecConfig(matrix), Validation(tmp_path / "r"))
    assert str(caught.value) == (f"{matrix}: is a file, not a folder; point at the folder that holds it and "
                                 f"big_matrix.csv (e.g. {str(tmp_path)!r})")
    with pytest.raises(InputError, match="is a file, not a folder"):
        lastfm.find_file(matrix, "artists.dat")
    with pytest.raises(InputError, match=r"is a folder, not a file; pass the file itself"):
        csv_plan(CsvConfig(interactions=tmp_path), Validation(tmp_path / "r"))
