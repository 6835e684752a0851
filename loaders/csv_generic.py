"""Generic CSV files -> a configurable graph model (default User / Item / INTERACTED / FOLLOWS / Feature).

* interactions (user, item, weight[, timestamp]): repeated (user, item) rows are merged into one edge with
  ``raw`` = sum of their weights, ``count`` = rows, ``ts`` = last timestamp, and
  ``weight`` = ``raw`` | ``log1p(raw)`` | ``1.0`` (``--weight-transform raw|log1p|binary``);
  ratings semantics (``--aggregate sum|mean|last|max``, ``--rating-max``, ``--positive-threshold``) are in
  :mod:`loaders.ratings`;
* follows (user, followed user): one directed FOLLOWS edge per row (``--symmetric-follows``: both ways);
  both users must have interactions;
* features (item, feature): one HAS_FEATURE edge per distinct pair; the item must have interactions.

Column names, delimiter (one character, ``tab`` or ``whitespace``), header or none (``--no-header``: columns
are positions 1, 2, ...; the interactions file defaults to user 1, item 2, weight 3, the follows and
features files to 1 and 2), encoding, labels, relationship types and the id type (integer or string) are
options; users and items are the ids of the interactions file's positive pairs.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from loaders.checks import RowChecker
from loaders.lastfm import count_asymmetric
from loaders.plan import GraphPlan, NodeSet, RelationshipSet
from loaders.ratings import RatingRules, merge_rows
from loaders.reading import WHITESPACE, TableSpec, read_table
from loaders.rejects import FileCheck, Validation
from mp2v.common.slugs import check_slug
from mp2v.errors import ConfigError
from mp2v.graph.model import READING_OPTION, GraphModel
from mp2v.types import IdType

Transform = Literal["raw", "log1p", "binary"]
#: The stored weight of a pair, given its merged value (``RatingRules.merged``).
FORMULAS = {"raw": "{merged}", "log1p": "log1p({merged})", "binary": "1"}
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TABS = ("tab", "\\t", "TAB", "\t")
_SPACES = ("whitespace", "space", "spaces", " ")
#: Without a header: the interactions file's default positions (user, item, weight).
_POSITIONS = {"user": "1", "item": "2", "weight": "3"}


@dataclass(frozen=True)
class CsvColumns:
    user: str = "user"
    item: str = "item"
    #: Under this default name (or position 3 without a header) the column may be absent: every row weighs 1.
    weight: str = "weight"
    #: None: use a column named ``timestamp`` when the file has one.
    timestamp: str | None = None
    follower: str = "user"
    followed: str = "follows"
    feature: str = "feature"


@dataclass(frozen=True)
class CsvLabels:
    user: str = "User"
    item: str = "Item"
    interaction: str = "INTERACTED"
    follow: str = "FOLLOWS"
    feature: str = "Feature"
    has_feature: str = "HAS_FEATURE"


@dataclass(frozen=True)
class CsvConfig:
    #: None only for a delta into a loaded graph (:mod:`loaders.csv_delta`): follows or features alone.
    interactions: Path | None
    follows: Path | None = None
    features: Path | None = None
    dataset: str = "csv"
    columns: CsvColumns = field(default_factory=CsvColumns)
    labels: CsvLabels = field(default_factory=CsvLabels)
    delimiter: str = ","
    encoding: str = "utf-8"
    id_type: IdType = IdType.INTEGER
    weight_transform: Transform = "raw"
    #: False: line 1 of every file is data; columns are named by position ("1", "2", ...).
    header: bool = True
    #: Load every follow edge in both directions (trust files that list each pair once).
    symmetric_follows: bool = False
    ratings: RatingRules = field(default_factory=RatingRules)

    def __post_init__(self) -> None:
        if not self.header:
            defaults = CsvColumns()
            positional = {name: _POSITIONS[name] if getattr(self.columns, name) == getattr(defaults, name)
                          else getattr(self.columns, name) for name in _POSITIONS}
            object.__setattr__(self, "columns", CsvColumns(**{**vars(self.columns), **positional}))
        if self.id_type in tuple(IdType):
            object.__setattr__(self, "id_type", IdType(self.id_type))
        for option, name in vars(self.labels).items():
            if not _NAME.match(name):
                raise ConfigError(f"--{option.replace('_', '-')} label/type {name!r}: use letters, digits and _")
        if len({self.labels.user, self.labels.item, self.labels.feature}) < 3:
            raise ConfigError("user, item and feature labels must differ (e.g. User / Item / Feature)")
        if len(self.sep) != 1 and self.sep != WHITESPACE:
            raise ConfigError(f"--delimiter {self.delimiter!r} must be one character (or 'tab', 'whitespace')")
        if self.columns.user == self.columns.item:
            raise ConfigError(f"--user-col and --item-col are both {self.columns.user!r}")
        try:
            codecs.lookup(self.encoding)
        except LookupError:
            raise ConfigError(f"--encoding {self.encoding!r} is not an encoding Python knows "
                              "(e.g. utf-8, latin-1, cp1252, utf-16)") from None
        if self.id_type not in ("integer", "string") or self.weight_transform not in FORMULAS:
            raise ConfigError("--id-type is integer|string and --weight-transform raw|log1p|binary")
        check_slug(self.dataset, "--dataset")

    @property
    def sep(self) -> str:
        if self.delimiter in _TABS:
            return "\t"
        return WHITESPACE if self.delimiter in _SPACES else self.delimiter

    def spec(self, required: tuple[str, ...], ids: tuple[str, ...], floats: tuple[str, ...] = (),
             optional: tuple[str, ...] = (), options: tuple[str, ...] = ()) -> TableSpec:
        """How to read one file; ``options`` are the flags naming the ``required`` columns, in their order."""
        return TableSpec(required=required, optional=optional, floats=floats, delimiter=self.sep,
                         encoding=self.encoding, integers=ids if self.id_type == "integer" else (),
                         header=self.header, quoted=self.sep != WHITESPACE,
                         options=tuple(zip(required, options, strict=False)) if self.header else ())

    def pair_columns(self, left: str, right: str) -> tuple[str, str]:
        """A follows or features file's two columns: by name, or positions 1 and 2 without a header."""
        return (left, right) if self.header else ("1", "2")

    def reading(self) -> dict[str, Any]:
        """How the files were read (recorded on the ``:Dataset`` node: a delta is read the same way unless
        told otherwise; see :func:`loaders.csv_delta.delta_config`)."""
        return {"delimiter": self.delimiter, "header": self.header, "encoding": self.encoding,
                "columns": asdict(self.columns)}

    def model(self) -> GraphModel:
        labels = self.labels
        return GraphModel(
            dataset=self.dataset, item_label=labels.item, interaction_type=labels.interaction,
            user_label=labels.user, follow_type=labels.follow,
            feature_label=labels.feature if self.features else None,
            feature_type=labels.has_feature if self.features else None,
            weight_formula=FORMULAS[self.weight_transform].format(merged=self.ratings.merged()),
            signal_property="raw",
            options={"id_type": str(self.id_type), "weight_transform": self.weight_transform,
                     "symmetric_follows": str(self.symmetric_follows), **self.ratings.options(),
                     READING_OPTION: self.reading()},
            id_type=self.id_type,
        )


