"""``mp2v dashboard``: start the Streamlit dashboard (headless, no usage statistics, loopback by default)."""

from __future__ import annotations

import os
import sys

import typer

from mp2v.cli.common import one_line_errors
from mp2v.errors import ConfigError


def streamlit_argv(port: int, address: str) -> list[str]:
    """The ``streamlit run`` command line for the dashboard's app file."""
    from dashboard import app_path

    app = app_path()
    if not app.is_file():
        raise ConfigError(f"the dashboard app {app} is missing: reinstall the package (the wheel ships it)")
    return [sys.executable, "-m", "streamlit", "run", str(app),
            "--server.port", str(port), "--server.address", address, "--server.headless", "true",
            "--browser.gatherUsageStats", "false",
            # A dashboard for people reading results: no deploy button or developer menu.
            "--client.toolbarMode", "viewer"]


@one_line_errors
def dashboard_command(
    port: int = typer.Option(8501, min=1, max=65535, help="TCP port of the web server."),
    address: str = typer.Option("127.0.0.1", help="Address to listen on (loopback unless you mean otherwise)."),
) -> None:
    """Open the dashboard: users, items, the graph and evaluation runs, at http://ADDRESS:PORT."""
    argv = streamlit_argv(port, address)
    typer.echo(f"mp2v dashboard on http://{address}:{port} (Ctrl-C stops it)")
    sys.stdout.flush()
    # exec, not a child process: signals (Ctrl-C, docker stop) reach Streamlit directly and no
    # idle parent is left behind.
    os.execv(argv[0], argv)
