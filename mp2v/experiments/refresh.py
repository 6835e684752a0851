"""The daily refresh: load the day's delta, walk, train warm from the previous run, swap the served run.

1. **load**: the delta files go through the transactional generic-CSV loader (MERGE on ids and on each
   (user, item) pair, so loading the same delta twice leaves the graph as after once);
2. **walk**: the whole (updated) graph with the previous run's walk settings;
3. **train**: :func:`mp2v.training.warm_start.warm_train` from the previous run's vectors, new users and
   items initialised from their neighbours, ``epochs`` epochs (fewer than a full retrain);
4. **store** the new run, **serve** it in the alias's standby slot and **swap** the alias
   (:mod:`mp2v.serving.live`): queries during the swap are answered wholly by the old or the new run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mp2v.config import Settings
from mp2v.db.runner import QueryRunner
from mp2v.embeddings.store import Embeddings, RunStore, StoredRun
from mp2v.errors import ConfigError
from mp2v.graph.metapath import parse_metapath
from mp2v.graph.model import GraphModel, read_model
from mp2v.serving.live import Swap, serve_and_swap
from mp2v.training.gensim_sgns import TrainConfig, input_vectors
from mp2v.training.warm_start import WarmStart, warm_train
from mp2v.types import IdType, ScoringRule
from mp2v.walks.config import WalkConfig
from mp2v.walks.run import default_metapath, run_walks

if TYPE_CHECKING:
    from loaders.csv_generic import KnownIds


@dataclass(frozen=True)
class DeltaFiles:
    """The day's files in the generic CSV format, loaded with the labels, id type, weights and ratings rules
    the dataset was loaded with, and read as its files were (``mp2v load csv --help``) except where these
    say otherwise: ``columns`` by :class:`loaders.csv_generic.CsvColumns` field, None as loaded."""

    interactions: Path | None = None
    follows: Path | None = None
    features: Path | None = None
    columns: dict[str, str] = field(default_factory=dict)
    delimiter: str | None = None
    header: bool | None = None
    encoding: str | None = None

    def __post_init__(self) -> None:
        if not self.files:
            raise ConfigError("a delta needs at least one file: --interactions, --follows or --features")

    @property
    def files(self) -> list[str]:
        return [str(path) for path in (self.interactions, self.follows, self.features) if path is not None]


@dataclass(frozen=True)
class RefreshConfig:
    delta: DeltaFiles | None
    #: The run to start from (a run id of the store); None: the latest run of the dataset.
    previous_run: str | None = None
    alias: str = "live"
    epochs: int = 1
    #: Learning rate of the warm epochs (falling linearly to ``min(0.0001, alpha)``). A full run starts at
    #: 0.025, which moves converged vectors too far in one epoch: 0.0025 was chosen on validation users at
    #: 10^6 interactions (bench/scale_refresh.py, docs/scale.md).
    alpha: float = 0.0025
    walks_per_node: int = 5
    walk_length: int = 20
    metapaths: tuple[str, ...] = ()
    serve: bool = True

    def __post_init__(self) -> None:
        # Checked before the delta is loaded or the graph walked, not when the warm training starts.
        warm_train_config(1, self.epochs, self.alpha)


def warm_train_config(dimensions: int, epochs: int, alpha: float) -> TrainConfig:
    """The warm epochs' skip-gram settings: a full run's, starting at ``alpha``."""
    return TrainConfig(dimensions=dimensions, epochs=epochs, alpha=alpha, min_alpha=min(TrainConfig.min_alpha, alpha))


@dataclass
class RefreshResult:
    run: StoredRun
    warm: WarmStart
    seconds: dict[str, float] = field(default_factory=dict)
    swap: Swap | None = None
    load_summary: list[str] = field(default_factory=list)


def load_delta(runner: QueryRunner, settings: Settings, delta: DeltaFiles) -> list[str]:
    """The delta through the transactional loader (idempotent: MERGE), into the loaded dataset."""
    from loaders import LoadOptions, rejects_folder, run_load
    from loaders.csv_delta import delta_config, delta_plan
    from loaders.summary import summary_lines

    model = read_model(runner)
    config = delta_config(model, delta.interactions, delta.follows, delta.features, columns=delta.columns,
                          delimiter=delta.delimiter, header=delta.header, encoding=delta.encoding)
    known = known_ids(runner, model)
    result = run_load(lambda v: delta_plan(config, model, known, v), runner, LoadOptions(progress=False),
                      rejects_dir=rejects_folder(settings.paths.home, model.dataset))
    return summary_lines(result)


def known_ids(runner: QueryRunner, model: GraphModel) -> KnownIds:
    """The graph's user and item ids, streamed (a catalogue holds millions)."""
    from loaders.csv_generic import KnownIds

    dtype = np.int64 if model.id_type is IdType.INTEGER else object  # as the CSV loader parses them

    def ids(label: str) -> np.ndarray:
        chunks = [np.asarray([row[0] for row in rows], dtype=dtype)
                  for rows in runner.stream("load/node_ids", identifiers={"Label": label}, batch_size=100_000)]
        return np.concatenate(chunks) if chunks else np.asarray([], dtype=dtype)

    return KnownIds(users=ids(model.user_label), items=ids(model.item_label))


def refresh(runner: QueryRunner, settings: Settings, config: RefreshConfig, *, store: RunStore | None = None,
            corpus: Path | None = None) -> RefreshResult:
    """Run the four steps of the module docstring; each step's wall time is in ``seconds``."""
    store = store or RunStore(settings.paths.runs)
    model = read_model(runner)
    previous = store.load(config.previous_run) if config.previous_run else store.latest(dataset=model.dataset)
    seconds: dict[str, float] = {}
    started = time.monotonic()
    lines = load_delta(runner, settings, config.delta) if config.delta else []
    seconds["load"] = time.monotonic() - started
    model = read_model(runner)
    metapaths = tuple(parse_metapath(m) for m in config.metapaths) or (default_metapath(model),)
    walk = WalkConfig(metapaths=metapaths, walks_per_node=config.walks_per_node, walk_length=config.walk_length)
    target = corpus or settings.paths.home / "walks" / f"{model.dataset}-refresh.txt"
    begin = time.monotonic()
    run_walks(runner, walk, target, progress=False)
    seconds["walk"] = time.monotonic() - begin
    begin = time.monotonic()
    train = warm_train_config(previous.embeddings.dimensions, config.epochs, config.alpha)
    result, warm = warm_train(target, train, previous.embeddings, model)
    tokens, inputs, outputs = input_vectors(result.model)
    embeddings = Embeddings.from_tokens(tokens, inputs, outputs, model)
    seconds["train"] = time.monotonic() - begin
    metadata: dict[str, Any] = {
        "dataset": model.dataset, "scoring": previous.metadata.get("scoring", "dot"),
        "refreshed_from": previous.run_id, "warm_start": vars(warm), "epochs": config.epochs, "alpha": config.alpha,
        "walk": {"walks_per_node": config.walks_per_node, "walk_length": config.walk_length,
                 "metapaths": [str(m) for m in metapaths]},
        "delta": config.delta.files if config.delta else None}
    run = store.save(previous.method, embeddings, metadata)
    swap = None
    if config.serve:
        begin = time.monotonic()
        swap = serve_and_swap(runner, model, run, config.alias, ScoringRule(metadata["scoring"]))
        seconds["serve_and_swap"] = time.monotonic() - begin
    seconds["total"] = time.monotonic() - started
    return RefreshResult(run, warm, seconds, swap, lines)
