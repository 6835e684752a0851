"""KuaiRec (1.0 / 2.0) -> the KUAIREC graph model.

::

    (:User {id, active_degree?, ...})-[:WATCHED {views, watch_ratio, watch_ratio_mean, play_duration, ts,
                                                weight}]->(:Video {id, author_id?, video_type?, ...})
    (:User)-[:FOLLOWS]->(:User)              social_network.csv, one directed edge per friend_list entry
    (:Video)-[:IN_CATEGORY]->(:Category {id}) item_categories.csv

Only positive pairs (max watch_ratio >= threshold) become WATCHED edges (see :mod:`loaders.kuairec_matrix`).
R-MP2V weight: ``weight = min(watch_ratio, cap)`` (cap 5.0 by default): very short videos loop-played give
watch ratios of 50 and more, which would otherwise pull nearly every weighted walk step to them.

Known ids: videos are those of the matrix rows themselves plus those of item_categories.csv; users are those
of the matrix and of user_features.csv (social_network rows naming other users are rejected). Categories are
side information: a bad item_categories.csv line loses that line only, never the video's interactions, and a
re-load makes each listed video's stored categories equal to the file (``RelationshipSet.replace_for``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from loaders.checks import RowChecker, nullable_ints
from loaders.kuairec_matrix import check_threshold, read_kuairec_matrix
from loaders.lastfm import count_asymmetric
from loaders.plan import GraphPlan, NodeSet, RelationshipSet
from loaders.reading import TableSpec, read_table
from loaders.rejects import FileCheck, Validation
from mp2v.errors import ConfigError, InputError
from mp2v.graph.model import KUAIREC

MatrixName = Literal["big", "small"]
IdArray = npt.NDArray[np.int64]

SOCIAL = TableSpec(required=("user_id", "friend_list"), integers=("user_id",))
CATEGORIES = TableSpec(required=("video_id", "feat"), integers=("video_id",))
USER_NUMBERS = ("is_lowactive_period", "is_live_streamer", "is_video_author", "follow_user_num",
                "fans_user_num", "friend_user_num", "register_days")
USER_FEATURES = TableSpec(
    required=("user_id",),
    optional=("user_active_degree", *USER_NUMBERS, "follow_user_num_range", "fans_user_num_range",
              "friend_user_num_range", "register_days_range", *(f"onehot_feat{i}" for i in range(18))),
    integers=("user_id",),
)
ITEM_DAILY = TableSpec(required=("video_id", "date"),
                       optional=("author_id", "video_type", "upload_dt", "video_tag_name"),
                       integers=("video_id",), other_columns_ok=True)


@dataclass(frozen=True)
class KuaiRecConfig:
    #: The folder with the CSV files (the archive unpacks to ``KuaiRec 2.0/data/``; either level works).
    path: Path
    matrix: MatrixName = "big"
    threshold: float = 2.0
    cap: float = 5.0

    def __post_init__(self) -> None:
        check_threshold(self.threshold)
        if not math.isfinite(self.cap) or self.cap <= 0:
            raise ConfigError(f"--cap {self.cap} must be a finite watch_ratio > 0 (default 5.0)")
        if self.matrix not in ("big", "small"):
            raise ConfigError(f"--matrix {self.matrix!r}: use big or small")


def data_folder(path: Path, matrix_file: str) -> Path:
    """The folder holding ``matrix_file``: ``path`` itself or its ``data/`` subfolder."""
    for folder in (path, path / "data"):
        if (folder / matrix_file).is_file():
            return folder
    if path.is_file():
        raise InputError(f"is a file, not a folder; point at the folder that holds it and {matrix_file} "
                         f"(e.g. {str(path.parent)!r})", path=path)
    if not path.is_dir():
        raise InputError("no such folder; point at the folder with the KuaiRec CSV files", path=path)
    found = ", ".join(sorted(p.name for p in path.iterdir())[:12]) or "nothing"
    raise InputError(f"has no {matrix_file} (found: {found}); point at the folder with the KuaiRec CSV files "
                     "(the archive unpacks to 'KuaiRec 2.0/data/')", path=path)


def build_plan(config: KuaiRecConfig, validation: Validation) -> GraphPlan:
    matrix_file = f"{config.matrix}_matrix.csv"
    folder = data_folder(config.path, matrix_file)
    # The folder is recorded so that `mp2v evaluate` finds small_matrix.csv for the MP2V-4-Rec protocol.
    model = replace(KUAIREC, options={"matrix": config.matrix, "threshold": config.threshold, "cap": config.cap,
                                      "folder": str(folder.resolve())})
    files: list[FileCheck] = []
    notes: list[str] = []

    catalogue, categories, check = _categories(folder / "item_categories.csv")
    if check is not None:
        files.append(validation.accept(check))
    else:
        notes.append("item_categories.csv: not present, no Category nodes or IN_CATEGORY loaded")
    user_props, check = _user_features(folder / "user_features.csv")
    if check is not None:
        files.append(validation.accept(check))
    else:
        notes.append("user_features.csv: not present, User nodes get no activity properties")

    # Videos are known from the matrix rows themselves: categories are side information, and a bad
    # category line must never cost a video its interactions.
    matrix = read_kuairec_matrix(folder / matrix_file, config.threshold)
    files.append(validation.accept(matrix.check))
    users = np.union1d(matrix.users, user_props["id"].to_numpy(dtype=np.int64))
    videos = np.union1d(matrix.videos, catalogue)
    positives = matrix.positives()
    watched = pd.DataFrame({
        "start": positives["user_id"].to_numpy(), "end": positives["video_id"].to_numpy(),
        "views": positives["views"].to_numpy(), "watch_ratio": positives["watch_ratio"].to_numpy(),
        "watch_ratio_mean": positives["watch_ratio_mean"].to_numpy(),
        "play_duration": positives["play_duration"].to_numpy(), "ts": positives["ts"].to_numpy(),
        "weight": np.minimum(positives["watch_ratio"].to_numpy(), config.cap),
    })
    notes.append(f"{matrix_file}: {len(matrix.pairs):,} (user, video) pairs, {len(watched):,} positive "
                 f"(watch_ratio >= {config.threshold:g}) became WATCHED edges")

    follows, check = _social(folder / "social_network.csv", users)
    if check is not None:
        files.append(validation.accept(check))
    else:
        notes.append("social_network.csv: not present, no FOLLOWS loaded")
    video_props, check = _daily_features(folder / "item_daily_features.csv", videos)
    if check is not None:
        files.append(validation.accept(check))
    else:
        notes.append("item_daily_features.csv: not present, Video nodes get no author/type/tag properties")

    user_nodes = pd.DataFrame({"id": users}).merge(user_props, on="id", how="left")
    video_nodes = pd.DataFrame({"id": videos}).merge(video_props, on="id", how="left")
    return GraphPlan(
        model=model,
        nodes=[NodeSet("User", user_nodes), NodeSet("Video", video_nodes),
               NodeSet("Category", pd.DataFrame({"id": np.unique(categories["end"].to_numpy())}))],
        relationships=[
            RelationshipSet("WATCHED", "User", "Video", watched, "merge_watched"),
            RelationshipSet("FOLLOWS", "User", "User", follows, "merge_links"),
            RelationshipSet("IN_CATEGORY", "Video", "Category", categories, "merge_links", replace_for=catalogue),
        ],
        files=files, notes=notes, structural_options=("matrix", "threshold"),
    )


def _categories(path: Path) -> tuple[IdArray, pd.DataFrame, FileCheck | None]:
    empty = pd.DataFrame({"start": np.array([], np.int64), "end": np.array([], np.int64)})
    if not path.is_file():
        return np.array([], np.int64), empty, None
    check = RowChecker(read_table(path, CATEGORIES))
    video_ids = check.integers("video_id")
    rows, feats = check.int_lists("feat")
    check.mark_duplicates([video_ids], "video_id")
    keep = check.keep
    in_kept = keep[rows]
    links = pd.DataFrame({"start": video_ids[rows[in_kept]], "end": feats[in_kept]}).drop_duplicates()
    return np.unique(video_ids[keep]), links.reset_index(drop=True), check.finish(path.name)


def _user_features(path: Path) -> tuple[pd.DataFrame, FileCheck | None]:
    if not path.is_file():
        return pd.DataFrame({"id": np.array([], np.int64)}), None
    table = read_table(path, USER_FEATURES)
    check = RowChecker(table)
    props = pd.DataFrame({"id": check.integers("user_id")})
    if table.has("user_active_degree"):
        props["active_degree"] = check.strings("user_active_degree").to_numpy()
    for column in USER_NUMBERS:
        if table.has(column):
            props[column] = nullable_ints(check.numbers(column, allow_empty=True))
    check.mark_duplicates(["user_id"], "user_id")
    return props[check.keep].reset_index(drop=True), check.finish(path.name)


def _social(path: Path, users: IdArray) -> tuple[pd.DataFrame, FileCheck | None]:
    empty = pd.DataFrame({"start": np.array([], np.int64), "end": np.array([], np.int64)})
    if not path.is_file():
        return empty, None
    check = RowChecker(read_table(path, SOCIAL))
    user_ids = check.integers("user_id")
    rows, friends = check.int_lists("friend_list")
    check.members(user_ids, users, "user_id", "user (not in the matrix or user_features.csv)")
    check.mark_duplicates([user_ids], "user_id")
    in_kept = check.keep[rows]
    rows, friends = rows[in_kept], friends[in_kept]
    starts = user_ids[rows]
    self_follow = starts == friends
    unknown = ~np.isin(friends, users) & ~self_follow
    check.reject_entries(rows[self_follow], "friend_list",
                         [f"user {u} lists itself as a friend (entry dropped)" for u in starts[self_follow]])
    check.reject_entries(rows[unknown], "friend_list",
                         [f"friend {f} is not a known user (entry dropped, the rest of the row loaded)"
                          for f in friends[unknown]])
    good = ~self_follow & ~unknown
    follows = pd.DataFrame({"start": starts[good], "end": friends[good]}).drop_duplicates()
    asymmetric = count_asymmetric(follows)
    note = f"{path.name}: {len(follows):,} follow edges, {asymmetric:,} without a reverse edge (loaded as given)"
    return follows.reset_index(drop=True), check.finish(path.name, notes=[note])


def _daily_features(path: Path, videos: IdArray) -> tuple[pd.DataFrame, FileCheck | None]:
    """The latest day's author_id, video_type, upload_dt and video_tag_name per video."""
    if not path.is_file():
        return pd.DataFrame({"id": np.array([], np.int64)}), None
    table = read_table(path, ITEM_DAILY)
    check = RowChecker(table)
    props = pd.DataFrame({"id": check.integers("video_id"), "date": check.integers("date")})
    check.members(props["id"].to_numpy(), videos, "video_id", "video (not in the matrix / item_categories.csv)")
    if table.has("author_id"):
        props["author_id"] = nullable_ints(check.numbers("author_id", allow_empty=True))
    for column in ("video_type", "upload_dt", "video_tag_name"):
        if table.has(column):
            props[column] = check.strings(column).to_numpy()
    check.mark_duplicates(["video_id", "date"], "(video_id, date)")
    latest = (props[check.keep].sort_values(["id", "date"], kind="stable")
              .drop_duplicates("id", keep="last").drop(columns="date"))
    return latest.reset_index(drop=True), check.finish(path.name)
