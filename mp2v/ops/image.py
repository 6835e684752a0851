"""Docker images built without any image registry (none is reachable here): see ``docs/docker.md``.

1. ``mp2v-base:bookworm``: a Debian root file system from ``debootstrap`` (OpenJDK 17, Python 3) imported
   with ``docker import`` (:mod:`mp2v.ops.base_image`); built once, reused by both images.
2. ``mp2v-neo4j-gds:<neo4j>-<gds>``: ``docker/Dockerfile`` + ``docker/entrypoint.sh`` and the cached Maven jars.
3. ``mp2v-app:latest``: ``docker/app.Dockerfile``, the project installed with pip into a venv.

Docker is driven through the ``docker`` CLI (:mod:`mp2v.ops.docker_cli`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from mp2v.config import GDS_VERSION, NEO4J_VERSION, Settings, checkout_root
from mp2v.errors import ServerError
from mp2v.ops.base_image import BASE_LABEL, ensure_base_image
from mp2v.ops.docker_cli import docker, image_size, require_engine
from mp2v.ops.jars import ensure_jars
from mp2v.resources import resource_path

IMAGE_TAG = f"mp2v-neo4j-gds:{NEO4J_VERSION}-{GDS_VERSION}"
APP_TAG = "mp2v-app:latest"


@dataclass(frozen=True)
class ImageBuildResult:
    """What one build did and how long each part took (``base_seconds`` is 0 when the base was reused)."""

    tag: str
    base_seconds: float
    image_seconds: float
    size_bytes: int
    base_built: bool = False
    debootstrap_seconds: float = 0.0
    import_seconds: float = 0.0


# -- where things are --------------------------------------------------------------------------------------
def docker_dir() -> Path:
    """The image's Dockerfiles and entrypoint (``docker/``, shipped as package data)."""
    path = resource_path("docker")
    if not (path / "Dockerfile").is_file():
        raise ServerError(f"{path}/Dockerfile is missing from this installation; reinstall the mp2v package")
    return path


# -- project images ----------------------------------------------------------------------------------------
def _link_tree(source: Path, target: Path) -> None:
    """Hard-link ``source`` into ``target`` (copy across file systems); skips caches and dot files."""
    target.mkdir(parents=True, exist_ok=True)
    for entry in source.iterdir():
        if entry.name.startswith(".") or entry.name == "__pycache__":
            continue
        if entry.is_dir():
            _link_tree(entry, target / entry.name)
        else:
            _link_file(entry, target / entry.name)


def _link_file(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _docker_build(context: Path, tag: str, dockerfile: str, labels: dict[str, str], log: bool) -> float:
    """``docker build --network host`` (RUN steps reach the package registries through the host)."""
    if log:
        print(f"Building {tag} ...", flush=True)
    label_args = [arg for key, value in labels.items() for arg in ("--label", f"{key}={value}")]
    started = time.monotonic()
    # --force-rm: a failed RUN step must not leave its container (and so its image) behind.
    command = ["build", "--network", "host", "--force-rm", "-t", tag, "-f", str(context / dockerfile)]
    docker([*command, *label_args, str(context)])
    seconds = time.monotonic() - started
    # A rebuild leaves the previous image untagged; drop such leftovers of ours (never one in use).
    for key in (*labels, BASE_LABEL):
        docker(["image", "prune", "--force", "--filter", f"label={key}"], check=False)
    return seconds


def build_image(settings: Settings, *, tag: str = IMAGE_TAG, rebuild_base: bool = False,
                log: bool = True) -> ImageBuildResult:
    """Build the Neo4j + OpenGDS image from the cached jars (resolving them and the base image if needed)."""
    require_engine()
    jars = ensure_jars(settings.server, log=log)
    source = docker_dir()
    built, debootstrap_s, import_s = ensure_base_image(rebuild=rebuild_base, log=log)
    # Same file system as the jar cache, so the jars are hard links rather than 130 MB of copies.
    with tempfile.TemporaryDirectory(dir=settings.server.jar_cache, prefix=".docker-context-") as tmp:
        context = Path(tmp)
        shutil.copyfile(source / "Dockerfile", context / "Dockerfile")
        # Copied, not linked: a wheel install may have dropped the executable bit, and COPY keeps the mode.
        shutil.copyfile(source / "entrypoint.sh", context / "entrypoint.sh")
        (context / "entrypoint.sh").chmod(0o755)
        _link_tree(jars.lib, context / "lib")
        _link_tree(jars.plugins, context / "plugins")
        labels = {"mp2v.neo4j.version": NEO4J_VERSION, "mp2v.gds.version": GDS_VERSION}
        image_s = _docker_build(context, tag, "Dockerfile", labels, log)
    return ImageBuildResult(
        tag=tag, base_seconds=debootstrap_s + import_s, image_seconds=image_s, size_bytes=image_size(tag),
        base_built=built, debootstrap_seconds=debootstrap_s, import_seconds=import_s,
    )


def _app_sources(root: Path) -> list[str]:
    """What a wheel build needs: pyproject.toml, the readme, the packages and the force-included paths."""
    project = tomllib.loads((root / "pyproject.toml").read_text())
    wheel = project.get("tool", {}).get("hatch", {}).get("build", {}).get("targets", {}).get("wheel", {})
    readme = project.get("project", {}).get("readme")
    names = ["pyproject.toml", *([readme] if isinstance(readme, str) else [])]
    names += list(wheel.get("packages", [])) + list(wheel.get("force-include", {}).keys())
    return names


def build_app_image(settings: Settings, *, tag: str = APP_TAG, rebuild_base: bool = False,
                    log: bool = True) -> ImageBuildResult:
    """Build the application image (the project pip-installed in a venv) from a source checkout."""
    require_engine()
    root = checkout_root()
    if root is None:
        raise ServerError("the app image is built from a source checkout (pyproject.toml); run it from one")
    dockerfile = docker_dir() / "app.Dockerfile"
    if not dockerfile.is_file():
        raise ServerError(f"{dockerfile} is missing")
    built, debootstrap_s, import_s = ensure_base_image(rebuild=rebuild_base, log=log)
    # A minimal context: the checkout also holds .venv and .mp2v (gigabytes) that must not be sent.
    with tempfile.TemporaryDirectory(prefix="mp2v-app-context-") as tmp:
        context = Path(tmp)
        for name in _app_sources(root):
            path = root / name
            if path.is_dir():
                _link_tree(path, context / name)
            elif path.is_file():
                _link_file(path, context / name)
        shutil.copyfile(dockerfile, context / "app.Dockerfile")
        image_s = _docker_build(context, tag, "app.Dockerfile", {"mp2v.app": "true"}, log)
    return ImageBuildResult(
        tag=tag, base_seconds=debootstrap_s + import_s, image_seconds=image_s, size_bytes=image_size(tag),
        base_built=built, debootstrap_seconds=debootstrap_s, import_seconds=import_s,
    )
