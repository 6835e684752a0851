"""Ids are typed by the graph model (never guessed), and every CLI choice rejects a typo with the choices."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from loaders.csv_generic import CsvConfig, build_plan
from loaders.rejects import Validation
from mp2v.cli.main import app
from mp2v.common.ids import ids_array, parse_id
from mp2v.embeddings.store import Embeddings
from mp2v.errors import ConfigError
from mp2v.experiments.experiment import Mp2vSpec, walk_description
from mp2v.graph.metapath import parse_metapath
from mp2v.graph.model import KUAIREC, LASTFM, GraphModel
from mp2v.serving.vector_index import Server
from mp2v.types import IdType, ScoringRule, Trainer
from mp2v.walks.config import EngineChoice, StartNodes, WalkConfig
from tests.fakes import FakeRunner

STRINGS = GraphModel(dataset="s", id_type=IdType.STRING)
INTEGERS = GraphModel(dataset="i")


def test_parse_id_follows_the_id_type() -> None:
    assert parse_id("007", IdType.STRING) == "007"
    assert parse_id(" A-1 ", "string") == "A-1"
    assert parse_id(7, IdType.STRING) == "7"
    assert parse_id("007", IdType.INTEGER) == 7
    assert parse_id("-3", "integer") == -3
    assert parse_id(12, IdType.INTEGER) == 12
    with pytest.raises(ConfigError) as error:
        parse_id("A-1", IdType.INTEGER, what="User id")
    message = str(error.value)
    assert "User id 'A-1' is not an integer" in message and "--id-type string" in message and "\n" not in message


def test_ids_array_keeps_strings_and_refuses_text_under_integer_ids() -> None:
    strings = ids_array(["007", "7", "A-1"], IdType.STRING)
    assert strings.dtype.kind == "U" and strings.tolist() == ["007", "7", "A-1"]
    integers = ids_array(["007", "7"], IdType.INTEGER)
    assert integers.dtype == np.int64 and integers.tolist() == [7, 7]
    with pytest.raises(ConfigError, match="'A-1' is not an integer"):
        ids_array(["1", "A-1"], IdType.INTEGER)
    assert ids_array([], IdType.STRING).size == 0


def test_model_records_the_id_type_and_old_dataset_nodes_read_as_integer() -> None:
    properties = STRINGS.to_properties()
    assert properties["id_type"] == "string" and type(properties["id_type"]) is str
    assert GraphModel.from_properties(properties).id_type is IdType.STRING
    old = INTEGERS.to_properties()
    del old["id_type"]
    assert GraphModel.from_properties(old).id_type is IdType.INTEGER
    assert LASTFM.id_type is IdType.INTEGER and KUAIREC.id_type is IdType.INTEGER
    with pytest.raises(ConfigError, match="id_type 'float'"):
        GraphModel.from_properties({**old, "id_type": "float"})


def test_csv_plan_records_its_id_type_in_the_model(tmp_path: Path) -> None:
    (tmp_path / "i.csv").write_text("user,item,weight\n007,A-1,1\n7,A-2,2\n")
    for id_type in IdType:
        plan = build_plan(CsvConfig(interactions=tmp_path / "i.csv", id_type=id_type.value),
                          Validation(tmp_path / "r"))
        assert plan.model.id_type is id_type and plan.id_type is id_type
    plan = build_plan(CsvConfig(interactions=tmp_path / "i.csv", id_type="string"), Validation(tmp_path / "r"))
    users = plan.nodes[0].frame["id"].tolist()
    assert sorted(users) == ["007", "7"]


def _tokens(model: GraphModel, users: list[str], items: list[str]) -> tuple[list[str], np.ndarray]:
    prefixes = model.token_prefixes
    tokens = [f"{prefixes['User']}:{u}" for u in users] + [f"{prefixes['Item']}:{i}" for i in items]
    return tokens, np.arange(len(tokens) * 2, dtype=np.float32).reshape(len(tokens), 2)


def test_from_tokens_uses_the_models_id_type() -> None:
    tokens, vectors = _tokens(STRINGS, ["007", "7", "A-1"], ["010", "10"])
    emb = Embeddings.from_tokens(tokens, vectors, vectors, STRINGS)
    assert emb.user_ids.tolist() == ["007", "7", "A-1"] and emb.item_ids.tolist() == ["010", "10"]
    # Row of "007" is the vector of token u:007, not of u:7.
    assert emb.user_input[emb.user_rows["007"]].tolist() == vectors[0].tolist()
    assert emb.user_input[emb.user_rows["7"]].tolist() == vectors[1].tolist()

    tokens, vectors = _tokens(INTEGERS, ["10", "2"], ["5"])
    emb = Embeddings.from_tokens(tokens, vectors, vectors, INTEGERS)
    assert emb.user_ids.dtype == np.int64 and emb.user_ids.tolist() == [2, 10]
    tokens, vectors = _tokens(INTEGERS, ["1", "A-1"], ["5"])
    with pytest.raises(ConfigError, match="'A-1' is not an integer"):
        Embeddings.from_tokens(tokens, vectors, vectors, INTEGERS)


def test_server_reads_ids_with_the_models_id_type() -> None:
    seen: list[Any] = []

    def exists(params: Any, _: Any) -> list[dict[str, Any]]:
        seen.append(params.get("user", params.get("item")))
        return []

    runner = FakeRunner({"serve/served_runs": lambda p, i: [{"properties": {"slot": "r_mp2v", "run_id": "x",
                                                                            "scoring": "dot"}}],
                         "serve/user_vector_exists": exists, "serve/item_exists": exists})
    server = Server(runner, STRINGS, "r_mp2v")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="no User with id '007'"):
        server.recommend("007")
    with pytest.raises(ConfigError, match="no Item with id '7'"):
        server.similar(7)
    integer_server = Server(runner, INTEGERS, "r_mp2v")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="no User with id 7"):
        integer_server.recommend("007")
    assert seen == ["007", "7", 7]
    with pytest.raises(ConfigError, match="'A-1' is not an integer"):
        integer_server.similar("A-1")


def test_configs_take_enums_or_their_values_and_refuse_typos() -> None:
    metapath = (parse_metapath("User-INTERACTED->Item<-INTERACTED-User"),)
    config = WalkConfig(metapaths=metapath, start="items", engine="memory")  # type: ignore[arg-type]
    assert config.start is StartNodes.ITEMS and config.engine is EngineChoice.MEMORY and config.engine == "memory"
    with pytest.raises(ConfigError, match="engine must be one of auto, gds, cypher, memory, not 'gsd'"):
        WalkConfig(metapaths=metapath, engine="gsd")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="start must be one of users, items, both"):
        WalkConfig(metapaths=metapath, start="user")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="walks_per_node -3: give at least 1"):
        WalkConfig(metapaths=metapath, walks_per_node=-3)
    with pytest.raises(ConfigError, match="walk_length 1: give at least 2"):
        WalkConfig(metapaths=metapath, walk_length=1)
    with pytest.raises(ConfigError, match="return_weight 1.5: give a value from 0"):
        WalkConfig(metapaths=metapath, return_weight=1.5)
    with pytest.raises(ConfigError, match="return_weight 0.5 needs the in-memory engine: choose engine 'memory'"):
        WalkConfig(metapaths=metapath, return_weight=0.5, engine="gds")  # type: ignore[arg-type]
    # The option is keyed only when set, so stored runs from before it keep their cache keys.
    assert "return_weight" not in walk_description(config)
    assert walk_description(replace(config, return_weight=0.25))["return_weight"] == 0.25
    spec = Mp2vSpec("MP2V", config, trainer="numba-typed", scoring="cosine")  # type: ignore[arg-type]
    assert spec.trainer is Trainer.NUMBA_TYPED and spec.scoring is ScoringRule.COSINE
    with pytest.raises(ConfigError, match="unknown trainer 'numbaa': choose from gensim, numba, numba-typed"):
        Mp2vSpec("MP2V", config, trainer="numbaa")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="unknown scoring 'dto'"):
        Mp2vSpec("MP2V", config, scoring="dto")  # type: ignore[arg-type]


@pytest.mark.parametrize(("args", "choices"), [
    (["walk", "--engine", "gsd"], ("auto", "gds", "cypher", "memory")),
    (["walk", "--start", "user"], ("users", "items", "both")),
    (["evaluate", "--trainer", "numbaa"], ("gensim", "numba", "numba-typed")),
    (["evaluate", "--stage", "tset"], ("validation", "test")),
    (["serve", "--scoring", "dto"], ("dot", "cosine")),
    (["benchmark", "lastfn"], ("lastfm",)),
    (["benchmark", "--baseline", "popularty"], ("popularity", "itemknn")),
    (["load", "csv", "--interactions", "i.csv", "--id-type", "str"], ("integer", "string")),
])
def test_cli_rejects_a_typo_with_the_choices(args: list[str], choices: tuple[str, ...],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # Point at a closed port: an option typo must be refused before anything connects.
    monkeypatch.setenv("NEO4J_URI", "bolt://127.0.0.1:9")
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "Invalid value" in result.output and all(f"'{c}'" in result.output for c in choices), result.output
