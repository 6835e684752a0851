"""Last.fm HetRec 2011 (hetrec2011-lastfm-2k) -> the LASTFM graph model.

::

    (:User {id})-[:LISTENED {plays, weight}]->(:Artist {id, name, url})
    (:User)-[:FOLLOWS]->(:User)                       user_friends.dat, one directed edge per row
    (:Artist)-[:HAS_TAG {count, weight}]->(:Tag {id, name})

Edge weights for R-MP2V walks (``--weight``):

* ``log1p`` (default): ``weight = log1p(plays)``; play counts span 1..352,698, so raw counts would send
  almost every walk step to a user's single top artist;
* ``raw``: ``weight = plays``;
* ``user_share``: ``weight = plays / sum(plays of that user)`` (each user's weights sum to 1).

``HAS_TAG.count`` is the number of tag assignments (user, tag, artist) and ``HAS_TAG.weight = log1p(count)``.
Files are tab-separated with a header; ``tags.dat`` is Latin-1, the others UTF-8; ``.dat`` or ``.dat.gz``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from loaders.checks import RowChecker
from loaders.plan import GraphPlan, NodeSet, RelationshipSet
from loaders.reading import TableSpec, read_table
from loaders.rejects import FileCheck, Validation
from mp2v.errors import InputError
from mp2v.graph.model import LASTFM
from mp2v.resources import resource_path

WeightRule = Literal["log1p", "raw", "user_share"]
WEIGHT_FORMULAS: dict[str, str] = {"log1p": "log1p(plays)", "raw": "plays", "user_share": "plays / sum(plays of user)"}
LICENCE_FALLBACK = ("Last.fm HetRec 2011 (hetrec2011-lastfm-2k): made available for non-commercial use; "
                    "cite the Last.fm website (http://www.lastfm.com) and the HetRec'11 workshop.")

# Tab-separated, unquoted: artist names contain bare double quotes.
ARTISTS = TableSpec(required=("id", "name", "url"), optional=("pictureURL",), integers=("id",),
                    delimiter="\t", quoted=False)
TAGS = TableSpec(required=("tagID", "tagValue"), integers=("tagID",), encoding="latin-1",
                 delimiter="\t", quoted=False)
USER_ARTISTS = TableSpec(required=("userID", "artistID", "weight"), integers=("userID", "artistID"),
                         floats=("weight",), delimiter="\t", quoted=False)
USER_FRIENDS = TableSpec(required=("userID", "friendID"), integers=("userID", "friendID"),
                         delimiter="\t", quoted=False)
USER_TAGGED = TableSpec(required=("userID", "artistID", "tagID"), optional=("day", "month", "year"),
                        integers=("userID", "artistID", "tagID"), delimiter="\t", quoted=False)


@dataclass(frozen=True)
class LastfmConfig:
    #: The folder with the .dat (or .dat.gz) files; None = the copy vendored in data/lastfm-hetrec2011.
    path: Path | None = None
    weight: WeightRule = "log1p"

    @property
    def folder(self) -> Path:
        return self.path if self.path is not None else vendored_folder()


def vendored_folder() -> Path:
    """The copy of the dataset vendored in ``data/lastfm-hetrec2011`` (shipped as package data)."""
    return resource_path("data", "lastfm-hetrec2011")


def licence_notice(folder: Path) -> str:
    """The licence and citation lines of the dataset's readme.txt (printed on every load)."""
    readme = folder / "readme.txt"
    if not readme.is_file():
        return LICENCE_FALLBACK
    lines = [line.strip() for line in readme.read_text(encoding="latin-1").splitlines()]
    licence = next((line for line in lines if "non-commercial" in line), "")
    cite = next((line.lstrip("- ") for line in lines if line.startswith("- Last.fm website")), "")
    if not licence:
        return LICENCE_FALLBACK
    return f"Last.fm HetRec 2011: {licence} Cite: {cite or 'http://www.lastfm.com'} and HetRec'11 (readme.txt)."


def find_file(folder: Path, name: str) -> Path:
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    if folder.is_file():
        raise InputError(f"is a file, not a folder; point at the folder that holds it and {name} "
                         f"(e.g. {str(folder.parent)!r})", path=folder)
    if not folder.is_dir():
        raise InputError("no such folder; point at the unpacked hetrec2011-lastfm-2k folder", path=folder)
    raise InputError(f"has no {name} (nor {name}.gz); point at the unpacked hetrec2011-lastfm-2k folder",
                     path=folder)


