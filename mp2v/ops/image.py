"""Docker images built without any image registry (none is reachable here): see ``docs/docker.md``.

1. ``mp2v-base:bookworm``: a Debian root file system from ``debootstrap`` (OpenJDK 17, Python 3) imported
   with ``docker import``; built once, reused by both images.
2. ``mp2v-neo4j-gds:<neo4j>-<gds>``: ``docker/Dockerfile`` + ``docker/entrypoint.sh`` and the cached Maven jars.
3. ``mp2v-app:latest``: ``docker/app.Dockerfile``, the project installed with pip into a venv.

Docker is driven through the ``docker`` CLI (it negotiates the API version with old daemons by itself).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mp2v.config import GDS_VERSION, NEO4J_VERSION, Settings, checkout_root
from mp2v.errors import ServerError
from mp2v.ops.jars import ensure_jars
from mp2v.resources import resource_path

IMAGE_TAG = f"mp2v-neo4j-gds:{NEO4J_VERSION}-{GDS_VERSION}"
BASE_TAG = "mp2v-base:bookworm"
APP_TAG = "mp2v-app:latest"
SUITE = "bookworm"
BASE_LABEL = "mp2v.base"
BASE_PACKAGES = ("openjdk-17-jre-headless", "python3", "python3-venv", "ca-certificates")
# An imported image has no environment at all; Dockerfiles that say ENV PATH=...:$PATH need this one.
IMAGE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#: Certificates added to this host's trust store the Debian way; copied into the base image.
LOCAL_CA_DIR = Path("/usr/local/share/ca-certificates")
CLI_HINT = "run `.ci/docker-engine start` (it installs docker.io with apt-get and starts dockerd)"
ENGINE_HINT = "start one with `.ci/docker-engine start` (installs docker.io and runs dockerd on loopback only)"


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


# -- the docker CLI ----------------------------------------------------------------------------------------
def _docker_env() -> dict[str, str]:
    # The legacy builder: the 28.x client has no buildx plugin here, and BuildKit would demand it.
    return {**os.environ, "DOCKER_BUILDKIT": "0"}


def docker(
    args: Sequence[str], *, timeout_s: float | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run ``docker ARGS`` and capture its output; raise ServerError with its message when it fails."""
    if shutil.which("docker") is None:
        raise ServerError(f"the docker CLI is not installed; {CLI_HINT}")
    try:
        completed = subprocess.run(
            ["docker", *args], capture_output=True, text=True, env=_docker_env(), timeout=timeout_s
        )
    except subprocess.TimeoutExpired:
        raise ServerError(f"`docker {' '.join(args[:2])}` did not answer within {timeout_s:.0f} s") from None
    if completed.returncode != 0 and _api_too_new(completed.stderr):
        # A client newer than the daemon that does not negotiate: pin the daemon's maximum version.
        match = re.search(r"[Mm]aximum supported API version is ([0-9.]+)", completed.stderr)
        if match:
            os.environ["DOCKER_API_VERSION"] = match.group(1)
            return docker(args, timeout_s=timeout_s, check=check)
    if check and completed.returncode != 0:
        tail = "\n".join((completed.stdout + completed.stderr).strip().splitlines()[-20:])
        raise ServerError(f"`docker {' '.join(args[:2])}` failed:\n{tail}")
    return completed


def _api_too_new(stderr: str) -> bool:
    return "client version" in stderr and "too new" in stderr and "DOCKER_API_VERSION" not in os.environ


def docker_engine_answers(timeout_s: float = 3.0) -> bool:
    """True when a Docker engine answers ``docker info`` within ``timeout_s``."""
    try:
        return docker(["info", "--format", "{{.ServerVersion}}"], timeout_s=timeout_s, check=False).returncode == 0
    except ServerError:
        return False


