"""``mp2v-base:bookworm``: a Debian root file system from ``debootstrap`` imported with ``docker import``.

No image registry is reachable here, so the base both project images start from is built from the Debian
mirror apt already uses (:func:`apt_mirror`). It is built once and reused (``docs/docker.md``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from mp2v.errors import ServerError
from mp2v.ops.docker_cli import docker_env, image_exists, require_engine

BASE_TAG = "mp2v-base:bookworm"
SUITE = "bookworm"
BASE_LABEL = "mp2v.base"
BASE_PACKAGES = ("openjdk-17-jre-headless", "python3", "python3-venv", "ca-certificates")
# An imported image has no environment at all; Dockerfiles that say ENV PATH=...:$PATH need this one.
IMAGE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#: Certificates added to this host's trust store the Debian way; copied into the base image.
LOCAL_CA_DIR = Path("/usr/local/share/ca-certificates")


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
            stdin=tar.stdout, capture_output=True, text=True, env=docker_env(),
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
