"""Generic CSV files -> a configurable graph model (default User / Item / INTERACTED / FOLLOWS / Feature).

* interactions (user, item, weight[, timestamp]): repeated (user, item) rows are merged into one edge with
  ``raw`` = sum of their weights, ``count`` = rows, ``ts`` = last timestamp, and
  ``weight`` = ``raw`` | ``log1p(raw)`` | ``1.0`` (``--weight-transform raw|log1p|binary``);
* follows (user, followed user): one directed FOLLOWS edge per row; both users must have interactions;
* features (item, feature): one HAS_FEATURE edge per distinct pair; the item must have interactions.

Column names, delimiter, encoding, labels, relationship types and the id type (integer or string) are
options; users and items are the ids seen in the interactions file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from loaders.checks import RowChecker
from loaders.lastfm import count_asymmetric
from loaders.plan import GraphPlan, NodeSet, RelationshipSet
from loaders.reading import TableSpec, read_table
from loaders.rejects import FileCheck, Validation
from mp2v.common.slugs import check_slug
from mp2v.errors import ConfigError
from mp2v.graph.model import GraphModel
from mp2v.types import IdType

Transform = Literal["raw", "log1p", "binary"]
FORMULAS = {"raw": "sum(weight)", "log1p": "log1p(sum(weight))", "binary": "1"}
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class CsvColumns:
    user: str = "user"
    item: str = "item"
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
    interactions: Path
    follows: Path | None = None
    features: Path | None = None
    dataset: str = "csv"
    columns: CsvColumns = field(default_factory=CsvColumns)
    labels: CsvLabels = field(default_factory=CsvLabels)
    delimiter: str = ","
    encoding: str = "utf-8"
    id_type: IdType = IdType.INTEGER
    weight_transform: Transform = "raw"

    def __post_init__(self) -> None:
        if self.id_type in tuple(IdType):
            object.__setattr__(self, "id_type", IdType(self.id_type))
        for option, name in vars(self.labels).items():
            if not _NAME.match(name):
                raise ConfigError(f"--{option.replace('_', '-')} label/type {name!r}: use letters, digits and _")
        if len({self.labels.user, self.labels.item, self.labels.feature}) < 3:
            raise ConfigError("user, item and feature labels must differ (e.g. User / Item / Feature)")
        if len(self.sep) != 1:
            raise ConfigError(f"--delimiter {self.delimiter!r} must be one character (or 'tab')")
        if self.columns.user == self.columns.item:
            raise ConfigError(f"--user-col and --item-col are both {self.columns.user!r}")
        if self.id_type not in ("integer", "string") or self.weight_transform not in FORMULAS:
            raise ConfigError("--id-type is integer|string and --weight-transform raw|log1p|binary")
        check_slug(self.dataset, "--dataset")

    @property
    def sep(self) -> str:
        return "\t" if self.delimiter in ("tab", "\\t", "TAB") else self.delimiter

    def spec(self, required: tuple[str, ...], ids: tuple[str, ...], floats: tuple[str, ...] = (),
             optional: tuple[str, ...] = ()) -> TableSpec:
        return TableSpec(required=required, optional=optional, floats=floats, delimiter=self.sep,
                         encoding=self.encoding, integers=ids if self.id_type == "integer" else ())

    def model(self) -> GraphModel:
        labels = self.labels
        return GraphModel(
            dataset=self.dataset, item_label=labels.item, interaction_type=labels.interaction,
            user_label=labels.user, follow_type=labels.follow,
            feature_label=labels.feature if self.features else None,
            feature_type=labels.has_feature if self.features else None,
            weight_formula=FORMULAS[self.weight_transform], signal_property="raw",
            options={"id_type": str(self.id_type), "weight_transform": self.weight_transform},
            id_type=self.id_type,
        )


def build_plan(config: CsvConfig, validation: Validation) -> GraphPlan:
    labels = config.labels
    interactions, check = _interactions(config)
    files = [validation.accept(check)]
    users = np.unique(interactions["start"].to_numpy())
    items = np.unique(interactions["end"].to_numpy())
    nodes = [NodeSet(labels.user, pd.DataFrame({"id": users})), NodeSet(labels.item, pd.DataFrame({"id": items}))]
    relationships = [RelationshipSet(labels.interaction, labels.user, labels.item, interactions,
                                     "merge_interactions")]
    notes: list[str] = []
    if config.follows is None:
        notes.append(f"follows: no --follows file given, no {labels.follow} loaded")
    if config.features is None:
        notes.append(f"features: no --features file given, no {labels.has_feature} loaded")
    if config.follows is not None:
        follows, check = _pairs(config, config.follows, config.columns.follower, config.columns.followed,
                                users, users, "user")
        files.append(validation.accept(check))
        relationships.append(RelationshipSet(labels.follow, labels.user, labels.user, follows))
    if config.features is not None:
        features, check = _pairs(config, config.features, config.columns.item, config.columns.feature,
                                 items, None, "feature")
        files.append(validation.accept(check))
        nodes.append(NodeSet(labels.feature, pd.DataFrame({"id": np.unique(features["end"].to_numpy())})))
        # Items the file describes: a re-load replaces exactly their features.
        relationships.append(RelationshipSet(labels.has_feature, labels.item, labels.feature, features,
                                             replace_for=features["start"].drop_duplicates().to_numpy()))
    return GraphPlan(model=config.model(), nodes=nodes, relationships=relationships, files=files, notes=notes,
                     structural_options=("id_type",))


def _ids(check: RowChecker, config: CsvConfig, column: str) -> np.ndarray:
    if config.id_type == "integer":
        return check.integers(column, minimum=None)
    text = check.strings(column)
    check.reject(text.isna().to_numpy(), column, "missing id")
    return text.fillna("").str.strip().to_numpy(dtype=object)


def _interactions(config: CsvConfig) -> tuple[pd.DataFrame, FileCheck]:
    columns = config.columns
    timestamp = columns.timestamp or "timestamp"
    required = (columns.user, columns.item, columns.weight) + ((timestamp,) if columns.timestamp else ())
    spec = config.spec(required, (columns.user, columns.item), floats=(columns.weight, timestamp),
                       optional=() if columns.timestamp else (timestamp,))
    table = read_table(config.interactions, spec)
    check = RowChecker(table)
    users = _ids(check, config, columns.user)
    items = _ids(check, config, columns.item)
    weights = check.numbers(columns.weight)
    stamps = (check.numbers(timestamp, allow_empty=True, minimum=None) if table.has(timestamp)
              else np.full(len(users), np.nan))
    keep = check.keep
    rows = pd.DataFrame({"start": users[keep], "end": items[keep], "raw": weights[keep], "ts": stamps[keep]})
    edges = rows.groupby(["start", "end"], sort=True).agg(raw=("raw", "sum"), count=("raw", "size"),
                                                          ts=("ts", "max")).reset_index()
    edges["count"] = edges["count"].astype(np.int64)
    raw = edges["raw"].to_numpy()
    edges["weight"] = {"raw": raw, "log1p": np.log1p(raw), "binary": np.ones_like(raw)}[config.weight_transform]
    merged = len(rows) - len(edges)
    notes = [f"{config.interactions.name}: {merged:,} repeated (user, item) rows merged into their pair's edge "
             "(weights summed)"] if merged else []
    return edges[["start", "end", "weight", "raw", "count", "ts"]], check.finish(config.interactions.name,
                                                                                 notes=notes)


def _pairs(config: CsvConfig, path: Path, left: str, right: str, known_left: np.ndarray,
           known_right: np.ndarray | None, what: str) -> tuple[pd.DataFrame, FileCheck]:
    """Follows (user -> user) or features (item -> feature) rows: ids, known ids, no self-loops."""
    check = RowChecker(read_table(path, config.spec((left, right), (left, right))))
    starts = _ids(check, config, left)
    ends = _ids(check, config, right)
    label = "user" if what == "user" else "item"
    check.members(starts, known_left, left, f"{label} (no row in {config.interactions.name})")
    if known_right is not None:
        check.members(ends, known_right, right, f"user (no row in {config.interactions.name})")
        check.reject(check.ok & (starts == ends), right, "a user cannot follow itself")
    check.mark_duplicates([starts, ends], f"({left}, {right}) pair")
    keep = check.keep
    frame = pd.DataFrame({"start": starts[keep], "end": ends[keep]})
    notes = ([f"{path.name}: {count_asymmetric(frame):,} follow edges have no reverse edge"]
             if what == "user" and config.id_type == "integer" else [])
    return frame.reset_index(drop=True), check.finish(path.name, notes=notes)
