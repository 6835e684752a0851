"""A day's delta in the generic CSV format, read the way its dataset was loaded (``mp2v refresh``).

The delta takes the load's labels, id type, weight transform and ratings rules from the ``:Dataset`` node (a
delta read with other rules would give its edges other weights), leaves that node as it is (a delta without a
features file must not drop the dataset's feature label), and accepts follow and feature rows naming users and
items of the graph that the delta's interactions do not mention (a day of follows or features alone needs no
interactions file). Its files are read the way the load read its own (columns, delimiter, header, encoding,
recorded on the ``:Dataset`` node); ``mp2v refresh`` takes the options of ``mp2v load csv`` to say otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields as dataclass_fields
from dataclasses import replace
from pathlib import Path
from typing import Any

from loaders.csv_generic import CsvColumns, CsvConfig, CsvLabels, KnownIds, build_plan
from loaders.plan import GraphPlan
from loaders.ratings import RatingRules
from loaders.rejects import Validation
from mp2v.errors import ConfigError
from mp2v.graph.model import READING_OPTION, GraphModel


def delta_config(model: GraphModel, interactions: Path | None, follows: Path | None = None,
                 features: Path | None = None, *, columns: Mapping[str, str] | None = None,
                 delimiter: str | None = None, header: bool | None = None, encoding: str | None = None) -> CsvConfig:
    """The generic CSV settings the dataset was loaded with, pointed at the delta's files. The files are read
    as the load read its own (the ``:Dataset`` node records it), except where the caller says otherwise:
    ``columns`` names columns by :class:`CsvColumns` field; None keeps each setting as loaded."""
    options = model.options
    if "weight_transform" not in options:  # only the generic CSV loader records it
        loader = "kuairec" if "matrix" in options else "lastfm"
        raise ConfigError(f"dataset {model.dataset!r} was loaded by `mp2v load {loader}`, and a refresh's delta "
                          "files are generic CSV: load the day's files with that loader, then run `mp2v refresh` "
                          "without --interactions (walk, train warm, swap)")
    if features is not None and model.feature_label is None:
        raise ConfigError(f"dataset {model.dataset!r} was loaded without features, so a delta cannot add them: "
                          "load the catalogue's features with `mp2v load csv --features` first")
    defaults = CsvLabels()
    labels = CsvLabels(user=model.user_label, item=model.item_label, interaction=model.interaction_type,
                       follow=model.follow_type, feature=model.feature_label or defaults.feature,
                       has_feature=model.feature_type or defaults.has_feature)
    return CsvConfig(interactions=interactions, follows=follows, features=features, dataset=model.dataset,
                     **_reading(model, columns, delimiter, header, encoding),
                     labels=labels, id_type=model.id_type,
                     weight_transform=str(options["weight_transform"]),  # type: ignore[arg-type]
                     symmetric_follows=str(options.get("symmetric_follows")) == "True",
                     ratings=RatingRules.from_options(options))


def _reading(model: GraphModel, columns: Mapping[str, str] | None, delimiter: str | None, header: bool | None,
             encoding: str | None) -> dict[str, Any]:
    """CsvConfig's reading settings: the caller's over those the load recorded (none recorded: the defaults).
    Recorded column names hold only for files read with the recorded header setting."""
    defaults = CsvConfig(interactions=None)
    recorded = {"delimiter": defaults.delimiter, "header": defaults.header, "encoding": defaults.encoding,
                "columns": {}, **(model.options.get(READING_OPTION) or {})}
    given = {"delimiter": delimiter, "header": header, "encoding": encoding}
    read = {**recorded, **{key: value for key, value in given.items() if value is not None}}
    fields = {field.name for field in dataclass_fields(CsvColumns)}
    unknown = sorted(set(columns or {}) - fields)
    if unknown:
        raise ConfigError(f"delta columns {', '.join(unknown)}: name columns by {', '.join(sorted(fields))}")
    named = recorded["columns"] if recorded["header"] == read["header"] else {}
    read["columns"] = CsvColumns(**{**named, **(columns or {})})
    return read


def delta_plan(config: CsvConfig, model: GraphModel, known: KnownIds, validation: Validation) -> GraphPlan:
    """The delta's load plan; the ``:Dataset`` node it writes is the stored one."""
    return replace(build_plan(config, validation, known), model=model)