@dataclass(frozen=True, eq=False)
class KnownIds:
    """Users and items already in the graph: a delta's follow and feature rows may name them although the
    delta's interactions do not (see :mod:`loaders.csv_delta`)."""

    users: np.ndarray
    items: np.ndarray


def build_plan(config: CsvConfig, validation: Validation, known: KnownIds | None = None) -> GraphPlan:
    """The load plan of the files; with ``known`` (a delta into a loaded graph) follow and feature rows may
    name the graph's users and items, and the interactions file may be left out."""
    labels = config.labels
    nodes, relationships, files = [], [], []
    listed_users = users = items = np.asarray([], dtype=np.int64 if config.id_type == "integer" else object)
    if config.interactions is not None:
        interactions, listed_users, check = _interactions(config, config.interactions)
        files.append(validation.accept(check))
        users = np.unique(interactions["start"].to_numpy())  # users with at least one positive pair
        items = np.unique(interactions["end"].to_numpy())
        nodes += [NodeSet(labels.user, pd.DataFrame({"id": users})), NodeSet(labels.item, pd.DataFrame({"id": items}))]
        relationships.append(RelationshipSet(labels.interaction, labels.user, labels.item, interactions,
                                             "merge_interactions"))
    elif known is None:
        raise ConfigError("give the interactions file (--interactions): it names the dataset's users and items")
    if known is not None:  # ids the follows and features files may name: the file's and the graph's
        listed_users, users, items = (np.union1d(listed_users, known.users), np.union1d(users, known.users),
                                      np.union1d(items, known.items))
    where = _looked_in(config.interactions, known is not None)
    notes: list[str] = []
    if config.follows is None:
        notes.append(f"follows: no --follows file given, no {labels.follow} loaded")
    if config.features is None:
        notes.append(f"features: no --features file given, no {labels.has_feature} loaded")
    if config.follows is not None:
        follows, check = _pairs(config, config.follows,
                                *config.pair_columns(config.columns.follower, config.columns.followed),
                                listed_users, listed_users, "user", where)
        files.append(validation.accept(check))
        follows = _between_positive_users(follows, users, config.follows.name, notes)
        relationships.append(RelationshipSet(labels.follow, labels.user, labels.user, follows))
    if config.features is not None:
        features, check = _pairs(config, config.features,
                                 *config.pair_columns(config.columns.item, config.columns.feature),
                                 items, None, "feature", where)
        files.append(validation.accept(check))
        nodes.append(NodeSet(labels.feature, pd.DataFrame({"id": np.unique(features["end"].to_numpy())})))
        # Items the file describes: a re-load replaces exactly their features.
        relationships.append(RelationshipSet(labels.has_feature, labels.item, labels.feature, features,
                                             replace_for=features["start"].drop_duplicates().to_numpy()))
    return GraphPlan(model=config.model(), nodes=nodes, relationships=relationships, files=files, notes=notes,
                     structural_options=("id_type", "symmetric_follows", "aggregate", "positive_threshold"))