def require_engine() -> None:
    """Raise ServerError (saying what to run) unless the docker CLI is installed and an engine answers."""
    if shutil.which("docker") is None:
        raise ServerError(f"the docker CLI is not installed; {CLI_HINT}")
    if not docker_engine_answers(timeout_s=10.0):
        raise ServerError(f"no Docker engine answers `docker info`; {ENGINE_HINT}")


def image_exists(tag: str) -> bool:
    """True when the engine has an image with this tag (False too when no engine answers)."""
    try:
        return docker(["image", "inspect", "--format", "{{.Id}}", tag], timeout_s=10.0, check=False).returncode == 0
    except ServerError:
        return False


def image_size(tag: str) -> int:
    """The image's size in bytes as ``docker images`` reports it (all its layers)."""
    return int(docker(["image", "inspect", "--format", "{{.Size}}", tag], timeout_s=30.0).stdout.strip())


# -- where things are --------------------------------------------------------------------------------------
def docker_dir() -> Path:
    """The image's Dockerfiles and entrypoint (``docker/``, shipped as package data)."""
    path = resource_path("docker")
    if not (path / "Dockerfile").is_file():
        raise ServerError(f"{path}/Dockerfile is missing from this installation; reinstall the mp2v package")
    return path


def apt_mirror(etc_apt: Path = Path("/etc/apt")) -> str:
    """The Debian mirror apt uses for ``bookworm`` main (``MP2V_DEBIAN_MIRROR`` overrides it).

    Reads one-line ``sources.list`` / ``*.list`` entries and deb822 ``*.sources`` stanzas, in apt's order.
    """
    if os.environ.get("MP2V_DEBIAN_MIRROR"):
        return os.environ["MP2V_DEBIAN_MIRROR"]
    files = [etc_apt / "sources.list"]
    parts = etc_apt / "sources.list.d"
    if parts.is_dir():
        files += sorted(p for p in parts.iterdir() if p.suffix in (".list", ".sources"))
    for path in files:
        if not path.is_file():
            continue
        text = path.read_text(errors="replace")
        entries = _deb822_entries(text) if path.suffix == ".sources" else _one_line_entries(text)
        for uri, suites, components in entries:
            if SUITE in suites and "main" in components and uri.startswith(("http://", "https://", "file:")):
                return uri
    raise ServerError(
        f"no Debian {SUITE} main mirror found in {etc_apt}/sources.list(.d); set MP2V_DEBIAN_MIRROR "
        "(e.g. http://deb.debian.org/debian)"
    )


def _one_line_entries(text: str) -> list[tuple[str, list[str], list[str]]]:
    entries = []
    for raw in text.splitlines():
        words = re.sub(r"\[[^]]*\]", " ", raw.split("#", 1)[0]).split()  # drop [options] and comments
        if len(words) >= 4 and words[0] == "deb":
            entries.append((words[1], [words[2]], words[3:]))
    return entries


def _deb822_entries(text: str) -> list[tuple[str, list[str], list[str]]]:
    entries = []
    for stanza in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        for line in stanza.splitlines():
            if line.startswith("#") or ":" not in line or line[:1].isspace():
                continue
            key, value = line.split(":", 1)
            fields[key.strip().lower()] = value.strip()
        if "deb" not in fields.get("types", "").split() or fields.get("enabled", "yes").lower() == "no":
            continue
        for uri in fields.get("uris", "").split():
            entries.append((uri, fields.get("suites", "").split(), fields.get("components", "").split()))
    return entries


