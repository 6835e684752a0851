from __future__ import annotations

from pathlib import Path

import pytest

from mp2v.config import load_settings
from mp2v.errors import ConfigError


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("NEO4J_URI", "NEO4J_USERNAME", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE",
                 "MP2V_BOLT_PORT", "MP2V_HEAP", "MP2V_PAGECACHE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MP2V_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)


def test_defaults_use_local_server_with_stored_password(tmp_path: Path) -> None:
    settings = load_settings()
    assert settings.neo4j.local and settings.neo4j.uri == "bolt://127.0.0.1:7687"
    assert settings.neo4j.password == ""  # no server started yet: never neo4j/neo4j
    settings.server.password_file.parent.mkdir(parents=True)
    settings.server.password_file.write_text("generated-secret\n")
    assert load_settings().neo4j.password == "generated-secret"


def test_environment_beats_dotenv_and_user_alias(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("NEO4J_URI=bolt://example:7687\nNEO4J_PASSWORD=from-dotenv\nNEO4J_USER=alice\n")
    settings = load_settings()
    assert (settings.neo4j.uri, settings.neo4j.password, settings.neo4j.username) == (
        "bolt://example:7687", "from-dotenv", "alice")
    assert not settings.neo4j.local
    monkeypatch.setenv("NEO4J_PASSWORD", "from-env")
    monkeypatch.setenv("NEO4J_USERNAME", "bob")
    settings = load_settings()
    assert settings.neo4j.password == "from-env" and settings.neo4j.username == "bob"


def test_uri_without_password_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEO4J_URI", "bolt://example:7687")
    with pytest.raises(ConfigError, match="NEO4J_PASSWORD is not"):
        load_settings()


@pytest.mark.parametrize(("name", "value", "message"), [
    ("MP2V_BOLT_PORT", "seventy", "not a TCP port"),
    ("MP2V_HEAP", "lots", "not a memory size"),
])
def test_bad_server_settings(monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        load_settings()


def test_port_and_memory_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MP2V_BOLT_PORT", "7999")
    monkeypatch.setenv("MP2V_HEAP", "6g")
    settings = load_settings()
    assert settings.server.uri == "bolt://127.0.0.1:7999" and settings.server.heap == "6g"
