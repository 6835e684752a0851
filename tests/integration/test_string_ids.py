"""String ids end to end: `007` stays "007" (not 7) from `mp2v load csv --id-type string` to the dashboard."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from dashboard import components, data
from mp2v.cli.main import app
from mp2v.db.runner import QueryRunner
from mp2v.embeddings.store import RunStore
from mp2v.graph.model import read_model
from mp2v.types import IdType
from tests.conftest import Backend
from tests.cypher_helpers import cypher

#: Users and items whose ids look numeric but are not numbers: "007" and "7" are two users.
USERS = ["007", "7", "A-1", *(f"{n:03d}" for n in range(10, 40))]
ITEMS = [f"{n:03d}" for n in range(24)]  # "000" ... "023": "007" is an item too


def write_dataset(folder: Path, seed: int = 3) -> dict[str, Path]:
    """Two taste groups (even / odd items), eight items per user, follows within a group, a genre per item."""
    rng = np.random.default_rng(seed)
    rows = ["user,item,weight"]
    for position, user in enumerate(USERS):
        group = [item for n, item in enumerate(ITEMS) if n % 2 == position % 2]
        for item in rng.choice(group, size=8, replace=False):
            rows.append(f"{user},{item},{int(rng.integers(1, 6))}")
    follows = ["user,follows"] + [f"{USERS[i]},{USERS[(i + 2) % len(USERS)]}" for i in range(len(USERS))]
    features = ["item,feature"] + [f"{item},{'even' if n % 2 == 0 else 'odd'}" for n, item in enumerate(ITEMS)]
    paths = {"interactions": folder / "i.csv", "follows": folder / "f.csv", "features": folder / "g.csv"}
    for path, lines in zip(paths.values(), (rows, follows, features), strict=True):
        path.write_text("\n".join(lines) + "\n")
    return paths


def test_string_ids_survive_load_walk_train_evaluate_serve_recommend_and_dashboard(
        db: QueryRunner, neo4j_backend: Backend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = neo4j_backend.settings
    home = tmp_path / "home"
    for key, value in (("NEO4J_URI", settings.uri), ("NEO4J_USERNAME", settings.username),
                       ("NEO4J_PASSWORD", settings.password), ("MP2V_HOME", str(home))):
        monkeypatch.setenv(key, value)
    files = write_dataset(tmp_path)
    cli = CliRunner()

    def mp2v(*args: str, code: int = 0) -> str:
        result = cli.invoke(app, list(args))
        assert result.exit_code == code, result.output
        return result.output

    mp2v("load", "csv", "--interactions", str(files["interactions"]), "--follows", str(files["follows"]),
         "--features", str(files["features"]), "--dataset", "strs", "--id-type", "string", "--no-progress")
    model = read_model(db)
    assert model.id_type is IdType.STRING
    stored = cypher(db, "MATCH (u:User) WHERE u.id IN ['007', '7'] RETURN u.id AS id ORDER BY id")
    assert stored["id"].tolist() == ["007", "7"]

    corpus = tmp_path / "walks.txt"
    mp2v("walk", "--walks-per-node", "2", "--walk-length", "6", "--engine", "memory", "--out", str(corpus))
    tokens = set(corpus.read_text().split())
    assert {"u:007", "u:7", "u:A-1"} <= tokens and "i:007" in tokens

    # evaluate walks, trains (skip-gram), stores the runs and judges them.
    mp2v("evaluate", "--method", "R-MP2V", "--walks-per-node", "4", "--walk-length", "8", "--dimensions", "8",
         "--epochs", "2", "--workers", "1", "--trainer", "gensim", "--fresh")
    run = RunStore(home / "runs").latest("R-MP2V")
    user_ids = run.embeddings.user_ids.tolist()
    assert run.embeddings.user_ids.dtype.kind == "U" and {"007", "7", "A-1"} <= set(user_ids)
    assert run.embeddings.item_ids.dtype.kind == "U" and "007" in run.embeddings.item_ids.tolist()
    assert len(set(user_ids)) == len(USERS)  # "007" and "7" stayed two users

    served = mp2v("serve", run.run_id)
    assert f"run {run.run_id}" in served
    top = mp2v("recommend", "007", "--k", "5")
    ranked = re.findall(r"^\s*\d+\.\s+(\S+)\s", top, flags=re.MULTILINE)
    assert len(ranked) == 5 and all(re.fullmatch(r"\d{3}", item) for item in ranked), top
    assert "for user 007:" in top
    neighbours = mp2v("similar", "007", "--k", "3")
    similar = re.findall(r"^\s*\d+\.\s+(\S+)\s", neighbours, flags=re.MULTILINE)
    assert len(similar) == 3 and "007" not in similar and all(len(item) == 3 for item in similar)
    assert "no User with id '8'" in mp2v("recommend", "8", code=1)

    # The dashboard caches its connection and model per process; an earlier test may have left Last.fm's.
    data.forget_connection()
    graph = data.open_graph(settings)
    try:
        assert graph.problem is None and graph.model is not None and graph.model.id_type is IdType.STRING
        users = data.users(graph, graph.key)
        assert {"007", "7", "A-1"} <= set(users["id"].tolist()) and 7 not in set(users["id"].tolist())
        assert data.parse_id(graph, " 007 ") == "007"
        catalogue = data.catalogue(graph, graph.key)
        found = components.search_items(graph, catalogue, "007")
        assert found["id"].tolist() == ["007"] and found.iloc[0]["name"] == "Item 007"
        # "7" is no item's id; only the names "Item 007" and "Item 017" contain it.
        assert sorted(components.search_items(graph, catalogue, "7")["id"]) == ["007", "017"]
        assert not data.history(graph, graph.key, "007").empty
    finally:
        data.forget_connection()
