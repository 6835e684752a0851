"""The test backend is never the user's server: NEO4J_URI plays no part in the choice."""

from __future__ import annotations

import os

import pytest

from tests.conftest import USER_CONNECTION, choose_backend


def _never() -> bool:
    return False


def test_neo4j_uri_is_not_a_test_backend() -> None:
    env = {"NEO4J_URI": "bolt://users-server:7687", "NEO4J_PASSWORD": "secret-secret"}
    assert choose_backend(env, _never) == "local"
    assert choose_backend(env, lambda: True) == "container"


def test_test_only_variable_names_the_uri_backend() -> None:
    assert choose_backend({"MP2V_TEST_NEO4J_URI": "bolt://127.0.0.1:7999"}, _never) == "uri"
    assert choose_backend({"MP2V_TEST_BACKEND": "local", "MP2V_TEST_NEO4J_URI": "bolt://x:1"}, _never) == "local"


@pytest.mark.parametrize("name", USER_CONNECTION)
def test_user_connection_variables_are_blank_in_the_test_process(name: str) -> None:
    assert os.environ.get(name) == ""
