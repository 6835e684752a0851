"""`mp2v dashboard` in a real browser: headless Debian Chromium driven by Playwright, on the Last.fm graph.

Starts the command as a subprocess on a free loopback port against the test server and a home with small
trained runs, switches views, picks a user and an artist, saves a screenshot of every view under
``artifacts/screenshots/`` and prints how long each view takes to render after the first load (the median
of several switches; reported, not asserted: the goal is under 2 s per view on the Last.fm demo data).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mp2v.db.runner import QueryRunner
from tests.lastfm_fixture import TrainedLastfm, trained_lastfm

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
#: Without the networking flags Chromium keeps trying hosts this machine cannot reach.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]
#: View -> (text that only its finished page shows, charts it draws).
VIEWS: dict[str, tuple[str | re.Pattern[str], int]] = {
    "User": ("◆ marks an item", 0),
    "Item": ("Nearest artists in", 1),
    "Graph": (re.compile(r"\d+ nodes, \d+ links"), 1),
    "Run overview": ("Embeddings in two dimensions", 5),
}
ROUNDS = 3

pytestmark = pytest.mark.skipif(not CHROMIUM.is_file(),
                                reason="needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def lastfm(session_runner: QueryRunner, tmp_path_factory: pytest.TempPathFactory) -> TrainedLastfm:
    return trained_lastfm(session_runner, tmp_path_factory)


@pytest.fixture(scope="module")
def dashboard_url(lastfm: TrainedLastfm, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    log = tmp_path_factory.mktemp("dashboard") / "dashboard.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "mp2v.cli.main", "dashboard", "--port", str(port), "--address", "127.0.0.1"],
            env={**os.environ, **lastfm.environment()}, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, log)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"mp2v dashboard exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().decode().strip() == "ok":
                    return
        except OSError:
            pass
        time.sleep(0.25)
    pytest.fail(f"mp2v dashboard did not answer on {url} within {timeout_s:.0f} s:\n{log.read_text()}")


def _rendered(page: Any, view: str, timeout_ms: float = 30_000) -> None:
    """Wait until the view's own content is visible, its charts are drawn and the script run has ended."""
    marker, charts = VIEWS[view]
    page.get_by_text(marker).first.wait_for(timeout=timeout_ms)
    page.wait_for_function(
        """charts => document.querySelector('[data-testid="stApp"]')?.dataset.testScriptState === 'notRunning'
             && !document.querySelector('[data-stale="true"]')
             && document.querySelectorAll('[data-testid="stVegaLiteChart"] canvas,'
                                          + ' [data-testid="stVegaLiteChart"] svg.marks').length >= charts""",
        arg=charts, timeout=timeout_ms)


def _switch(page: Any, view: str) -> float:
    started = time.perf_counter()
    page.get_by_test_id("stSidebar").get_by_text(view, exact=True).click()
    _rendered(page, view)
    return time.perf_counter() - started


def _screenshot(page: Any, name: str) -> Path:
    """The whole view: the viewport grows to the main area's height (Streamlit scrolls inside it)."""
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 1600, "height": max(1000, min(int(height), 6000))})
    page.wait_for_timeout(500)  # let charts re-layout to the new size
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": 1600, "height": 1000})
    return path


def test_views_render_in_chromium(dashboard_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            started = time.perf_counter()
            page.goto(dashboard_url)
            _rendered(page, "User", timeout_ms=90_000)
            first_load = time.perf_counter() - started

            # Pick user 3 from the list (type to filter, Enter to choose).
            # The sidebar holds run pickers too (validation and test runs): click the one named "User".
            picked = page.get_by_role("combobox", name="User")
            picked.click()
            page.keyboard.type("User 3 ")
            page.keyboard.press("Enter")
            expect(picked).to_have_value(re.compile(r"^User 3 · 50 artists"))
            _rendered(page, "User")
            expect(page.get_by_test_id("stMetric").filter(has_text="Friends")).to_contain_text("7")
            assert page.get_by_text("Shared between lists").is_visible()
            assert page.get_by_text(re.compile(r"\d{8}-\d{6}-r-mp2v")).count() >= 1  # the run compared
            _screenshot(page, "user")

            _switch(page, "Item")
            page.get_by_label("Search artists by name or id").fill("Radiohead")
            page.keyboard.press("Enter")
            page.get_by_role("heading", name="Radiohead").wait_for()
            _rendered(page, "Item")
            _screenshot(page, "item")

            _switch(page, "Graph")
            expect(picked).to_have_value(re.compile(r"^User 3 · "))  # the pick follows from view to view
            _screenshot(page, "graph")
            _switch(page, "Run overview")
            assert page.get_by_text("Beyond accuracy at K = 20").is_visible()
            _screenshot(page, "overview")

            times: dict[str, list[float]] = {view: [] for view in VIEWS}
            for _ in range(ROUNDS):
                for view in VIEWS:
                    times[view].append(_switch(page, view))
        finally:
            browser.close()
    report = [f"first load (User view, cold caches): {first_load:.2f} s",
              f"render time after a view switch, median of {ROUNDS} (min-max):"]
    report += [f"  {view:<13} {statistics.median(t):.2f} s ({min(t):.2f}-{max(t):.2f})" for view, t in times.items()]
    print("\n" + "\n".join(report))
    (SCREENSHOTS / "render-times.txt").write_text("\n".join(report) + "\n")
    assert sorted(p.name for p in SCREENSHOTS.glob("*.png")) >= ["graph.png", "item.png", "overview.png", "user.png"]
