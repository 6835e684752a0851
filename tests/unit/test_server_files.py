"""The local server's secrets: a private password file, private folders, no password on a command line."""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from mp2v.config import load_settings
from mp2v.errors import ServerError
from mp2v.ops import server as server_module
from mp2v.ops.jars import JarSet
from mp2v.ops.server import (
    PRIVATE_UMASK,
    LocalServer,
    StartResult,
    argfile_quote,
    make_private_dir,
    start_local,
    write_private,
)


@pytest.fixture()
def loose_umask() -> Iterator[None]:
    """A permissive umask, so modes come from the code and not from the test runner's defaults."""
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_write_private_creates_owner_only_and_refuses_existing(tmp_path: Path, loose_umask: None) -> None:
    target = tmp_path / "password"
    write_private(target, "secret\n")
    assert _mode(target) == 0o600 and target.read_text() == "secret\n"
    with pytest.raises(FileExistsError):
        write_private(target, "other\n")
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "elsewhere")
    with pytest.raises(FileExistsError):  # O_EXCL never writes through a planted link
        write_private(link, "secret\n")
    assert not (tmp_path / "elsewhere").exists()


def test_make_private_dir_creates_and_tightens(tmp_path: Path, loose_umask: None) -> None:
    fresh = tmp_path / "a" / "b"
    make_private_dir(fresh)
    assert _mode(fresh) == 0o700
    loose = tmp_path / "loose"
    loose.mkdir(mode=0o755)
    make_private_dir(loose)
    assert _mode(loose) == 0o700


@pytest.mark.parametrize("password", ["plain-password", 'with "quotes" and spaces', "back\\slash\\", "#hash'x"])
def test_argfile_quote_is_one_shell_like_token(password: str) -> None:
    quoted = argfile_quote(password)
    assert quoted.startswith('"') and quoted.endswith('"')
    # picocli's @-file rules match POSIX double quotes for backslash and quote escapes.
    assert shlex.split(quoted, posix=True) == [password]


def _server(tmp_path: Path) -> LocalServer:
    settings = load_settings({"MP2V_HOME": str(tmp_path / "home"), "NEO4J_PASSWORD": ""})
    return LocalServer(settings.server)


def _fake_jars(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    jars = JarSet(tmp_path / "jars")
    monkeypatch.setattr(server_module, "ensure_jars", lambda settings: jars)


def test_initial_password_never_on_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loose_umask: None
) -> None:
    _fake_jars(monkeypatch, tmp_path)
    calls: list[dict[str, Any]] = []

    def fake_run(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        argfile = Path(argv[-1].removeprefix("@"))
        calls.append({"argv": argv, "umask": kwargs.get("umask"), "content": argfile.read_text(),
                      "mode": _mode(argfile)})
        return subprocess.CompletedProcess(argv, 0, "", "")

    monkeypatch.setattr(server_module.subprocess, "run", fake_run)
    server = _server(tmp_path)
    server.prepare()
    password = server.password()
    assert len(password) >= 16
    assert _mode(server.settings.password_file) == 0o600
    assert _mode(server.home) == 0o700 and _mode(server.home / "data") == 0o700
    [call] = calls
    assert password not in " ".join(call["argv"]) and call["argv"][-1].startswith("@")
    assert call["content"].strip() == argfile_quote(password) and call["mode"] == 0o600
    assert call["umask"] == PRIVATE_UMASK
    assert not Path(call["argv"][-1][1:]).exists()  # the argument file is gone afterwards


def test_a_stored_password_is_reused_not_rewritten(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_jars(monkeypatch, tmp_path)
    seen: list[str] = []

    def fake_run(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        seen.append(Path(argv[-1][1:]).read_text().strip())
        return subprocess.CompletedProcess(argv, 0, "", "")

    monkeypatch.setattr(server_module.subprocess, "run", fake_run)
    server = _server(tmp_path)
    make_private_dir(server.home)
    write_private(server.settings.password_file, "stored-password\n")
    server.prepare()
    assert seen == [argfile_quote("stored-password")]
    assert server.password() == "stored-password"


def test_failed_initial_password_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_jars(monkeypatch, tmp_path)
    monkeypatch.setattr(server_module.subprocess, "run", lambda argv, **kw: subprocess.CompletedProcess(
        argv, 1, "", "Exception in thread main\n  at org.neo4j.Foo\n"))
    with pytest.raises(ServerError) as error:
        _server(tmp_path).prepare()
    assert "\n" not in str(error.value) and "mp2v db start" in str(error.value)


def test_start_local_connects_with_the_password_the_start_generated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bug pattern: settings read before the first start have no password; the start's settings do."""
    settings = load_settings({"MP2V_HOME": str(tmp_path / "home"), "NEO4J_PASSWORD": ""})
    assert settings.neo4j.local and settings.neo4j.password == ""

    def fake_start(self: LocalServer, initial_password: str | None = None, *, wait: bool = True) -> StartResult:
        assert initial_password is None  # nothing given: the server generates its own
        make_private_dir(self.home)
        write_private(self.settings.password_file, "generated-at-start\n")
        return StartResult(pid=1, already_running=False, seconds=0.0)

    monkeypatch.setattr(LocalServer, "start", fake_start)
    connected, result = start_local(settings)
    assert not result.already_running
    assert connected.neo4j.password == "generated-at-start"
    assert connected.neo4j.uri == settings.server.uri and connected.neo4j.local


def test_start_local_passes_a_given_password_on_first_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings({"MP2V_HOME": str(tmp_path / "home"), "NEO4J_PASSWORD": "given-password"})
    given: list[str | None] = []

    def fake_start(self: LocalServer, initial_password: str | None = None, *, wait: bool = True) -> StartResult:
        given.append(initial_password)
        return StartResult(pid=1, already_running=True, seconds=0.0)

    monkeypatch.setattr(LocalServer, "start", fake_start)
    connected, _ = start_local(settings)
    assert given == ["given-password"] and connected.neo4j.password == "given-password"
    remote = replace(settings, neo4j=replace(settings.neo4j, uri="bolt://db.example:7687", local=False))
    assert start_local(remote)[0] is remote


def test_a_password_starting_with_a_dash_is_not_read_as_an_option(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_jars(monkeypatch, tmp_path)
    argvs: list[list[str]] = []

    def fake_run(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        argvs.append(argv)
        return subprocess.CompletedProcess(argv, 0, "", "")

    monkeypatch.setattr(server_module.subprocess, "run", fake_run)
    server = _server(tmp_path)
    make_private_dir(server.home)
    write_private(server.settings.password_file, "-starts-with-a-dash\n")
    server.prepare()
    [argv] = argvs
    assert argv[-2:] == ["--", argv[-1]] and argv[-1].startswith("@")