def build_plan(config: LastfmConfig, validation: Validation) -> GraphPlan:
    """Validate every file (reject files written, stop rules applied), then describe the graph."""
    folder = config.folder
    model = replace(LASTFM, weight_formula=WEIGHT_FORMULAS[config.weight], options={"weight": config.weight})

    artists_check = RowChecker(read_table(find_file(folder, "artists.dat"), ARTISTS))
    artist_ids = artists_check.integers("id")
    artists_check.mark_duplicates([artist_ids], "artist id")
    keep = artists_check.keep
    artists = pd.DataFrame({"id": artist_ids, "name": artists_check.strings("name").to_numpy(),
                            "url": artists_check.strings("url").to_numpy()})[keep]
    files = [validation.accept(artists_check.finish("artists.dat"))]

    tags_check = RowChecker(read_table(find_file(folder, "tags.dat"), TAGS))
    tag_ids = tags_check.integers("tagID")
    tags_check.mark_duplicates([tag_ids], "tag id")
    tags = pd.DataFrame({"id": tag_ids, "name": tags_check.strings("tagValue").to_numpy()})[tags_check.keep]
    files.append(validation.accept(tags_check.finish("tags.dat")))

    listened, check = _user_artists(find_file(folder, "user_artists.dat"), artists["id"].to_numpy(), config)
    files.append(validation.accept(check))
    follows, check = _user_friends(find_file(folder, "user_friends.dat"))
    files.append(validation.accept(check))
    users = np.union1d(listened["start"].to_numpy(), np.union1d(follows["start"], follows["end"]))
    has_tag, tagged, check = _tag_assignments(find_file(folder, "user_taggedartists.dat"), users,
                                              artists["id"].to_numpy(), tags["id"].to_numpy())
    files.append(validation.accept(check))

    return GraphPlan(
        model=model,
        nodes=[NodeSet("User", pd.DataFrame({"id": users})), NodeSet("Artist", artists.reset_index(drop=True)),
               NodeSet("Tag", tags.reset_index(drop=True))],
        relationships=[
            RelationshipSet("LISTENED", "User", "Artist", listened, "merge_plays"),
            RelationshipSet("FOLLOWS", "User", "User", follows, "merge_links"),
            RelationshipSet("HAS_TAG", "Artist", "Tag", has_tag, "merge_counts", replace_for=tagged),
        ],
        files=files,
    )


def _user_artists(path: Path, artists: np.ndarray, config: LastfmConfig) -> tuple[pd.DataFrame, FileCheck]:
    check = RowChecker(read_table(path, USER_ARTISTS))
    users = check.integers("userID")
    items = check.integers("artistID")
    plays = check.numbers("weight")
    check.reject(check.ok & (np.mod(np.nan_to_num(plays), 1) != 0), "weight", "play count is not a whole number")
    check.members(items, artists, "artistID", "artist (not in artists.dat)")
    check.mark_duplicates([users, items], "(user, artist) pair")
    keep = check.keep
    frame = pd.DataFrame({"start": users[keep], "end": items[keep], "plays": plays[keep].astype(np.int64)})
    frame["weight"] = listen_weight(frame, config.weight)
    return frame, check.finish("user_artists.dat")


def listen_weight(frame: pd.DataFrame, rule: WeightRule) -> np.ndarray:
    """``log1p(plays)``, ``plays``, or ``plays / sum(plays of the user)`` (see the module docstring)."""
    plays = frame["plays"].to_numpy(dtype=np.float64)
    if rule == "log1p":
        return np.log1p(plays)
    if rule == "raw":
        return plays
    totals = frame.groupby("start")["plays"].transform("sum").to_numpy(dtype=np.float64)
    return np.divide(plays, totals, out=np.zeros_like(plays), where=totals > 0)


def _user_friends(path: Path) -> tuple[pd.DataFrame, FileCheck]:
    check = RowChecker(read_table(path, USER_FRIENDS))
    users = check.integers("userID")
    friends = check.integers("friendID")
    check.reject(users == friends, "friendID", "a user cannot follow itself")
    check.mark_duplicates([users, friends], "(user, friend) pair")
    keep = check.keep
    frame = pd.DataFrame({"start": users[keep], "end": friends[keep]})
    asymmetric = count_asymmetric(frame)
    note = (f"user_friends.dat: every pair is listed both ways ({len(frame) // 2:,} pairs)" if asymmetric == 0
            else f"user_friends.dat: {asymmetric:,} follow edges have no reverse edge (loaded as given)")
    return frame, check.finish("user_friends.dat", notes=[note])


def count_asymmetric(edges: pd.DataFrame) -> int:
    """Directed edges (start, end) whose reverse (end, start) is not in the frame."""
    forward = edges["start"].to_numpy(np.int64) * (1 << 32) + edges["end"].to_numpy(np.int64)
    backward = edges["end"].to_numpy(np.int64) * (1 << 32) + edges["start"].to_numpy(np.int64)
    return int((~np.isin(backward, forward)).sum())


def _tag_assignments(path: Path, users: np.ndarray, artists: np.ndarray, tags: np.ndarray
                     ) -> tuple[pd.DataFrame, np.ndarray, FileCheck]:
    """HAS_TAG edges, and the artists the file describes (a re-load replaces exactly their tags)."""
    check = RowChecker(read_table(path, USER_TAGGED))
    user_ids = check.integers("userID")
    artist_ids = check.integers("artistID")
    tag_ids = check.integers("tagID")
    check.members(user_ids, users, "userID", "user (not in user_artists.dat or user_friends.dat)")
    check.members(artist_ids, artists, "artistID", "artist (not in artists.dat)")
    check.members(tag_ids, tags, "tagID", "tag (not in tags.dat)")
    check.mark_duplicates([user_ids, artist_ids, tag_ids], "(user, artist, tag) assignment")
    keep = check.keep
    counts = (pd.DataFrame({"start": artist_ids[keep], "end": tag_ids[keep]})
              .groupby(["start", "end"], sort=True).size().rename("count").reset_index())
    counts["weight"] = np.log1p(counts["count"].to_numpy(dtype=np.float64))
    return counts, np.unique(artist_ids[keep]), check.finish("user_taggedartists.dat")
