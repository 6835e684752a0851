from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from mp2v.db import queries
from mp2v.errors import QueryNotFoundError

ROOT = Path(__file__).resolve().parents[2]


def test_load_by_name_from_checkout() -> None:
    assert queries.cypher_dir().resolve() == ROOT / "cypher"
    assert "RETURN 1" in queries.load("admin/ping")


def test_unknown_query_lists_known_ones() -> None:
    with pytest.raises(QueryNotFoundError, match="admin/ping"):
        queries.load("admin/no_such_query")


def test_render_quotes_identifiers_and_rejects_injection() -> None:
    text = queries.render("admin/count_label", Label="User")
    assert "MATCH (n:`User`)" in text
    with pytest.raises(QueryNotFoundError, match="not a usable label"):
        queries.render("admin/count_label", Label="User) DETACH DELETE (n")
    with pytest.raises(QueryNotFoundError, match="needs identifiers"):
        queries.render("admin/count_label")


def test_no_cypher_file_embeds_literal_values() -> None:
    """Values travel as $parameters: no quoted strings except in comments and admin metadata keys."""
    offenders = []
    for path in (ROOT / "cypher").rglob("*.cypher"):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            code = line.split("//", 1)[0]
            if "'" in code and not any(ok in code for ok in ("'gds.'", "'LOOKUP'", "'Neo4j Kernel'")):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_installed_wheel_finds_its_cypher_files(tmp_path: Path) -> None:
    """Build the wheel, unpack it away from the checkout, and load a query from the installed layout."""
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    wheel = next(tmp_path.glob("mp2v-*.whl"))
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        archive.extractall(site)
    assert "mp2v/resources/cypher/admin/ping.cypher" in names
    assert "mp2v/resources/server/pom.xml" in names
    assert "mp2v/resources/docker/Dockerfile" in names
    # Test-only code and queries stay in tests/ (the wheel ships no test helpers).
    assert not [name for name in names if name.startswith("tests/") or "/cypher/test/" in name]
    assert any(name.startswith("mp2v/resources/data/lastfm-hetrec2011/") for name in names)
    assert len(names) == len(set(names)), "a file is in the wheel twice"
    probe = subprocess.run(
        [sys.executable, "-c",
         "from mp2v.db import queries; from mp2v.ops import jars; from loaders.lastfm import vendored_folder; "
         "print(queries.cypher_dir()); print(queries.load('admin/ping')); print(jars.pom_path()); "
         "print((vendored_folder() / 'readme.txt').is_file())"],
        capture_output=True, text=True, cwd=tmp_path, env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
    )
    assert probe.returncode == 0, probe.stderr
    lines = probe.stdout.splitlines()
    assert lines[0] == str(site / "mp2v" / "resources" / "cypher") and "RETURN 1" in probe.stdout
    assert lines[-2] == str(site / "mp2v" / "resources" / "server" / "pom.xml") and lines[-1] == "True"
