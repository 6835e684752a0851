"""Test helper: the vendored Last.fm graph on the test server, and small real runs in a temporary MP2V_HOME.

Integration tests share one server whose ``db`` fixture wipes the database per test, so tests that need the
real Last.fm graph call :func:`ensure_lastfm` in a module-scoped fixture: it loads the graph with the
project's loader unless the LISTENED / FOLLOWS counts already match (a load takes ~40 s, a check ~50 ms).
:func:`trained_lastfm` then trains MP2V, R-MP2V and item2vec with small settings and writes an evaluation
report, once per test session and server (later modules reuse the folder; its runs only name entity ids,
so they stay valid if another test reloads the graph in between).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from mp2v.config import Settings, load_settings
from mp2v.db.admin import graph_stats
from mp2v.db.runner import QueryRunner
from mp2v.experiments.demo import LASTFM_EDGES
from mp2v.experiments.evaluate import EvaluationConfig, evaluate
from mp2v.models.item2vec import Item2VecParams
from mp2v.training.gensim_sgns import TrainConfig
from tests import guard

#: Small but real training of MP2V, R-MP2V and the production baseline (the tests need real runs, not good ones).
SMALL = EvaluationConfig(stage="test", walks_per_node=4, train=TrainConfig(dimensions=32, epochs=2, workers=2),
                         item2vec=Item2VecParams(dim=32, epochs=2, shuffles=2, workers=2, seed=42))


@dataclass(frozen=True)
class TrainedLastfm:
    """A project home with trained runs and a report, and the settings that point at it and the test server."""

    home: Path
    settings: Settings

    def environment(self) -> dict[str, str]:
        """Variables that make ``load_settings()`` (the dashboard, the CLI) see this home and server."""
        neo4j = self.settings.neo4j
        return {"MP2V_HOME": str(self.home), "NEO4J_URI": neo4j.uri, "NEO4J_USERNAME": neo4j.username,
                "NEO4J_PASSWORD": neo4j.password, "NEO4J_DATABASE": neo4j.database}


_trained: dict[str, TrainedLastfm] = {}


def lastfm_loaded(runner: QueryRunner) -> bool:
    relationships = graph_stats(runner, with_degrees=False).relationships
    return all(relationships.get(rel_type) == count for rel_type, count in LASTFM_EDGES.items())


def ensure_lastfm(runner: QueryRunner, home: Path) -> None:
    """Load the vendored Last.fm graph unless it is there already (rejected rows go under ``home``)."""
    guard.claim(runner)
    if lastfm_loaded(runner):
        guard.unmark(runner)  # the tests see the graph alone; the session marks the database again at its end
        return
    from loaders import lastfm
    from loaders.pipeline import LoadOptions, rejects_folder, run_load

    # A partial graph or another test's leftovers would make the loader refuse to mix datasets.
    guard.clear_test_database(runner)
    config = lastfm.LastfmConfig(path=None)
    # server=None: the transactional load path needs no server settings (only --bulk does).
    run_load(lambda validation: lastfm.build_plan(config, validation), runner, LoadOptions(progress=False),
             rejects_dir=rejects_folder(home, "lastfm"), server=None)


def trained_lastfm(runner: QueryRunner, tmp_path_factory: pytest.TempPathFactory) -> TrainedLastfm:
    """The Last.fm graph loaded, and MP2V / R-MP2V / item2vec runs plus a report in a temporary home."""
    home_for_rejects = tmp_path_factory.getbasetemp() / "lastfm-rejects"
    ensure_lastfm(runner, home_for_rejects)
    key = runner.settings.uri
    if key not in _trained:
        home = tmp_path_factory.mktemp("mp2v-home")
        base = load_settings()
        settings = replace(base, paths=replace(base.paths, home=home), neo4j=runner.settings)
        evaluate(runner, settings, SMALL, progress=False)
        _trained[key] = TrainedLastfm(home, settings)
    return _trained[key]
