"""What every command shares: settings, a checked connection, and errors printed as one line."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer

from mp2v.config import Settings, load_settings
from mp2v.db.check import connect
from mp2v.db.runner import QueryRunner
from mp2v.errors import Mp2vError

P = ParamSpec("P")
R = TypeVar("R")


def one_line_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn the project's own errors into ``error: ...`` on stderr and exit code 1 (no stack trace)."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except Mp2vError as error:
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(code=1) from None
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            raise typer.Exit(code=130) from None

    return wrapper


def settings() -> Settings:
    return load_settings()


def runner(current: Settings | None = None) -> QueryRunner:
    """A query runner that passed the startup check."""
    return connect((current or settings()).neo4j)


def echo(message: str) -> None:
    typer.echo(message)
    sys.stdout.flush()
