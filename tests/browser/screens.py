"""Drive every dashboard view in headless Chromium and save one screenshot per view (PNG).

The browser test uses :func:`tour`; the docs' screenshots come from one command, against the server and
``MP2V_HOME`` of the current environment (e.g. after ``mp2v demo``)::

    python -m tests.browser.screens docs/images/dashboard               # every view, then the cold-start modes
    python -m tests.browser.screens docs/images/dashboard --coldstart   # only the cold-start modes

It starts ``mp2v dashboard`` on a free loopback port, visits each view, interacts where the view invites
it (a user, an item search, a why-path, a projector search), and stops the dashboard again.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
#: Without the networking flags Chromium keeps trying hosts this machine cannot reach.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]
#: View -> (text that only its finished page shows, charts it draws).
VIEWS: dict[str, tuple[str | re.Pattern[str], int]] = {
    "User": ("Recommendations", 0),
    "Item": ("Nearest artists in", 1),
    "Graph": (re.compile(r"\d+ nodes, \d+ links"), 0),
    "Embeddings": ("Explained variance", 2),
    "Run overview": ("Beyond accuracy at K", 4),
    "Benchmark": ("Every method at K", 1),
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def dashboard(environment: dict[str, str], log: Path, timeout_s: float = 90.0) -> Iterator[str]:
    """``mp2v dashboard`` on a free loopback port for the duration of the block; yields its URL."""
    port = free_port()
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "mp2v.cli.main", "dashboard", "--port", str(port), "--address", "127.0.0.1"],
            env={**os.environ, **environment}, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while not _healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"mp2v dashboard did not start on {url}:\n{log.read_text()}")
            time.sleep(0.25)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return bool(response.read().decode().strip() == "ok")
    except OSError:
        return False


def rendered(page: Any, view: str, timeout_ms: float = 60_000) -> None:
    """Wait until the view's own content is visible, its charts are drawn and the script run has ended."""
    marker, charts = VIEWS[view]
    page.get_by_text(marker).first.wait_for(timeout=timeout_ms)
    page.wait_for_function(
        """charts => document.querySelector('[data-testid="stApp"]')?.dataset.testScriptState === 'notRunning'
             && !document.querySelector('[data-stale="true"]')
             && document.querySelectorAll('[data-testid="stVegaLiteChart"] canvas,'
                                          + ' [data-testid="stVegaLiteChart"] svg.marks').length >= charts""",
        arg=charts, timeout=timeout_ms)


def switch(page: Any, view: str) -> float:
    started = time.perf_counter()
    page.get_by_test_id("stSidebar").get_by_text(view, exact=True).click()
    rendered(page, view)
    return time.perf_counter() - started


def _settled_height(page: Any, polls: int = 20) -> int:
    """The main area's height once it stops growing: tables and charts still lay out after the script ends."""
    measure = "() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight"
    height = int(page.evaluate(measure))
    for _ in range(polls):
        page.wait_for_timeout(500)
        now = int(page.evaluate(measure))
        if now == height:
            break
        height = now
    return height


def screenshot(page: Any, folder: Path, name: str) -> Path:
    """The whole view: the viewport grows to the main area's height (Streamlit scrolls inside it)."""
    height = _settled_height(page)
    page.set_viewport_size({"width": 1600, "height": max(1000, min(int(height), 6000))})
    page.wait_for_timeout(1500)  # let charts and the graph component re-layout to the new size
    path = folder / f"{name}.png"
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": 1600, "height": 1000})
    return path


def tour(page: Any, url: str, folder: Path) -> dict[str, float]:
    """Visit every view with its interactions, saving ``<view>.png``; returns the first-load seconds."""
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    page.goto(f"{url}/?user=3&k=10")
    rendered(page, "User", timeout_ms=120_000)
    page.get_by_text("held-out").first.wait_for()
    first_load = time.perf_counter() - started
    screenshot(page, folder, "user")
    page.get_by_text("Served now").click()
    page.get_by_text("◆ marks an item").wait_for(timeout=60_000)
    rendered(page, "User")
    screenshot(page, folder, "user-served")

    switch(page, "Item")
    page.get_by_label("Search artists by name or id").fill("Radiohead")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Radiohead").wait_for()
    rendered(page, "Item")
    screenshot(page, folder, "item")

    switch(page, "Graph")
    page.get_by_role("combobox", name="… and one of its top-10 items for this user").click()
    page.get_by_role("option").nth(1).click()
    page.get_by_text(re.compile(r"^Why .* for user 3")).wait_for(timeout=60_000)
    rendered(page, "Graph")
    page.frame_locator("iframe").first.locator("canvas").first.wait_for(timeout=60_000)
    screenshot(page, folder, "graph")

    switch(page, "Embeddings")
    page.get_by_label(re.compile("Find a user or item")).fill("Radiohead")
    page.keyboard.press("Enter")
    page.get_by_text("Nearest to Radiohead").wait_for(timeout=60_000)
    rendered(page, "Embeddings")
    screenshot(page, folder, "embeddings")

    switch(page, "Run overview")
    screenshot(page, folder, "overview")
    switch(page, "Benchmark")
    screenshot(page, folder, "benchmark")
    return {"first load": first_load}


#: The cold-start modes, opened from shared URLs (a new item from two tags, a new user from three artists).
COLD_PAGES = {
    "coldstart-item": ("/?view=Item&item_mode=New%2C+from+side+information"
                       "&cold_features=heavy+metal%7Cthrash+metal", "Nearest artists"),
    "coldstart-user": ("/?view=User&user_mode=New%2C+from+a+few+items&cold_items=154%7C65%7C190",
                       "New user with 3 artist(s)"),
}


def coldstart_tour(page: Any, url: str, folder: Path) -> None:
    """The cold-start modes of the Item and User views (they need an EGES run: ``mp2v eges``)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, (query, marker) in COLD_PAGES.items():
        page.goto(url + query)
        page.get_by_text(marker).first.wait_for(timeout=120_000)
        page.wait_for_function("""() => document.querySelector('[data-testid="stApp"]')?.dataset.testScriptState
                                   === 'notRunning' && !document.querySelector('[data-stale="true"]')""",
                               timeout=60_000)
        screenshot(page, folder, name)


def main(folder: Path, only_coldstart: bool = False) -> None:
    from playwright.sync_api import sync_playwright

    folder.mkdir(parents=True, exist_ok=True)
    with dashboard({}, folder / "dashboard.log") as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            if not only_coldstart:
                tour(page, url, folder)
            coldstart_tour(page, url, folder)
        finally:
            browser.close()
    (folder / "dashboard.log").unlink()
    print(f"screenshots in {folder}: " + ", ".join(sorted(p.name for p in folder.glob("*.png"))))


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if a != "--coldstart"]
    main(Path(arguments[0] if arguments else "docs/images/dashboard"), only_coldstart="--coldstart" in sys.argv)
