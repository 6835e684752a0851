"""A seeded synthetic music/video catalogue of any size, written in the formats the real loaders read.

Shape (all vectorised NumPy, deterministic for ``CatalogueSpec.seed``):

* users and items grow linearly with the interactions, at SoundCloud's ratios (9 M users, 13 M tracks,
  687 M interactions: 76 interactions per user, 53 per track);
* item popularity is Zipf-like over a random rank order (hubs hold a large share of all plays) mixed with a
  small uniform share (the long tail someone tried once); user activity is log-normal;
* taste communities: every user and item belongs to one; a share of each user's draws comes from the items of
  the user's own community (by popularity inside it), the rest from the whole catalogue;
* a sparse directed follow graph: log-normal out-degree, followees drawn mostly inside the follower's
  community and in proportion to their activity (popular users gather followers), a share of edges
  reciprocated;
* tags/categories: each item has one tag from its community's block of tags and, for some, one from anywhere;
* play counts: repeated draws of a (user, item) pair plus a geometric extra, timestamps over ``days`` days.

Writers: :func:`write_generic` (``loaders.csv_generic``: interactions / follows / features CSVs) and
:func:`write_kuairec` (``big_matrix.csv`` / ``social_network.csv`` / ``item_categories.csv``).
``python -m bench.catalogue --interactions 100000 --out DIR`` writes the generic files and prints the degree
statistics; ``--lastfm`` prints the same statistics for the vendored Last.fm (docs/scale.md compares them).
"""

from __future__ import annotations

import argparse
import gzip
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from mp2v.common.files import atomic_path
from mp2v.errors import ConfigError

Ints = npt.NDArray[np.int64]
DAY_SECONDS = 86_400
#: 2026-01-01T00:00:00Z: the first day's timestamps start here.
EPOCH = 1_767_225_600