def _looked_in(interactions: Path | None, graph: bool) -> str:
    """Where an unknown id of a follow or feature row was looked for."""
    if interactions is None:
        return "not in the graph"
    return f"no row in {interactions.name}" + (" nor in the graph" if graph else "")


def _ids(check: RowChecker, config: CsvConfig, column: str) -> np.ndarray:
    if config.id_type == "integer":
        return check.integers(column, minimum=None)
    text = check.strings(column)
    check.reject(text.isna().to_numpy(), column, "missing id")
    return text.fillna("").str.strip().to_numpy(dtype=object)


def _interactions(config: CsvConfig, path: Path) -> tuple[pd.DataFrame, np.ndarray, FileCheck]:
    """The positive edges, every user id of the file's good rows, and the file's verdict."""
    columns = config.columns
    timestamp = columns.timestamp or "timestamp"
    # The weight column under its default name (or position) may be absent: implicit feedback files often
    # list bare (user, item) rows, and then each row weighs 1. A column the user named must be there.
    weight_optional = columns.weight == ("weight" if config.header else _POSITIONS["weight"])
    named = [(columns.user, "--user-col"), (columns.item, "--item-col")]
    named += [] if weight_optional else [(columns.weight, "--weight-col")]
    named += [(timestamp, "--timestamp-col")] if columns.timestamp else []
    optional = ((columns.weight,) if weight_optional else ()) + (() if columns.timestamp else (timestamp,))
    spec = config.spec(tuple(name for name, _ in named), (columns.user, columns.item),
                       floats=(columns.weight, timestamp), optional=optional,
                       options=tuple(option for _, option in named))
    table = read_table(path, spec)
    check = RowChecker(table)
    users = _ids(check, config, columns.user)
    items = _ids(check, config, columns.item)
    weights = check.numbers(columns.weight) if table.has(columns.weight) else np.ones(len(users))
    stamps = (check.numbers(timestamp, allow_empty=True, minimum=None) if table.has(timestamp)
              else np.full(len(users), np.nan))
    keep = check.keep
    rows = pd.DataFrame({"start": users[keep], "end": items[keep], "raw": weights[keep], "ts": stamps[keep]})
    rules = config.ratings
    edges, below = merge_rows(rows, rules)
    raw = edges["raw"].to_numpy()
    edges["weight"] = {"raw": raw, "log1p": np.log1p(raw), "binary": np.ones_like(raw)}[config.weight_transform]
    name = path.name
    pairs = len(edges) + below
    notes = [] if table.has(columns.weight) else [
        f"{name}: no {columns.weight!r} column, so every row weighs 1 (name one with --weight-col)"]
    if len(rows) > pairs:
        notes.append(f"{name}: {len(rows) - pairs:,} repeated (user, item) rows merged into their pair's edge "
                     f"({rules.aggregate})")
    if rules.scale_max is not None:
        notes.append(f"{name}: merged values capped at --rating-max {rules.scale_max:g}")
    if below:
        notes.append(f"{name}: {below:,} (user, item) pairs below --positive-threshold "
                     f"{rules.positive_threshold:g} are not positives (not loaded)")
    edges = edges[["start", "end", "weight", "raw", "count", "ts"]]
    return edges, np.unique(rows["start"].to_numpy()), check.finish(name, notes=notes)


