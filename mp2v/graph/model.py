"""The graph model every loader writes and every later stage reads.

::

    (:User {id})-[:<interaction> {weight, ...}]->(:<Item> {id, name?})
    (:User)-[:FOLLOWS]->(:User)
    (:<Item>)-[:<feature_type> {weight?}]->(:<Feature> {id, name?})
    (:Dataset {name, user_label, item_label, id_type, ...})      one node: what this database holds

A dataset keeps its own names (Last.fm: Artist / LISTENED / Tag / HAS_TAG; KuaiRec: Video / WATCHED /
Category / IN_CATEGORY). The ``:Dataset`` node records them so that walks, training, evaluation, serving and
the dashboard read the model from the database instead of guessing. One database holds one dataset.
``id_type`` says whether node ids are integers or strings; a ``:Dataset`` node written before it was recorded
reads as integer (the only kind those loaders wrote).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any

from mp2v.common.hashing import content_hash
from mp2v.common.slugs import check_slug
from mp2v.errors import ConfigError
from mp2v.types import EntityId, IdType, Label, RelType, Token

if TYPE_CHECKING:  # the model is plain data; only the read/write helpers below take a runner
    from mp2v.db.runner import QueryRunner

#: The option under which a loader records how its files were read (delimiter, header, encoding, columns): a
#: delta is read the same way; it says nothing about the graph, so fingerprints leave it out.
READING_OPTION = "reading"

_DEFAULT_PREFIXES = {"User": "u", "Video": "v", "Artist": "a", "Item": "i", "Tag": "t", "Category": "c",
                     "Feature": "f"}


@dataclass(frozen=True)
class GraphModel:
    """Labels and relationship types of one dataset, and how its edge weights were computed."""

    dataset: str
    item_label: Label = "Item"
    interaction_type: RelType = "INTERACTED"
    user_label: Label = "User"
    follow_type: RelType = "FOLLOWS"
    feature_label: Label | None = None
    feature_type: RelType | None = None
    #: The formula behind ``weight`` on interaction edges (R-MP2V walks use it), e.g. ``log1p(plays)``.
    weight_formula: str = "weight"
    #: The raw interaction signal on the edge (play count, watch ratio); baselines read it for confidences.
    signal_property: str = "weight"
    #: Loader options that shaped the graph (thresholds, matrix choice), kept for fingerprints and reports.
    options: dict[str, Any] = field(default_factory=dict)
    #: Whether node ids are integers or strings: every stage parses ids typed by a person with it.
    id_type: IdType = IdType.INTEGER

    def __post_init__(self) -> None:
        # The dataset name becomes part of file paths (reports, splits, corpora): only a slug is accepted.
        check_slug(self.dataset, "dataset name")
        try:
            object.__setattr__(self, "id_type", IdType(self.id_type))
        except ValueError:
            raise ConfigError(f"the :Dataset node of {self.dataset!r} has id_type {self.id_type!r}; expected "
                              "integer or string: reload the dataset with `mp2v load`") from None

    @property
    def labels(self) -> list[Label]:
        return [self.user_label, self.item_label] + ([self.feature_label] if self.feature_label else [])

    @property
    def token_prefixes(self) -> dict[Label, str]:
        """A short, unique token prefix per label (``User`` -> ``u``) used in walk corpora."""
        prefixes: dict[Label, str] = {}
        for label in self.labels:
            prefix = _DEFAULT_PREFIXES.get(label, label[:1].lower())
            while prefix in prefixes.values():
                prefix = label[: len(prefix) + 1].lower()
            prefixes[label] = prefix
        return prefixes

    def token(self, label: Label, entity_id: EntityId | str) -> Token:
        return f"{self.token_prefixes[label]}:{entity_id}"

    def to_properties(self) -> dict[str, Any]:
        properties = asdict(self)
        properties["name"] = properties.pop("dataset")
        properties["options"] = json.dumps(self.options, sort_keys=True)
        properties["id_type"] = str(self.id_type)
        return {key: value for key, value in properties.items() if value is not None}

    @classmethod
    def from_properties(cls, properties: dict[str, Any]) -> GraphModel:
        known = {f for f in cls.__dataclass_fields__ if f != "dataset"}
        values = {key: value for key, value in properties.items() if key in known}
        values["options"] = json.loads(properties.get("options") or "{}")
        return cls(dataset=properties["name"], **values)


LASTFM = GraphModel(
    dataset="lastfm", item_label="Artist", interaction_type="LISTENED",
    feature_label="Tag", feature_type="HAS_TAG", weight_formula="log1p(plays)", signal_property="plays",
    id_type=IdType.INTEGER,
)
KUAIREC = GraphModel(
    dataset="kuairec", item_label="Video", interaction_type="WATCHED",
    feature_label="Category", feature_type="IN_CATEGORY", weight_formula="min(watch_ratio, cap)",
    signal_property="watch_ratio", id_type=IdType.INTEGER,
)


def read_model(runner: QueryRunner) -> GraphModel:
    """The model of the dataset in the database; a clear error when nothing has been loaded."""
    rows = runner.read("model/read_dataset")
    if not rows:
        raise ConfigError(
            f"no dataset is loaded at {runner.settings.uri}: run `mp2v load lastfm` (or kuairec / csv) first"
        )
    if len(rows) > 1:
        names = ", ".join(row["properties"]["name"] for row in rows)
        raise ConfigError(f"the database holds several datasets ({names}); clear it with `mp2v db clear`")
    return GraphModel.from_properties(rows[0]["properties"])


def write_model(runner: QueryRunner, model: GraphModel) -> None:
    """Record the model; refuses to mix two datasets in one database (nothing stored is touched then)."""
    existing = runner.read("model/read_dataset")
    other = [row["properties"]["name"] for row in existing if row["properties"]["name"] != model.dataset]
    if other:
        raise ConfigError(
            f"the database already holds dataset {other[0]!r}; loading {model.dataset!r} beside it would mix "
            "the two graphs: run `mp2v db clear` first (or point NEO4J_URI at another database)"
        )
    runner.write("model/write_dataset", {"properties": model.to_properties()})


def graph_fingerprint(runner: QueryRunner) -> str:
    """A short hash of the dataset's model and its node/relationship counts: what a trained run came from."""
    from mp2v.db.admin import graph_stats

    stats = graph_stats(runner, with_degrees=False)
    model = read_model(runner)
    # Only the dataset's own labels and types: serving bookkeeping (:ServedRun) must not make every stored run
    # and benchmark trial look stale.
    types = {model.interaction_type, model.follow_type, model.feature_type}
    described = replace(model, options={k: v for k, v in model.options.items() if k != READING_OPTION}).to_properties()
    # Integer ids were the only kind before id_type was recorded: leaving the default out keeps the
    # fingerprints (and so the cached runs) of those datasets valid.
    if model.id_type is IdType.INTEGER:
        described.pop("id_type")
    return content_hash({"model": described,
                         "labels": {k: v for k, v in stats.labels.items() if k in model.labels},
                         "relationships": {k: v for k, v in stats.relationships.items() if k in types}})
