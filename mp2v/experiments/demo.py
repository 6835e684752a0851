"""``mp2v demo``: the README's main job, from an empty machine to a results table.

Starts the local server if needed, loads the vendored Last.fm HetRec 2011 (once), chooses between MP2V and
R-MP2V on the validation split, trains them and the production baseline on train + validation, evaluates
them once on the test split, serves the variant validation chose from Neo4j's vector index, and prints the
table with the wall time of each stage. A second run reuses the loaded graph, the split and the trained runs
unless ``fresh`` is set.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from mp2v.config import Settings
from mp2v.db.check import connect
from mp2v.db.runner import QueryRunner
from mp2v.embeddings.store import RunStore
from mp2v.errors import ConfigError
from mp2v.evaluation.stages import Stage
from mp2v.experiments.evaluate import EvaluationConfig, EvaluationOutcome, StageClock, evaluate
from mp2v.graph.model import read_model
from mp2v.ops.server import LocalServer
from mp2v.serving.vector_index import Server, serve_run

#: Counts of the vendored Last.fm graph (readme.txt of HetRec 2011): a graph with these is loaded already.
LASTFM_EDGES = {"LISTENED": 92_834, "FOLLOWS": 25_434}


@dataclass
class DemoOutcome:
    settings: Settings
    evaluation: EvaluationOutcome
    clock: StageClock
    served: dict[str, Any]
    sample_user: Any
    sample: list[Any]


def _loaded(runner: QueryRunner) -> bool:
    from mp2v.db.admin import graph_stats

    stats = graph_stats(runner, with_degrees=False)
    if not stats.labels:
        return False
    if "Dataset" in stats.labels and read_model(runner).dataset != "lastfm":
        raise ConfigError("the database holds another dataset; the demo needs Last.fm: run `mp2v db clear` first")
    return all(stats.relationships.get(t) == n for t, n in LASTFM_EDGES.items())


def _load_lastfm(runner: QueryRunner, settings: Settings) -> None:
    from loaders import lastfm
    from loaders.pipeline import LoadOptions, rejects_folder, run_load

    config = lastfm.LastfmConfig(path=None)
    run_load(lambda validation: lastfm.build_plan(config, validation), runner, LoadOptions(progress=False),
             rejects_dir=rejects_folder(settings.paths.home, "lastfm"), server=settings.server)


def run_demo(settings: Settings, *, fresh: bool = False, progress: bool = True) -> DemoOutcome:
    clock = StageClock()
    if settings.neo4j.local:
        server = LocalServer(settings.server)
        clock.run("server", server.start)
        settings = replace(settings, neo4j=server.connection())
    with connect(settings.neo4j) as runner:
        if fresh or not _loaded(runner):
            clock.run("load Last.fm", lambda: _load_lastfm(runner, settings))
        outcome = evaluate(runner, settings, EvaluationConfig(stage=Stage.TEST, reuse=not fresh), progress=progress,
                           clock=clock)
        run = RunStore(settings.paths.runs).load(_served_run_id(outcome))
        model = read_model(runner)
        served = clock.run("serve", lambda: serve_run(runner, model, run))
        user = run.embeddings.user_ids[0].item()
        sample = Server(runner, model, served["slot"]).recommend(user, k=5)
    return DemoOutcome(settings, outcome, clock, served, user, sample)


def _served_run_id(outcome: EvaluationOutcome) -> str:
    """The test-stage run (trained on train + validation) of the variant validation chose."""
    chosen = outcome.choice.name if outcome.choice else None
    for result in outcome.results:
        if result.name == chosen and result.run_id:
            return result.run_id
    raise ConfigError("the demo found no MP2V run to serve; run `mp2v demo --fresh`")
