"""Neo4j 5.26 Community + OpenGDS 2.13 jars, resolved once from Maven Central into a cache folder.

Layout of the cache (``ServerSettings.jars``)::

    lib/        Neo4j and every third-party jar
    plugins/    the GDS jars (group org.neo4j.gds), scanned by Neo4j for @Procedure classes
    .complete   written last: its presence means the folder is whole and is never resolved again
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from mp2v.config import ServerSettings
from mp2v.errors import ServerError
from mp2v.resources import resource_path

GDS_GROUP_PREFIX = "org.neo4j.gds."
COMPLETE_MARKER = ".complete"


@dataclass(frozen=True)
class JarSet:
    root: Path

    @property
    def lib(self) -> Path:
        return self.root / "lib"

    @property
    def plugins(self) -> Path:
        return self.root / "plugins"

    @property
    def classpath(self) -> str:
        return f"{self.lib}/*:{self.plugins}/*"

    def is_complete(self) -> bool:
        return (self.root / COMPLETE_MARKER).is_file()


def pom_path() -> Path:
    """The Maven pom that lists Neo4j's and GDS's artifacts (``server/pom.xml``, shipped as package data)."""
    path = resource_path("server", "pom.xml")
    if not path.is_file():
        raise ServerError(f"{path} is missing from this installation; reinstall the mp2v package")
    return path


def ensure_jars(settings: ServerSettings, *, log: bool = True) -> JarSet:
    """Return the cached jars, resolving them with Maven first if the cache is not complete."""
    jars = JarSet(settings.jars)
    if jars.is_complete():
        return jars
    if shutil.which("mvn") is None:
        raise ServerError("Maven (mvn) is not installed; install it (apt-get install maven) to resolve the jars")
    settings.jar_cache.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    if log:
        print(f"Resolving Neo4j + GDS jars from Maven Central into {jars.root} (once) ...", flush=True)
    with tempfile.TemporaryDirectory(dir=settings.jar_cache, prefix=".resolve-") as tmp:
        staging = Path(tmp) / "all"
        command = [
            "mvn", "-B", "-q", "-f", str(pom_path()), "dependency:copy-dependencies",
            "-DincludeScope=runtime", "-Dmdep.prependGroupId=true", f"-DoutputDirectory={staging}",
        ]
        completed = subprocess.run(command, capture_output=True, text=True)
        if completed.returncode != 0:
            tail = (completed.stdout + completed.stderr).strip().splitlines()[-15:]
            raise ServerError("resolving the jars with Maven failed:\n" + "\n".join(tail))
        target = Path(tmp) / "jars"
        (target / "lib").mkdir(parents=True)
        (target / "plugins").mkdir()
        for jar in sorted(staging.glob("*.jar")):
            folder = "plugins" if jar.name.startswith(GDS_GROUP_PREFIX) else "lib"
            jar.rename(target / folder / jar.name)
        if not any((target / "plugins").iterdir()):
            raise ServerError("Maven resolved no GDS jars; check server/pom.xml")
        seconds = time.monotonic() - started
        size = sum(p.stat().st_size for p in target.rglob("*.jar"))
        count = sum(1 for _ in target.rglob("*.jar"))
        (target / COMPLETE_MARKER).write_text(f"jars={count}\nbytes={size}\nseconds={seconds:.1f}\n")
        if jars.root.exists():
            shutil.rmtree(jars.root)  # an incomplete earlier attempt
        target.rename(jars.root)
    if log:
        print(f"Resolved {count} jars ({size / 1e6:.0f} MB) in {seconds:.0f} s.", flush=True)
    return jars
