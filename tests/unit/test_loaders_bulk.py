"""Bulk path guards and importer files (no server)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from loaders.bulk import preflight, write_import_files
from loaders.csv_generic import CsvConfig, build_plan
from loaders.rejects import Validation
from mp2v.config import Neo4jSettings, load_settings
from mp2v.db.runner import QueryRunner
from mp2v.errors import ConfigError


def test_bulk_refuses_a_remote_server() -> None:
    remote = Neo4jSettings("bolt://graph.example.org:7687", "neo4j", "secret-password", local=False)
    with QueryRunner(remote) as runner, pytest.raises(ConfigError, match="NEO4J_URI"):
        preflight(runner, load_settings().server, force=True)  # refused before any connection is tried


def test_importer_files_with_string_ids_quotes_and_nulls(tmp_path: Path) -> None:
    interactions = tmp_path / "i.csv"
    interactions.write_text("user,item,weight,timestamp\n\"ann, jr\",\"say \"\"hi\"\"\",2,\nbob,x,1,5\n")
    plan = build_plan(CsvConfig(interactions=interactions, id_type="string"), Validation(tmp_path / "r"))
    arguments = write_import_files(plan, tmp_path / "import")
    assert arguments[0] == f"--nodes=User={tmp_path / 'import' / 'nodes-User.csv'}"
    edges = pd.read_csv(tmp_path / "import" / "relationships-INTERACTED-User-Item.csv", keep_default_na=False)
    assert list(edges.columns) == [":START_ID(User)", ":END_ID(Item)", "weight:double", "raw:double",
                                   "count:long", "ts:double"]
    assert edges.iloc[0].tolist() == ["ann, jr", 'say "hi"', 2.0, 2.0, 1, ""]
