"""Last.fm HetRec 2011 validation and plan on the vendored files, and bad Last.fm input (no server)."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from loaders import lastfm
from loaders.rejects import RejectPolicy, Validation
from mp2v.errors import InputError

USERS, ARTISTS, LISTENED, FOLLOWS, TAGS = 1_892, 17_632, 92_834, 25_434, 11_946
HAS_TAG, TAG_REJECTS = 108_437, 1_538


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> lastfm.GraphPlan:
    return lastfm.build_plan(lastfm.LastfmConfig(), Validation(tmp_path_factory.mktemp("rejects")))


def test_vendored_counts(plan: lastfm.GraphPlan) -> None:
    sizes = {n.label: len(n) for n in plan.nodes} | {r.type: len(r) for r in plan.relationships}
    assert sizes == {"User": USERS, "Artist": ARTISTS, "Tag": TAGS, "LISTENED": LISTENED, "FOLLOWS": FOLLOWS,
                     "HAS_TAG": HAS_TAG}
    checks = {c.name: c for c in plan.files}
    assert {name: c.rejected for name, c in checks.items()} == {
        "artists.dat": 0, "tags.dat": 0, "user_artists.dat": 0, "user_friends.dat": 0,
        "user_taggedartists.dat": TAG_REJECTS}
    tagged = checks["user_taggedartists.dat"]
    assert tagged.rows == 186_479 and tagged.reject_file is not None
    assert tagged.rejects["reason"].str.endswith("is not a known artist (not in artists.dat)").all()
    has_tag_set = next(r for r in plan.relationships if r.type == "HAS_TAG")
    has_tag = has_tag_set.frame
    assert int(has_tag["count"].sum()) == 186_479 - TAG_REJECTS
    # A re-load replaces the tags of exactly the artists the file describes; LISTENED and FOLLOWS merge only.
    assert has_tag_set.replace_for is not None
    assert set(has_tag_set.replace_for.tolist()) == set(has_tag["start"].tolist())
    assert all(r.replace_for is None for r in plan.relationships if r.type != "HAS_TAG")
    assert np.allclose(has_tag["weight"], np.log1p(has_tag["count"]))
    assert "every pair is listed both ways (12,717 pairs)" in checks["user_friends.dat"].notes[0]


def test_names_and_latin1_tags(plan: lastfm.GraphPlan) -> None:
    artists = plan.nodes[1].frame.set_index("id")
    assert artists.loc[707, "name"] == "Metallica"
    assert artists.loc[707, "url"] == "http://www.last.fm/music/Metallica"
    tags = plan.nodes[2].frame.set_index("id")
    assert tags.loc[1, "name"] == "metal"
    assert tags["name"].str.contains("[\u00c0-\u00ff]", regex=True).sum() == 8  # Latin-1 letters decoded


@pytest.mark.parametrize("rule", ["log1p", "raw", "user_share"])
def test_weight_rules(tmp_path: Path, rule: lastfm.WeightRule) -> None:
    plan = lastfm.build_plan(lastfm.LastfmConfig(weight=rule), Validation(tmp_path))
    listened = plan.relationships[0].frame
    plays = listened["plays"].to_numpy(dtype=float)
    expected = {"log1p": np.log1p(plays), "raw": plays,
                "user_share": plays / listened.groupby("start")["plays"].transform("sum").to_numpy()}[rule]
    assert np.allclose(listened["weight"], expected)
    assert plan.model.options == {"weight": rule} and plan.model.weight_formula == lastfm.WEIGHT_FORMULAS[rule]
    if rule == "user_share":
        assert np.allclose(listened.groupby("start")["weight"].sum(), 1.0)


def test_licence_notice() -> None:
    notice = lastfm.licence_notice(lastfm.vendored_folder())
    assert "non-commercial use" in notice and "Last.fm website" in notice


def _copy_dataset(target: Path) -> Path:
    shutil.copytree(lastfm.vendored_folder(), target)
    return target


def _rewrite(path: Path, lines: list[bytes]) -> None:
    path.write_bytes(gzip.compress(b"\n".join(lines) + b"\n"))


def test_bad_lastfm_rows(tmp_path: Path) -> None:
    folder = _copy_dataset(tmp_path / "lastfm")
    plays = gzip.decompress((folder / "user_artists.dat.gz").read_bytes()).splitlines()
    plays[5] = b"2\t999999\t10"          # line 6: unknown artist
    plays[6] = b"2\t52\t-3"              # line 7: negative plays
    plays[7] = b"2\t53\tnan"             # line 8: NaN plays
    plays[8] = b"2\tfifty\t10"           # line 9: non-numeric id
    plays[9] = b"2\t55\t1.5"             # line 10: not a whole play count
    _rewrite(folder / "user_artists.dat.gz", plays)
    friends = gzip.decompress((folder / "user_friends.dat.gz").read_bytes()).splitlines()
    friends.append(b"2\t2")               # a self-follow, last line
    _rewrite(folder / "user_friends.dat.gz", friends)
    plan = lastfm.build_plan(lastfm.LastfmConfig(path=folder), Validation(tmp_path / "rejects"))
    checks = {c.name: c for c in plan.files}
    got = checks["user_artists.dat"].rejects[["line", "field"]].values.tolist()
    assert got == [[6, "artistID"], [7, "weight"], [8, "weight"], [9, "artistID"], [10, "weight"]]
    assert checks["user_friends.dat"].rejects[["line", "reason"]].values.tolist() == [
        [len(friends), "a user cannot follow itself"]]
    assert len(plan.relationships[0].frame) == 92_834 - 5
    written = pd.read_csv(tmp_path / "rejects" / "user_artists.rejects.csv", sep=",", dtype=str)
    assert written["raw"].tolist()[0] == "2\t999999\t10"
    with pytest.raises(InputError, match=r"user_artists.dat.gz, line 6, field 'artistID'"):
        lastfm.build_plan(lastfm.LastfmConfig(path=folder), Validation(tmp_path / "r", RejectPolicy(strict=True)))


def test_undecodable_artist_name_and_missing_file(tmp_path: Path) -> None:
    folder = _copy_dataset(tmp_path / "lastfm")
    artists = gzip.decompress((folder / "artists.dat.gz").read_bytes()).splitlines()
    artists[1] = artists[1].replace(b"MALICE MIZER", b"MALICE \xff MIZER")
    _rewrite(folder / "artists.dat.gz", artists)
    plan = lastfm.build_plan(lastfm.LastfmConfig(path=folder), Validation(tmp_path / "rejects"))
    rejects = plan.files[0].rejects
    assert rejects[["line", "field"]].values.tolist() == [[2, "name"]]
    assert "byte 0xFF is not valid utf-8" in rejects["reason"].iloc[0]
    (folder / "tags.dat.gz").unlink()
    with pytest.raises(InputError, match="has no tags.dat"):
        lastfm.build_plan(lastfm.LastfmConfig(path=folder), Validation(tmp_path / "rejects"))
