"""The bulk path (neo4j-admin import): the importer accepts the files the loader writes (fast, no server),
and end to end (slow: it stops and restarts the test server) it writes the same graph as the transactional
path and refuses to replace a non-empty database without --force."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from loaders import LoadOptions, run_load
from loaders import kuairec as kuairec_loader
from loaders.bulk import run_importer, write_import_files
from loaders.rejects import Validation
from mp2v.db.admin import GraphStats, graph_stats
from mp2v.db.runner import QueryRunner
from mp2v.errors import ConfigError
from mp2v.ops.jars import ensure_jars
from mp2v.ops.server import neo4j_conf
from tests import conftest
from tests.conftest import Backend
from tests.cypher_helpers import cypher
from tests.data_factories import write_kuairec


def test_importer_accepts_the_loader_files(tmp_path: Path) -> None:
    """Header format, property types, nulls and quoting, checked by neo4j-admin itself on a throwaway home."""
    write_kuairec(tmp_path / "data", users=30, videos=40, rows=300, nan_timestamps=5, user_features=True,
                  daily_features=True)
    plan = kuairec_loader.build_plan(kuairec_loader.KuaiRecConfig(tmp_path / "data"), Validation(tmp_path / "r"))
    home = tmp_path / "home"
    settings = replace(conftest.test_server_settings(), home=home, heap="1g")
    (home / "conf").mkdir(parents=True)
    (home / "conf" / "neo4j.conf").write_text(neo4j_conf(settings, ensure_jars(settings)))
    arguments = write_import_files(plan, home / "import")
    assert (home / "import" / "relationships-WATCHED-User-Video.csv").read_text().splitlines()[0] == (
        ":START_ID(User),:END_ID(Video),views:long,watch_ratio:double,watch_ratio_mean:double,"
        "play_duration:double,ts:double,weight:double")
    imported = run_importer(settings, "neo4j", arguments, home / "import" / "import.report", "integer")
    assert imported == (plan.node_count, plan.relationship_count)


def _degrees(stats: GraphStats) -> list[tuple[Any, ...]]:
    return [(d.label, d.nodes, d.min_degree, d.median_degree, round(d.mean_degree, 9), d.max_degree, d.isolated)
            for d in stats.degrees]


def _dump(db: QueryRunner) -> tuple[list[Any], list[Any]]:
    nodes = cypher(db, "MATCH (n) RETURN labels(n) AS l, properties(n) AS p")
    rels = cypher(db,
        "MATCH (a)-[r]->(b) RETURN labels(a)[0] AS la, a.id AS a, type(r) AS t, b.id AS b, properties(r) AS p")
    node_rows = sorted((tuple(row.l), sorted(row.p.items())) for row in nodes.itertuples())
    rel_rows = sorted((row.la, row.a, row.t, row.b, sorted(row.p.items())) for row in rels.itertuples())
    return node_rows, rel_rows


@pytest.mark.slow
def test_bulk_import_equals_transactional_load(db: QueryRunner, neo4j_backend: Backend, tmp_path: Path) -> None:
    if neo4j_backend.kind != "local" or os.environ.get("NEO4J_URI"):
        pytest.skip("--bulk works only with the project's local server")
    write_kuairec(tmp_path / "data", users=40, videos=50, rows=500, repeats=40, nan_timestamps=5,
                  bad_matrix=["unknown_video", "nan_watch_ratio"], user_features=True, daily_features=True)
    config = kuairec_loader.KuaiRecConfig(tmp_path / "data")

    def build(validation: Validation) -> kuairec_loader.GraphPlan:
        return kuairec_loader.build_plan(config, validation)

    server = conftest.test_server_settings()
    transactional = run_load(build, db, LoadOptions(progress=False), rejects_dir=tmp_path / "r", server=server)
    stats = graph_stats(db)
    nodes, rels = _dump(db)

    with pytest.raises(ConfigError, match=r"not empty \(dataset 'kuairec', [0-9,]+ nodes"):
        run_load(build, db, LoadOptions(progress=False, bulk=True), rejects_dir=tmp_path / "r", server=server)

    bulk = run_load(build, db, LoadOptions(progress=False, bulk=True, force=True), rejects_dir=tmp_path / "r",
                    server=server)
    assert bulk.bulk is not None and bulk.bulk.relationships == transactional.plan.relationship_count
    after = graph_stats(db)
    assert (after.labels, after.relationships) == (stats.labels, stats.relationships)
    # The same degrees; the mean may differ in the last bit (nodes are summed in store order).
    assert _degrees(after) == _degrees(stats)
    assert _dump(db) == (nodes, rels)
    constraints = set(cypher(db, "SHOW CONSTRAINTS YIELD name RETURN name")["name"])
    assert constraints == {"user_id_unique", "video_id_unique", "category_id_unique", "dataset_name_unique"}
