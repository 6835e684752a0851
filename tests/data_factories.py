"""Writers of KuaiRec-format test files, in the exact published format, with knobs for bad rows.

Published format (KuaiRec 2.0 ``data/``)::

    big_matrix.csv / small_matrix.csv
        user_id,video_id,play_duration,video_duration,time,date,timestamp,watch_ratio
        14,148,4381,6067,1593898155.8,20200703.0,1593898155.8,0.722103
    social_network.csv      user_id,friend_list          3371,"[2975,7126]"
    item_categories.csv     video_id,feat                 0,"[27,9]"
    user_features.csv       user_id,user_active_degree,...,onehot_feat17
    item_daily_features.csv video_id,date,author_id,video_type,upload_dt,...,video_tag_name,<daily counters>

Bad rows are injected as raw lines at known line numbers (header = line 1), so tests can assert exactly
which line the loader rejected and why. :func:`write_large_matrix` makes a multi-million-row matrix with
power-law video popularity for the benchmark, vectorised (NumPy) and written with pandas.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

MATRIX_COLUMNS = ["user_id", "video_id", "play_duration", "video_duration", "time", "date", "timestamp",
                  "watch_ratio"]
USER_FEATURE_COLUMNS = [
    "user_id", "user_active_degree", "is_lowactive_period", "is_live_streamer", "is_video_author",
    "follow_user_num", "follow_user_num_range", "fans_user_num", "fans_user_num_range", "friend_user_num",
    "friend_user_num_range", "register_days", "register_days_range", *(f"onehot_feat{i}" for i in range(18)),
]
DAILY_COLUMNS = [
    "video_id", "date", "author_id", "video_type", "upload_dt", "upload_type", "visible_status",
    "video_duration", "video_width", "video_height", "music_id", "video_tag_id", "video_tag_name",
    "show_cnt", "show_user_num", "play_cnt", "play_user_num", "play_duration", "complete_play_cnt",
    "like_cnt", "comment_cnt", "share_cnt", "follow_cnt",
]
_GOOD_ROW = "14,148,4381,6067,1593898155.8,20200703.0,1593898155.8,0.722103"

#: Bad matrix lines by kind: (raw bytes, the field the loader must name; "" for whole-row problems).
BAD_MATRIX_LINES: dict[str, tuple[bytes, str]] = {
    "non_numeric_id": (b"abc,148,4381,6067,1593898155.8,20200703.0,1593898155.8,0.722103", "user_id"),
    "negative_id": (b"14,-148,4381,6067,1593898155.8,20200703.0,1593898155.8,0.722103", "video_id"),
    "fractional_id": (b"14.5,148,4381,6067,1593898155.8,20200703.0,1593898155.8,0.722103", "user_id"),
    "missing_id": (b",148,4381,6067,1593898155.8,20200703.0,1593898155.8,0.722103", "user_id"),
    "nan_watch_ratio": (b"14,148,4381,6067,1593898155.8,20200703.0,1593898155.8,NaN", "watch_ratio"),
    "empty_watch_ratio": (b"14,148,4381,6067,1593898155.8,20200703.0,1593898155.8,", "watch_ratio"),
    "negative_watch_ratio": (b"14,148,4381,6067,1593898155.8,20200703.0,1593898155.8,-0.5", "watch_ratio"),
    "inf_watch_ratio": (b"14,148,4381,6067,1593898155.8,20200703.0,1593898155.8,inf", "watch_ratio"),
    "text_watch_ratio": (b"14,148,4381,6067,1593898155.8,20200703.0,1593898155.8,long", "watch_ratio"),
    "negative_play_duration": (b"14,148,-4381,6067,1593898155.8,20200703.0,1593898155.8,0.72", "play_duration"),
    "bad_timestamp": (b"14,148,4381,6067,1593898155.8,20200703.0,yesterday,0.722103", "timestamp"),
    "unknown_video": (b"14,999999,4381,6067,1593898155.8,20200703.0,1593898155.8,0.722103", "video_id"),
    "extra_field": (b"14,148,4381,6067,1593898155.8,20200703.0,1593898155.8,0.722103,7", ""),
    "missing_fields": (b"14,148,4381", ""),
    "latin1_bytes": (b"14,148,4381,6067,1593898155.8,20200703.0,1593898155.8,0.72\xe9", "watch_ratio"),
    "blank_line": (b"", ""),
}
BAD_SOCIAL_LINES: dict[str, tuple[bytes, str]] = {
    "unparsable_list": (b'5,"[4202,x]"', "friend_list"),
    "python_expression": (b'5,"__import__(\'os\').system(\'true\')"', "friend_list"),
    "non_numeric_id": (b'abc,"[1]"', "user_id"),
    "unknown_user": (b'888888,"[1]"', "user_id"),
}
BAD_CATEGORY_LINES: dict[str, tuple[bytes, str]] = {
    "unparsable_feat": (b'3,"[27;9]"', "feat"),
    "negative_feat": (b'3,"[-1]"', "feat"),
    "non_numeric_id": (b'v3,"[1]"', "video_id"),
}


@dataclass(frozen=True)
class Injected:
    line: int
    kind: str
    field: str


@dataclass
class KuaiRecFiles:
    """A generated KuaiRec folder, the clean matrix rows written, and where bad lines were injected."""

    folder: Path
    matrix: pd.DataFrame
    categories: dict[int, list[int]]
    friends: dict[int, list[int]]
    injected: dict[str, list[Injected]] = field(default_factory=dict)

    def path(self, name: str) -> Path:
        return self.folder / name


def matrix_frame(users: int, videos: int, rows: int, *, seed: int = 0, repeats: int = 0,
                 exact_duplicates: int = 0, nan_timestamps: int = 0) -> pd.DataFrame:
    """Clean matrix rows: distinct (user, video) pairs, then ``repeats`` re-watches (another timestamp),
    ``exact_duplicates`` copies of earlier rows, and ``nan_timestamps`` rows with empty time/date/timestamp."""
    rng = np.random.default_rng(seed)
    pair_ids = rng.choice(users * videos, size=min(rows, users * videos), replace=False)
    frame = _rows(rng, pair_ids // videos, pair_ids % videos)
    extra = [frame]
    copied: set[int] = set()
    if repeats:
        again = frame.sample(repeats, random_state=seed, replace=True).copy()
        again["timestamp"] = again["timestamp"] + rng.integers(60, 86_400, repeats)
        again["time"] = again["timestamp"]
        again["watch_ratio"] = rng.gamma(1.2, 1.2, repeats).round(6)
        extra.append(again)
        copied |= set(again.index.tolist())
    if exact_duplicates:
        duplicates = frame.sample(exact_duplicates, random_state=seed + 1)
        extra.append(duplicates)
        copied |= set(duplicates.index.tolist())
    if nan_timestamps:
        # Only on pairs seen once, so the expected views/duplicates stay obvious.
        single = np.array(sorted(set(range(len(frame))) - copied))
        hit = rng.choice(single, size=nan_timestamps, replace=False)
        frame.loc[hit, ["time", "date", "timestamp"]] = np.nan
    return pd.concat(extra, ignore_index=True)


def _rows(rng: np.random.Generator, users: np.ndarray, videos: np.ndarray) -> pd.DataFrame:
    size = len(users)
    video_duration = rng.integers(3_000, 60_000, size)
    watch_ratio = rng.lognormal(-0.2, 0.9, size).round(6)
    timestamp = (1_593_878_903 + rng.integers(0, 5_000_000, size) + rng.integers(0, 10, size) / 10).round(1)
    days = _yyyymmdd(timestamp)
    return pd.DataFrame({
        "user_id": users.astype(np.int64), "video_id": videos.astype(np.int64),
        "play_duration": (watch_ratio * video_duration).astype(np.int64), "video_duration": video_duration,
        "time": timestamp, "date": days, "timestamp": timestamp, "watch_ratio": watch_ratio,
    })


def _yyyymmdd(timestamp: np.ndarray) -> np.ndarray:
    """Unix seconds -> the matrix's float date column (20200703.0), vectorised (UTC days)."""
    day = (timestamp // 86_400).astype("datetime64[D]")
    month = day.astype("datetime64[M]")
    year = month.astype("datetime64[Y]").astype(np.int64) + 1970
    return (year * 10_000 + (month.astype(np.int64) % 12 + 1) * 100
            + (day - month).astype(np.int64) + 1).astype(np.float64)


def write_lines(path: Path, header: str, lines: Sequence[bytes], bad: Mapping[str, tuple[bytes, str]],
                kinds: Sequence[str], name: str) -> list[Injected]:
    """Write header + lines, inserting one bad line per kind at spread-out positions; returns where."""
    body = list(lines)
    injected: list[Injected] = []
    step = max(len(body) // (len(kinds) + 1), 1)
    for number, kind in enumerate(kinds, start=1):
        position = min(number * step + number - 1, len(body))
        raw, field_name = bad[kind]
        body.insert(position, raw)
        injected.append(Injected(line=position + 2, kind=kind, field=field_name))
    path.write_bytes(header.encode() + b"\n" + b"".join(line + b"\n" for line in body))
    return injected


def matrix_lines(frame: pd.DataFrame) -> list[bytes]:
    text = frame[MATRIX_COLUMNS].to_csv(index=False, header=False, na_rep="", lineterminator="\n")
    return [line.encode() for line in text.splitlines()]


def write_kuairec(
    folder: Path, *, users: int = 30, videos: int = 40, rows: int = 300, seed: int = 0,
    matrix: str = "big", repeats: int = 0, exact_duplicates: int = 0, nan_timestamps: int = 0,
    bad_matrix: Sequence[str] = (), bad_social: Sequence[str] = (), bad_categories: Sequence[str] = (),
    self_follows: int = 0, categories: bool = True, social: bool = True, user_features: bool = False,
    daily_features: bool = False,
) -> KuaiRecFiles:
    """A small KuaiRec folder: ``<matrix>_matrix.csv`` plus the side files, bad lines where asked."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    frame = matrix_frame(users, videos, rows, seed=seed, repeats=repeats, exact_duplicates=exact_duplicates,
                         nan_timestamps=nan_timestamps)
    result = KuaiRecFiles(folder=folder, matrix=frame, categories={}, friends={})
    result.injected[f"{matrix}_matrix.csv"] = write_lines(
        folder / f"{matrix}_matrix.csv", ",".join(MATRIX_COLUMNS), matrix_lines(frame), BAD_MATRIX_LINES,
        bad_matrix, "matrix")
    if categories:
        result.categories = {v: sorted(set(rng.integers(0, 12, rng.integers(1, 4)).tolist())) for v in range(videos)}
        lines = [f'{v},"[{",".join(map(str, feats))}]"'.encode() for v, feats in result.categories.items()]
        result.injected["item_categories.csv"] = write_lines(folder / "item_categories.csv", "video_id,feat",
                                                             lines, BAD_CATEGORY_LINES, bad_categories, "cat")
    if social:
        people = rng.choice(users, size=max(users // 3, 2), replace=False)
        for user in people.tolist():
            others = [f for f in rng.choice(users, size=3, replace=False).tolist() if f != user]
            result.friends[user] = others + ([user] if len(result.friends) < self_follows else [])
        lines = [f'{u},"[{",".join(map(str, fs))}]"'.encode() for u, fs in result.friends.items()]
        result.injected["social_network.csv"] = write_lines(folder / "social_network.csv", "user_id,friend_list",
                                                            lines, BAD_SOCIAL_LINES, bad_social, "social")
    if user_features:
        _write_user_features(folder / "user_features.csv", users, rng)
    if daily_features:
        _write_daily_features(folder / "item_daily_features.csv", videos, rng)
    return result


def _write_user_features(path: Path, users: int, rng: np.random.Generator) -> None:
    frame = pd.DataFrame({"user_id": np.arange(users)})
    frame["user_active_degree"] = rng.choice(["full_active", "high_active", "middle_active", "UNKNOWN"], users)
    for column in USER_FEATURE_COLUMNS[2:]:
        if column.endswith("_range"):
            frame[column] = rng.choice(["0", "[1,10)", "[10,100)", "[100,1k)"], users)
        elif column not in frame:
            frame[column] = rng.integers(0, 2 if column.startswith(("is_", "onehot")) else 500, users)
    frame[USER_FEATURE_COLUMNS].to_csv(path, index=False)


def _write_daily_features(path: Path, videos: int, rng: np.random.Generator) -> None:
    days = [20200705, 20200706, 20200707]
    frame = pd.DataFrame({"video_id": np.repeat(np.arange(videos), len(days)), "date": days * videos})
    size = len(frame)
    frame["author_id"] = np.repeat(rng.integers(1000, 9000, videos), len(days))
    frame["video_type"] = rng.choice(["NORMAL", "AD"], size)
    frame["upload_dt"] = "2020-06-01"
    frame["upload_type"] = "ShortImport"
    frame["visible_status"] = "public"
    frame["video_duration"] = rng.integers(3_000, 60_000, size).astype(float)
    frame["video_width"], frame["video_height"] = 720, 1280
    frame["music_id"] = rng.integers(1, 9_000, size)
    frame["video_tag_id"] = rng.integers(1, 50, size)
    frame["video_tag_name"] = [f"tag {d}" for d in frame["date"]]  # latest day -> "tag 20200707"
    for column in DAILY_COLUMNS[13:]:
        frame[column] = rng.integers(0, 10_000, size)
    frame[DAILY_COLUMNS].to_csv(path, index=False)


def write_large_matrix(path: Path, rows: int = 2_000_000, *, users: int = 60_000, videos: int = 20_000,
                       seed: int = 0, zipf_exponent: float = 1.0) -> pd.DataFrame:
    """A KuaiRec-shaped matrix with power-law video popularity (P(rank r) ~ r^-exponent); returns the rows.

    Users are uniform, so most (user, video) pairs are distinct; repeats of a pair are re-watches.
    """
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, videos + 1, dtype=np.float64) ** zipf_exponent
    cumulative = np.cumsum(weights / weights.sum())
    video_ids = np.minimum(np.searchsorted(cumulative, rng.random(rows)), videos - 1)
    frame = _rows(rng, rng.integers(0, users, rows), rng.permutation(videos)[video_ids])
    frame[MATRIX_COLUMNS].to_csv(path, index=False, na_rep="")
    return frame


def write_categories(path: Path, videos: int, *, seed: int = 0) -> None:
    """item_categories.csv for ``videos`` videos (1-3 categories each), vectorised for large catalogues."""
    rng = np.random.default_rng(seed)
    first = rng.integers(0, 31, videos)
    second = rng.integers(0, 31, videos)
    feats = np.where(first == second, "[" + first.astype(str) + "]",
                     "[" + first.astype(str) + "," + second.astype(str) + "]")
    pd.DataFrame({"video_id": np.arange(videos), "feat": feats}).to_csv(path, index=False)
