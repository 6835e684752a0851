"""Driver errors become one-line project errors at the runner; retries are bounded and announced."""

from __future__ import annotations

import logging
import socket

import neo4j.exceptions as driver
import pytest
import typer

from mp2v.cli.common import one_line_errors
from mp2v.config import Neo4jSettings
from mp2v.db import faults
from mp2v.db.faults import translate
from mp2v.db.runner import QueryRunner
from mp2v.errors import (
    ConfigError,
    DatabaseAuthError,
    DatabaseUnavailableError,
    Mp2vError,
    QueryError,
)

LOCAL = Neo4jSettings("bolt://127.0.0.1:7687", "neo4j", "secret-password", local=True)
REMOTE = Neo4jSettings("neo4j://db.example:7687", "app", "secret-password", local=False)


def _server_error(code: str, message: str) -> Exception:
    return driver.Neo4jError._hydrate_neo4j(code=code, message=message)


def _one_line(error: Exception) -> str:
    text = str(error)
    assert "\n" not in text and "Traceback" not in text
    return text


def test_stopped_server_during_a_load_names_query_and_next_step() -> None:
    error = translate(driver.ServiceUnavailable("Failed to read from defunct connection"), LOCAL,
                      "load/merge_plays", retried_s=8.2)
    assert isinstance(error, DatabaseUnavailableError)
    text = _one_line(error)
    assert "bolt://127.0.0.1:7687" in text and "'load/merge_plays'" in text
    assert "retried for 8 s" in text and "`mp2v db start`" in text and "idempotent" in text


def test_remote_server_hint_does_not_suggest_the_local_server() -> None:
    text = _one_line(translate(driver.SessionExpired("gone"), REMOTE, "walk/cypher_step", retried_s=0.0))
    assert "NEO4J_URI" in text and "mp2v db start" not in text and "idempotent" not in text


def test_incomplete_commit_says_the_commit_may_have_applied() -> None:
    error = translate(driver.IncompleteCommit("lost"), LOCAL, "load/merge_users", retried_s=0.0)
    assert isinstance(error, DatabaseUnavailableError)
    assert "may or may not have been applied" in _one_line(error)


def test_auth_error_hints_at_the_password() -> None:
    error = translate(_server_error("Neo.ClientError.Security.Unauthorized", "bad"), LOCAL, None, retried_s=0)
    assert isinstance(error, DatabaseAuthError)
    assert "rejected the credentials of user 'neo4j'" in _one_line(error)
    remote = translate(_server_error("Neo.ClientError.Security.Unauthorized", "bad"), REMOTE, None, retried_s=0)
    assert "NEO4J_PASSWORD" in _one_line(remote)


def test_syntax_error_is_a_query_error_on_one_line() -> None:
    error = translate(_server_error("Neo.ClientError.Statement.SyntaxError", "Invalid input 'MATC'\n  ^ here"),
                      LOCAL, "walk/bad", retried_s=0.0)
    assert isinstance(error, QueryError)
    text = _one_line(error)
    assert "'walk/bad'" in text and "Neo.ClientError.Statement.SyntaxError" in text and "MATC" in text


def test_transient_error_says_how_long_it_retried() -> None:
    error = translate(_server_error("Neo.TransientError.Transaction.DeadlockDetected", "deadlock"), LOCAL,
                      "load/merge_plays", retried_s=7.6)
    assert isinstance(error, QueryError) and "after retrying for 8 s" in _one_line(error)


def test_long_server_messages_are_cut() -> None:
    error = translate(_server_error("Neo.DatabaseError.General.UnknownError", "x" * 5_000), LOCAL, "q", retried_s=0)
    assert len(_one_line(error)) < 500


def test_configuration_error_is_a_config_error() -> None:
    error = translate(driver.ConfigurationError("bad scheme"), REMOTE, None, retried_s=0)
    assert isinstance(error, ConfigError) and "NEO4J_URI" in _one_line(error)


def test_every_translation_is_a_project_error() -> None:
    samples = [driver.ServiceUnavailable("x"), driver.SessionExpired("x"), driver.IncompleteCommit("x"),
               driver.ConnectionAcquisitionTimeoutError("x"), driver.DriverError("x"),
               _server_error("Neo.ClientError.Schema.ConstraintValidationFailed", "x"),
               _server_error("Neo.DatabaseError.General.UnknownError", "x"),
               _server_error("Neo.TransientError.General.DatabaseUnavailable", "x")]
    for sample in samples:
        assert isinstance(translate(sample, LOCAL, "q", retried_s=0), Mp2vError), sample


def test_driver_retry_warning_becomes_one_note(caplog: pytest.LogCaptureFixture) -> None:
    faults.announce_retries()
    faults.announce_retries()  # idempotent: one filter, one note per retry
    logger = logging.getLogger("neo4j.session")
    with caplog.at_level(logging.WARNING, logger="neo4j.session"):
        logger.warning("Transaction failed and will be retried in %ss (%s)", 1.1,
                       driver.ServiceUnavailable("Connection refused"))
        logger.warning("Failed to consume outstanding auto-commit transaction result before closing session: %s",
                       driver.ServiceUnavailable("gone"))
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 1
    assert messages[0].startswith("note: a Neo4j query failed (Connection refused); retrying in 1.1 s")
    assert f"at most {faults.RETRY_SECONDS:.0f} s" in messages[0]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_runner_on_a_closed_port_raises_project_errors() -> None:
    settings = Neo4jSettings(f"bolt://127.0.0.1:{_closed_port()}", "neo4j", "secret-password", local=True)
    with QueryRunner(settings) as runner:
        with pytest.raises(DatabaseUnavailableError, match="while connecting"):
            runner.verify()
        with pytest.raises(DatabaseUnavailableError, match="'admin/ping'"):
            list(runner.stream("admin/ping"))
        with pytest.raises(DatabaseUnavailableError, match="'admin/ping'"):
            runner.run_autocommit("admin/ping")


def test_cli_prints_project_errors_and_interrupts_as_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    @one_line_errors
    def failing() -> None:
        raise translate(driver.ServiceUnavailable("x"), LOCAL, "load/merge_plays", retried_s=9)

    @one_line_errors
    def interrupted() -> None:
        raise KeyboardInterrupt

    with pytest.raises(typer.Exit) as failed:
        failing()
    assert failed.value.exit_code == 1
    with pytest.raises(typer.Exit) as stopped:
        interrupted()
    assert stopped.value.exit_code == 130
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and err[0].startswith("error: the Neo4j server") and err[1] == "interrupted"