@dataclass(frozen=True)
class CatalogueSpec:
    #: Distinct (user, item) interactions wanted: exact from about 10^5 up; below, the heaviest users saturate
    #: their half of the small catalogue and the result falls short (about 15 k of 20 k).
    interactions: int = 100_000
    interactions_per_user: float = 76.0
    interactions_per_item: float = 53.0
    popularity_exponent: float = 1.2
    uniform_share: float = 0.02
    activity_sigma: float = 1.0
    #: Users (and items) per taste community; at least 4 communities.
    community_size: int = 500
    #: Share of a user's draws taken from the user's own community.
    taste_share: float = 0.6
    follows_per_user: float = 3.0
    follow_in_community: float = 0.8
    reciprocity: float = 0.3
    tags_per_community: int = 8
    second_tag_share: float = 0.3
    days: int = 30
    seed: int = 7

    def __post_init__(self) -> None:
        if self.interactions < 1_000:
            raise ConfigError(f"CatalogueSpec.interactions={self.interactions}: use at least 1000")
        for name in ("taste_share", "follow_in_community", "reciprocity", "uniform_share", "second_tag_share"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ConfigError(f"CatalogueSpec.{name}={getattr(self, name)}: use a share in [0, 1]")

    @property
    def users(self) -> int:
        return max(10, round(self.interactions / self.interactions_per_user))

    @property
    def items(self) -> int:
        return max(10, round(self.interactions / self.interactions_per_item))

    @property
    def communities(self) -> int:
        return max(4, self.users // self.community_size)


@dataclass(frozen=True)
class Catalogue:
    spec: CatalogueSpec
    users: Ints
    items: Ints
    plays: Ints
    timestamps: Ints
    follower: Ints
    followed: Ints
    tag_item: Ints
    tag: Ints
    user_community: Ints
    item_community: Ints

    @property
    def interactions(self) -> int:
        return int(self.users.size)


def _zipf_weights(n: int, exponent: float, uniform_share: float) -> npt.NDArray[np.float64]:
    zipf = np.arange(1, n + 1, dtype=np.float64) ** -exponent
    return (1 - uniform_share) * zipf / zipf.sum() + uniform_share / n


def _grouped_cumulative(groups: Ints, weights: npt.NDArray[np.float64], n_groups: int) -> tuple[Ints, np.ndarray]:
    """Members sorted by group, and a cumulative that runs from g to g + 1 over group g's members."""
    order = np.argsort(groups, kind="stable")
    sorted_groups, sorted_weights = groups[order], weights[order]
    totals = np.bincount(sorted_groups, weights=sorted_weights, minlength=n_groups)
    cumulative = np.cumsum(sorted_weights) - np.concatenate(([0.0], np.cumsum(totals)))[sorted_groups]
    cumulative = cumulative / np.where(totals > 0, totals, 1.0)[sorted_groups] + sorted_groups
    return order.astype(np.int64), cumulative


def _draw_in_group(rng: np.random.Generator, order: Ints, cumulative: np.ndarray, groups: Ints) -> Ints:
    """One member per entry of ``groups``, by weight inside that group (see :func:`_grouped_cumulative`)."""
    position = np.searchsorted(cumulative, groups + rng.random(groups.size), side="right")
    return order[np.minimum(position, order.size - 1)]


def generate(spec: CatalogueSpec = CatalogueSpec()) -> Catalogue:
    """Draw the catalogue (deterministic for ``spec.seed``)."""
    rng = np.random.default_rng(spec.seed)
    n_users, n_items, n_comm = spec.users, spec.items, spec.communities
    user_community = rng.integers(0, n_comm, n_users)
    item_community = rng.integers(0, n_comm, n_items)
    popularity = np.empty(n_items)
    popularity[rng.permutation(n_items)] = _zipf_weights(n_items, spec.popularity_exponent, spec.uniform_share)
    activity = rng.lognormal(0.0, spec.activity_sigma, n_users)
    order, cumulative = _grouped_cumulative(item_community, popularity, n_comm)
    global_cum = np.cumsum(popularity)
    global_cum /= global_cum[-1]
    # Repeats of a pair merge into one interaction: draw more than wanted, more again while short.
    draws, keys, repeats = spec.interactions, np.zeros(0, np.int64), np.zeros(0, np.int64)
    for _ in range(6):
        draws = int(draws * (1.15 if keys.size == 0 else max(1.05, 1.02 * spec.interactions / keys.size)))
        keys, repeats = _draw_pairs(rng, spec, activity, draws, user_community, global_cum, order, cumulative)
        if keys.size >= spec.interactions:
            break
    if keys.size > spec.interactions:  # trim to the size asked for, uniformly (keeps every shape)
        kept = np.sort(rng.choice(keys.size, spec.interactions, replace=False))
        keys, repeats = keys[kept], repeats[kept]
    plays = repeats + rng.geometric(0.3, keys.size) - 1
    stamps = EPOCH + rng.integers(0, spec.days * DAY_SECONDS, keys.size)
    follower, followed = _follows(rng, spec, user_community, activity)
    tag_item, tag = _tags(rng, spec, item_community)
    return Catalogue(spec, keys // n_items, keys % n_items, plays.astype(np.int64), stamps.astype(np.int64),
                     follower, followed, tag_item, tag, user_community, item_community)


def _draw_pairs(rng: np.random.Generator, spec: CatalogueSpec, activity: npt.NDArray[np.float64], draws: int,
                user_community: Ints, global_cum: np.ndarray, order: Ints, cumulative: np.ndarray) -> tuple[Ints, Ints]:
    """``draws`` (user, item) draws merged into distinct pair keys (user * items + item) and their repeats."""
    n_items = spec.items
    # A user draws at most half the catalogue (the heaviest users would otherwise only repeat).
    counts = np.clip(np.round(activity / activity.sum() * draws), 1, n_items // 2).astype(np.int64)
    users = np.repeat(np.arange(activity.size, dtype=np.int64), counts)
    items = np.minimum(np.searchsorted(global_cum, rng.random(users.size), side="right"), n_items - 1)
    taste = rng.random(users.size) < spec.taste_share
    items[taste] = _draw_in_group(rng, order, cumulative, user_community[users[taste]])
    keys, repeats = np.unique(users * n_items + items, return_counts=True)
    return keys.astype(np.int64), repeats.astype(np.int64)


def _follows(rng: np.random.Generator, spec: CatalogueSpec, community: Ints,
             activity: npt.NDArray[np.float64]) -> tuple[Ints, Ints]:
    n_users = community.size
    out = np.round(rng.lognormal(0.0, 1.0, n_users) * spec.follows_per_user / np.exp(0.5)).astype(np.int64)
    follower = np.repeat(np.arange(n_users, dtype=np.int64), out)
    cumulative = np.cumsum(activity)
    cumulative /= cumulative[-1]
    followed = np.minimum(np.searchsorted(cumulative, rng.random(follower.size), side="right"), n_users - 1)
    inside = rng.random(follower.size) < spec.follow_in_community
    order, grouped = _grouped_cumulative(community, activity, spec.communities)
    followed[inside] = _draw_in_group(rng, order, grouped, community[follower[inside]])
    back = rng.random(follower.size) < spec.reciprocity
    pairs = np.concatenate((follower * n_users + followed, followed[back] * n_users + follower[back]))
    pairs = np.unique(pairs)
    start, end = pairs // n_users, pairs % n_users
    keep = start != end
    return start[keep], end[keep]


def _tags(rng: np.random.Generator, spec: CatalogueSpec, community: Ints) -> tuple[Ints, Ints]:
    per = spec.tags_per_community
    weights = _zipf_weights(per, 1.0, 0.0)
    first = community * per + rng.choice(per, community.size, p=weights)
    second_items = np.flatnonzero(rng.random(community.size) < spec.second_tag_share)
    second = rng.integers(0, spec.communities * per, second_items.size)
    pairs = np.unique(np.concatenate((np.arange(community.size) * (spec.communities * per) + first,
                                      second_items * (spec.communities * per) + second)))
    return pairs // (spec.communities * per), pairs % (spec.communities * per)


def _write_table(path: Path, columns: dict[str, np.ndarray]) -> Path:
    """A CSV with a header, written atomically (pyarrow: fast for 10^7 rows)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as temporary:
        pacsv.write_csv(pa.table(columns), temporary,
                        write_options=pacsv.WriteOptions(include_header=True, quoting_style="none"))
    return path


@dataclass(frozen=True)
class GenericFiles:
    interactions: Path
    follows: Path
    features: Path


def write_generic(catalogue: Catalogue, folder: Path) -> GenericFiles:
    """``loaders.csv_generic`` files; ids start at 1, tags are integer ids (the loader's default id type)."""
    interactions = _write_table(folder / "interactions.csv", {
        "user": catalogue.users + 1, "item": catalogue.items + 1, "weight": catalogue.plays,
        "timestamp": catalogue.timestamps})
    follows = _write_table(folder / "follows.csv", {"user": catalogue.follower + 1,
                                                    "follows": catalogue.followed + 1})
    features = _write_table(folder / "features.csv", {
        "item": catalogue.tag_item + 1, "feature": catalogue.tag + 1})
    return GenericFiles(interactions, follows, features)


def write_kuairec(catalogue: Catalogue, folder: Path) -> Path:
    """``big_matrix.csv`` (one view per pair; ``watch_ratio`` = plays / 2, so 4+ plays is a positive at the
    default threshold 2.0), ``social_network.csv`` and ``item_categories.csv``."""
    duration = 10_000 + (catalogue.items % 50) * 1_000
    ratio = catalogue.plays / 2.0
    _write_table(folder / "big_matrix.csv", {
        "user_id": catalogue.users, "video_id": catalogue.items,
        "play_duration": (duration * ratio).astype(np.int64), "video_duration": duration,
        "timestamp": catalogue.timestamps.astype(np.float64), "watch_ratio": ratio})
    friends = pd.Series(catalogue.followed).groupby(catalogue.follower).apply(
        lambda ids: "[" + ",".join(map(str, ids.tolist())) + "]")
    with atomic_path(folder / "social_network.csv") as temporary:
        pd.DataFrame({"user_id": friends.index, "friend_list": friends.to_numpy()}).to_csv(temporary, index=False)
    categories = pd.Series(catalogue.tag).groupby(catalogue.tag_item).apply(
        lambda ids: "[" + ",".join(map(str, ids.tolist())) + "]")
    with atomic_path(folder / "item_categories.csv") as temporary:
        pd.DataFrame({"video_id": categories.index, "feat": categories.to_numpy()}).to_csv(temporary, index=False)
    return folder


# ---------------------------------------------------------------------------------------------- statistics
def degree_stats(users: Ints, items: Ints, follower: Ints, followed: Ints) -> dict[str, float]:
    """The degree figures docs/scale.md compares with Last.fm's."""
    item_deg = np.bincount(items)
    item_deg = np.sort(item_deg[item_deg > 0])[::-1]
    user_deg = np.bincount(users)
    user_deg = user_deg[user_deg > 0]
    out_deg = np.bincount(follower, minlength=user_deg.size)
    pairs = set(zip(follower.tolist(), followed.tolist(), strict=True)) if follower.size < 3_000_000 else set()
    mutual = sum((b, a) in pairs for a, b in pairs) / max(1, len(pairs)) if pairs else float("nan")
    top = max(1, item_deg.size // 100)
    return {
        "interactions": int(users.size), "users": int(user_deg.size), "items": int(item_deg.size),
        "mean_user_degree": float(user_deg.mean()), "median_user_degree": float(np.median(user_deg)),
        "max_user_degree": int(user_deg.max()),
        "mean_item_degree": float(item_deg.mean()), "median_item_degree": float(np.median(item_deg)),
        "max_item_degree": int(item_deg[0]),
        "top_1pct_items_share": float(item_deg[:top].sum() / item_deg.sum()),
        "items_with_one_user": float((item_deg == 1).mean()),
        "item_gini": _gini(item_deg),
        "follows_per_user": float(follower.size / max(1, user_deg.size)),
        "max_follow_out_degree": int(out_deg.max()) if out_deg.size else 0,
        "max_follow_in_degree": int(np.bincount(followed).max()) if followed.size else 0,
        "reciprocated_follow_share": float(mutual),
    }


def _gini(values: Ints) -> float:
    ordered = np.sort(values.astype(np.float64))
    n = ordered.size
    return float((2 * np.arange(1, n + 1) - n - 1) @ ordered / (n * ordered.sum()))


def lastfm_stats(folder: Path) -> dict[str, float]:
    """:func:`degree_stats` of the Last.fm HetRec 2011 files (user_artists, user_friends)."""
    def read(name: str) -> pd.DataFrame:
        with gzip.open(folder / f"{name}.dat.gz", "rt", encoding="utf-8") as handle:
            return pd.read_csv(handle, sep="\t")
    plays, friends = read("user_artists"), read("user_friends")
    _, users = np.unique(plays["userID"].to_numpy(), return_inverse=True)
    _, items = np.unique(plays["artistID"].to_numpy(), return_inverse=True)
    ids, codes = np.unique(np.concatenate((plays["userID"].to_numpy(), friends["userID"].to_numpy(),
                                           friends["friendID"].to_numpy())), return_inverse=True)
    n = plays.shape[0]
    m = friends.shape[0]
    return degree_stats(users.astype(np.int64), items.astype(np.int64), codes[n + 0:n + m].astype(np.int64),
                        codes[n + m:].astype(np.int64))


def catalogue_stats(catalogue: Catalogue) -> dict[str, float]:
    return degree_stats(catalogue.users, catalogue.items, catalogue.follower, catalogue.followed)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interactions", type=int, default=CatalogueSpec.interactions)
    parser.add_argument("--seed", type=int, default=CatalogueSpec.seed)
    parser.add_argument("--out", type=Path, help="write the generic CSV files here")
    parser.add_argument("--kuairec", type=Path, help="write the KuaiRec files here")
    parser.add_argument("--lastfm", action="store_true", help="also print Last.fm's statistics")
    args = parser.parse_args(argv)
    catalogue = generate(CatalogueSpec(interactions=args.interactions, seed=args.seed))
    if args.out:
        print(write_generic(catalogue, args.out))
    if args.kuairec:
        print(write_kuairec(catalogue, args.kuairec))
    columns = {"synthetic": catalogue_stats(catalogue)}
    if args.lastfm:
        columns["lastfm"] = lastfm_stats(Path(__file__).resolve().parents[1] / "data" / "lastfm-hetrec2011")
    print("| figure | " + " | ".join(columns) + " |\n|---|" + "---:|" * len(columns))
    for key in columns["synthetic"]:
        print(f"| {key} | " + " | ".join(_fmt(c[key]) for c in columns.values()) + " |")
    print("spec:", asdict(catalogue.spec))


def _fmt(value: float) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:,.3f}"


if __name__ == "__main__":
    main()