def _between_positive_users(follows: pd.DataFrame, users: np.ndarray, name: str, notes: list[str]
                            ) -> pd.DataFrame:
    """Follow edges whose two users have positive pairs (a user below the threshold everywhere is no node)."""
    both = np.isin(follows["start"].to_numpy(), users) & np.isin(follows["end"].to_numpy(), users)
    if not both.all():
        notes.append(f"{name}: {int((~both).sum()):,} follow edges name a user without positive pairs "
                     "(not loaded)")
    return follows[both].reset_index(drop=True)


def _pairs(config: CsvConfig, path: Path, left: str, right: str, known_left: np.ndarray,
           known_right: np.ndarray | None, what: str, where: str) -> tuple[pd.DataFrame, FileCheck]:
    """Follows (user -> user) or features (item -> feature) rows: ids, known ids (``where`` says where an
    unknown id was looked for), no self-loops."""
    options = ("--follower-col", "--followed-col") if what == "user" else ("--item-col", "--feature-col")
    check = RowChecker(read_table(path, config.spec((left, right), (left, right), options=options)))
    starts = _ids(check, config, left)
    ends = _ids(check, config, right)
    label = "user" if what == "user" else "item"
    check.members(starts, known_left, left, f"{label} ({where})")
    if known_right is not None:
        check.members(ends, known_right, right, f"user ({where})")
        check.reject(check.ok & (starts == ends), right, "a user cannot follow itself")
    check.mark_duplicates([starts, ends], f"({left}, {right}) pair")
    keep = check.keep
    frame = pd.DataFrame({"start": starts[keep], "end": ends[keep]})
    notes = []
    if what == "user" and config.symmetric_follows:
        both = pd.concat([frame, frame.rename(columns={"start": "end", "end": "start"})], ignore_index=True)
        both = both.drop_duplicates().sort_values(["start", "end"], kind="stable").reset_index(drop=True)
        notes.append(f"{path.name}: --symmetric-follows added {len(both) - len(frame):,} reverse edges")
        frame = both[["start", "end"]]
    elif what == "user" and config.id_type == "integer":
        notes.append(f"{path.name}: {count_asymmetric(frame):,} follow edges have no reverse edge "
                     "(--symmetric-follows loads both directions)")
    return frame.reset_index(drop=True), check.finish(path.name, notes=notes)
