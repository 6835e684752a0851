"""A day's delta in the generic CSV format, read the way its dataset was loaded (``mp2v refresh``).

The delta takes the load's labels, id type, weight transform and ratings rules from the ``:Dataset`` node (a
delta read with other rules would give its edges other weights), leaves that node as it is (a delta without a
features file must not drop the dataset's feature label), and accepts follow and feature rows naming users and
items of the graph that the delta's interactions do not mention (a day of follows or features alone needs no
interactions file). Its files are read with the column, delimiter, header and encoding options of
``mp2v load csv``, given again to ``mp2v refresh``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from loaders.csv_generic import CsvColumns, CsvConfig, CsvLabels, KnownIds, build_plan
from loaders.plan import GraphPlan
from loaders.ratings import RatingRules
from loaders.rejects import Validation
from mp2v.errors import ConfigError
from mp2v.graph.model import GraphModel


def delta_config(model: GraphModel, interactions: Path | None, follows: Path | None = None,
                 features: Path | None = None, *, columns: CsvColumns | None = None, delimiter: str = ",",
                 header: bool = True, encoding: str = "utf-8") -> CsvConfig:
    """The generic CSV settings the dataset was loaded with, pointed at the delta's files; how the files are
    read (columns, delimiter, header, encoding) is the caller's, as the ``:Dataset`` node does not record it."""
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
                     columns=columns or CsvColumns(), delimiter=delimiter, header=header, encoding=encoding,
                     labels=labels, id_type=model.id_type,
                     weight_transform=str(options["weight_transform"]),  # type: ignore[arg-type]
                     symmetric_follows=str(options.get("symmetric_follows")) == "True",
                     ratings=RatingRules.from_options(options))


def delta_plan(config: CsvConfig, model: GraphModel, known: KnownIds, validation: Validation) -> GraphPlan:
    """The delta's load plan; the ``:Dataset`` node it writes is the stored one."""
    return replace(build_plan(config, validation, known), model=model)
