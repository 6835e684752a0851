"""Which Debian mirror the base image is built from: apt's own sources, in both of apt's formats."""

from __future__ import annotations

from pathlib import Path

import pytest

from mp2v.errors import ServerError
from mp2v.ops.base_image import apt_mirror

DEB822 = """\
# security updates come first in this file, and are not the main archive
Types: deb
URIs: http://security.example.org/debian-security
Suites: bookworm-security
Components: main

Types: deb-src
URIs: http://src.example.org/debian
Suites: bookworm
Components: main

Types: deb
URIs: http://disabled.example.org/debian
Suites: bookworm
Components: main
Enabled: no

Types: deb
URIs: http://mirror.example.org/debian
Suites: bookworm bookworm-updates
Components: main contrib
"""


@pytest.fixture(autouse=True)
def no_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MP2V_DEBIAN_MIRROR", raising=False)


def test_deb822_stanza_skips_sources_other_suites_and_disabled_entries(tmp_path: Path) -> None:
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list.d" / "debian.sources").write_text(DEB822)
    assert apt_mirror(tmp_path) == "http://mirror.example.org/debian"


def test_one_line_entry_with_options_and_comments(tmp_path: Path) -> None:
    (tmp_path / "sources.list").write_text(
        "# deb http://commented.example.org/debian bookworm main\n"
        "deb [arch=amd64 signed-by=/usr/share/keyrings/x.gpg] http://one.example.org/debian bookworm main # eu\n"
    )
    assert apt_mirror(tmp_path) == "http://one.example.org/debian"


def test_sources_list_comes_before_its_directory(tmp_path: Path) -> None:
    (tmp_path / "sources.list").write_text("deb http://first.example.org/debian bookworm main\n")
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list.d" / "debian.sources").write_text(DEB822)
    assert apt_mirror(tmp_path) == "http://first.example.org/debian"


def test_environment_overrides_apt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MP2V_DEBIAN_MIRROR", "http://override.example.org/debian")
    assert apt_mirror(tmp_path) == "http://override.example.org/debian"


def test_no_bookworm_main_says_what_to_set(tmp_path: Path) -> None:
    (tmp_path / "sources.list").write_text("deb http://old.example.org/debian bullseye main\n")
    with pytest.raises(ServerError, match="set MP2V_DEBIAN_MIRROR"):
        apt_mirror(tmp_path)