# -- the base image ----------------------------------------------------------------------------------------
def ensure_base_image(*, rebuild: bool = False, log: bool = True) -> tuple[bool, float, float]:
    """Build ``mp2v-base:bookworm`` with debootstrap + docker import unless it exists.

    Returns (built, debootstrap seconds, import seconds).
    """
    require_engine()
    if not rebuild and image_exists(BASE_TAG):
        return False, 0.0, 0.0
    # /usr/sbin is not on a non-root PATH; the root check below gives the better message then.
    debootstrap = shutil.which("debootstrap") or shutil.which("debootstrap", path="/usr/sbin:/sbin")
    if debootstrap is None:
        raise ServerError(
            "debootstrap is not installed; run `.ci/docker-engine start` (or apt-get install debootstrap)"
        )
    if os.geteuid() != 0:
        raise ServerError("debootstrap needs root to build the base image; run `mp2v db image` as root once")
    mirror = apt_mirror()
    tmp = Path(tempfile.mkdtemp(prefix="mp2v-rootfs-"))
    rootfs = tmp / "rootfs"
    try:
        if log:
            print(f"Building {BASE_TAG} with debootstrap from {mirror} (about a minute) ...", flush=True)
        started = time.monotonic()
        command = [
            debootstrap, "--variant=minbase", f"--include={','.join(BASE_PACKAGES)}", SUITE, str(rootfs), mirror,
        ]
        with open(tmp / "debootstrap.out", "w") as out:
            completed = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        if completed.returncode != 0:
            tail = (tmp / "debootstrap.out").read_text(errors="replace").strip().splitlines()[-15:]
            raise ServerError("debootstrap failed:\n" + "\n".join(tail))
        debootstrap_s = time.monotonic() - started
        _add_local_ca_certificates(rootfs)
        _trim_rootfs(rootfs)
        started = time.monotonic()
        _import_rootfs(rootfs, BASE_TAG)
        import_s = time.monotonic() - started
    finally:
        _unmount_under(tmp)  # a failed debootstrap can leave proc/sys mounted inside the tree
        shutil.rmtree(tmp, ignore_errors=True)
    return True, debootstrap_s, import_s


def _add_local_ca_certificates(rootfs: Path, source: Path = LOCAL_CA_DIR) -> None:
    """Trust the CAs this host added locally (a TLS-intercepting proxy's, say): without them, pip inside
    `docker build` fails with CERTIFICATE_VERIFY_FAILED where the host's pip works."""
    certs = sorted(source.rglob("*.crt")) if source.is_dir() else []
    if not certs:
        return
    for cert in certs:
        target = rootfs / "usr/local/share/ca-certificates" / cert.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cert, target)
    completed = subprocess.run(["chroot", str(rootfs), "update-ca-certificates"], capture_output=True, text=True)
    if completed.returncode != 0:
        raise ServerError("update-ca-certificates in the base image failed: " + (completed.stderr or completed.stdout))


def _trim_rootfs(rootfs: Path) -> None:
    """Drop downloaded packages and indexes: nobody runs apt-get inside these images."""
    for pattern in ("var/cache/apt/archives/*.deb", "var/cache/apt/*.bin", "var/lib/apt/lists/*_*"):
        for path in rootfs.glob(pattern):
            path.unlink(missing_ok=True)


def _import_rootfs(rootfs: Path, tag: str) -> None:
    tar = subprocess.Popen(["tar", "--numeric-owner", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
    try:
        imported = subprocess.run(
            ["docker", "import", "--change", "ENV LANG=C.UTF-8", "--change", f"ENV PATH={IMAGE_PATH}",
             "--change", 'CMD ["/bin/bash"]', "--change", f"LABEL {BASE_LABEL}={SUITE}",
             "--message", f"debootstrap --variant=minbase {SUITE} + {' '.join(BASE_PACKAGES)}", "-", tag],
            stdin=tar.stdout, capture_output=True, text=True, env=_docker_env(),
        )
    finally:
        assert tar.stdout is not None
        tar.stdout.close()
        tar.wait()
    if tar.returncode != 0 or imported.returncode != 0:
        raise ServerError(f"importing the root file system as {tag} failed: {imported.stderr.strip()}")


def _unmount_under(path: Path) -> None:
    prefix = str(path.resolve()) + "/"
    try:
        mounts = [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()]
    except OSError:
        return
    for mount_point in sorted((m for m in mounts if m.startswith(prefix)), key=len, reverse=True):
        subprocess.run(["umount", "-l", mount_point], capture_output=True)


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
