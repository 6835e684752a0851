"""Typed settings from the environment or a git-ignored ``.env`` file.

Connection (what the query runner uses)::

    NEO4J_URI        bolt://host:7687 or neo4j://...   (unset: the project's local server)
    NEO4J_USERNAME   also read as NEO4J_USER            (default: neo4j)
    NEO4J_PASSWORD   (unset with the local server: its stored generated password)
    NEO4J_DATABASE   (default: neo4j)

Local server (``mp2v db start``)::

    MP2V_HOME        project state: server data, runs, caches (default: <checkout>/.mp2v)
    MP2V_JAR_CACHE   resolved Neo4j + GDS jars, shared by every checkout (default: ~/.cache/mp2v/jars)
    MP2V_BOLT_PORT   (default 7687)   MP2V_HEAP (default 4g)   MP2V_PAGECACHE (default 2g)

Environment variables win over ``.env``; ``.env`` is read from the working directory and the checkout root.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

from mp2v.errors import ConfigError

NEO4J_VERSION = "5.26.24"
GDS_VERSION = "2.13.9"
#: GDS versions the project is tested against (prefix match).
SUPPORTED_GDS_PREFIX = "2.13."
LOCAL_USERNAME = "neo4j"

_SIZE = re.compile(r"^\d+[kmgKMG]?$")


def checkout_root() -> Path | None:
    """The source checkout this package runs from, or None when installed from a wheel."""
    root = Path(__file__).resolve().parent.parent
    return root if (root / "pyproject.toml").is_file() and (root / "cypher").is_dir() else None


def _environment() -> dict[str, str]:
    """Process environment layered over ``.env`` files (checkout root first, then the working directory)."""
    merged: dict[str, str] = {}
    candidates = [Path.cwd() / ".env"]
    root = checkout_root()
    if root is not None:
        candidates.insert(0, root / ".env")
    for path in candidates:
        if path.is_file():
            merged.update({k: v for k, v in dotenv_values(path).items() if v is not None})
    merged.update(os.environ)
    return merged


def _home(env: dict[str, str]) -> Path:
    if env.get("MP2V_HOME"):
        return Path(env["MP2V_HOME"]).expanduser().resolve()
    root = checkout_root()
    if root is not None:
        return root / ".mp2v"
    return Path(env.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "mp2v"


def _port(env: dict[str, str]) -> int:
    raw = env.get("MP2V_BOLT_PORT", "7687")
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise ConfigError(f"MP2V_BOLT_PORT={raw!r} is not a TCP port; set it to a number between 1 and 65535")
    return int(raw)


def _size(env: dict[str, str], name: str, default: str) -> str:
    value = env.get(name, default)
    if not _SIZE.match(value):
        raise ConfigError(f"{name}={value!r} is not a memory size; write it like 4g or 512m")
    return value


@dataclass(frozen=True)
class ProjectPaths:
    """Where the project keeps its state."""

    home: Path

    @property
    def server_home(self) -> Path:
        return self.home / "neo4j"

    @property
    def runs(self) -> Path:
        return self.home / "runs"

    @property
    def cache(self) -> Path:
        return self.home / "cache"


@dataclass(frozen=True)
class ServerSettings:
    """The local Neo4j + OpenGDS server assembled from Maven Central jars."""

    home: Path
    jar_cache: Path
    bolt_port: int = 7687
    heap: str = "4g"
    pagecache: str = "2g"
    start_timeout_s: float = 180.0

    @property
    def jars(self) -> Path:
        return self.jar_cache / f"neo4j-{NEO4J_VERSION}-gds-{GDS_VERSION}"

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"

    @property
    def password_file(self) -> Path:
        return self.home / "password"


@dataclass(frozen=True)
class Neo4jSettings:
    """Where and how the query runner connects."""

    uri: str
    username: str
    password: str = field(repr=False)
    database: str = "neo4j"
    #: True when no NEO4J_URI was given and the project's local server is meant.
    local: bool = False


@dataclass(frozen=True)
class Settings:
    paths: ProjectPaths
    server: ServerSettings
    neo4j: Neo4jSettings


def load_settings(overrides: dict[str, str] | None = None) -> Settings:
    """Read settings from the environment (and ``.env``); ``overrides`` wins over both (used by tests)."""
    env = _environment()
    if overrides:
        env.update(overrides)
    paths = ProjectPaths(home=_home(env))
    server = ServerSettings(
        home=paths.server_home,
        jar_cache=Path(env.get("MP2V_JAR_CACHE", Path.home() / ".cache" / "mp2v" / "jars")).expanduser(),
        bolt_port=_port(env),
        heap=_size(env, "MP2V_HEAP", "4g"),
        pagecache=_size(env, "MP2V_PAGECACHE", "2g"),
    )
    username = env.get("NEO4J_USERNAME") or env.get("NEO4J_USER") or LOCAL_USERNAME
    database = env.get("NEO4J_DATABASE") or "neo4j"
    if env.get("NEO4J_URI"):
        password = env.get("NEO4J_PASSWORD")
        if not password:
            raise ConfigError(
                f"NEO4J_URI is set to {env['NEO4J_URI']} but NEO4J_PASSWORD is not; set NEO4J_PASSWORD "
                "(in the environment or .env), or unset NEO4J_URI to use the local server"
            )
        neo4j = Neo4jSettings(env["NEO4J_URI"], username, password, database, local=False)
    else:
        password = env.get("NEO4J_PASSWORD") or _stored_password(server)
        neo4j = Neo4jSettings(server.uri, username, password, database, local=True)
    return Settings(paths=paths, server=server, neo4j=neo4j)


def _stored_password(server: ServerSettings) -> str:
    """The local server's generated password; empty until ``mp2v db start`` has created it."""
    try:
        return server.password_file.read_text().strip()
    except FileNotFoundError:
        return ""
