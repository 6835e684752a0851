"""The dashboard's parts that need no server: the `mp2v dashboard` command line, the packaged app, the layout."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from dashboard import app_path
from mp2v.cli.dashboard import streamlit_argv

ROOT = Path(__file__).resolve().parents[2]


def test_command_runs_streamlit_headless_on_loopback_without_usage_stats() -> None:
    argv = streamlit_argv(8599, "127.0.0.1")
    assert argv[:4] == [sys.executable, "-m", "streamlit", "run"] and Path(argv[4]) == app_path()
    options = dict(zip(argv[5::2], argv[6::2], strict=True))
    assert options == {"--server.port": "8599", "--server.address": "127.0.0.1", "--server.headless": "true",
                       "--browser.gatherUsageStats": "false", "--client.toolbarMode": "viewer"}


def test_installed_wheel_ships_the_app_and_its_queries(tmp_path: Path) -> None:
    """Build the wheel, unpack it away from the checkout, and find the app file from the installed layout."""
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True)
    assert build.returncode == 0, build.stderr[-2000:]
    site = tmp_path / "site"
    with zipfile.ZipFile(next(tmp_path.glob("mp2v-*.whl"))) as archive:
        names = archive.namelist()
        archive.extractall(site)
    shipped = {"dashboard/app.py", "dashboard/views/user.py", "mp2v/resources/cypher/dashboard/why_social.cypher",
               "dashboard/static/favicon.png"}
    assert shipped <= set(names)
    probe = subprocess.run(
        [sys.executable, "-c", "from mp2v.cli.dashboard import streamlit_argv; print(streamlit_argv(1, 'x')[4])"],
        capture_output=True, text=True, cwd=tmp_path, env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"})
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == str(site / "dashboard" / "app.py")
