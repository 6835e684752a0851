"""`mp2v dashboard` in a real browser: headless Debian Chromium driven by Playwright, on the Last.fm graph.

Starts the command on a free loopback port against the test server and a home with small trained runs, tours
every view with its interactions (tests/browser/screens.py: evaluated and served lists, item search, a
why-path in the graph, a projector search), saves a screenshot of each under ``artifacts/screenshots/``,
checks that no request leaves the machine (favicon and fonts are served locally), and prints how long each
view takes to render after the first load (the median of several switches; reported, not asserted).
"""

from __future__ import annotations

import statistics
from pathlib import Path
from urllib.parse import urlparse

import pytest

from mp2v.db.runner import QueryRunner
from tests.browser import screens
from tests.lastfm_fixture import TrainedLastfm, trained_lastfm

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
ROUNDS = 3

pytestmark = pytest.mark.skipif(not screens.CHROMIUM.is_file(),
                                reason="needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium)")


@pytest.fixture(scope="module")
def lastfm(session_runner: QueryRunner, tmp_path_factory: pytest.TempPathFactory) -> TrainedLastfm:
    return trained_lastfm(session_runner, tmp_path_factory)


def test_views_render_in_chromium_offline(lastfm: TrainedLastfm, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with screens.dashboard(lastfm.environment(), tmp_path / "dashboard.log") as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(screens.CHROMIUM), args=screens.CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            hosts: set[str] = set()
            page.on("request", lambda request: hosts.add(urlparse(request.url).hostname or ""))
            timings = screens.tour(page, url, SCREENSHOTS)
            # The URL carries the state: a reload keeps the view and the user.
            page.reload()
            screens.rendered(page, "Benchmark")
            expect(page.get_by_test_id("stSidebar").get_by_role("radio", name="Benchmark")).to_be_checked()
            favicon = page.evaluate("() => document.querySelector('link[rel~=\"icon\"]')?.href || ''")
            times: dict[str, list[float]] = {view: [] for view in screens.VIEWS}
            for _ in range(ROUNDS):
                for view in screens.VIEWS:
                    times[view].append(screens.switch(page, view))
        finally:
            browser.close()
    assert hosts <= {"127.0.0.1", ""}, f"requests left the machine: {sorted(hosts)}"
    assert "gstatic" not in favicon and "127.0.0.1" in favicon or favicon.startswith("data:")
    report = [f"first load (User view, cold caches): {timings['first load']:.2f} s",
              f"render time after a view switch, median of {ROUNDS} (min-max):"]
    report += [f"  {view:<13} {statistics.median(t):.2f} s ({min(t):.2f}-{max(t):.2f})" for view, t in times.items()]
    print("\n" + "\n".join(report))
    (SCREENSHOTS / "render-times.txt").write_text("\n".join(report) + "\n")
    expected = {f"{name}.png" for name in ("user", "user-served", "item", "graph", "embeddings", "overview",
                                           "benchmark")}
    assert expected <= {p.name for p in SCREENSHOTS.glob("*.png")}
