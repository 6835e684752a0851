"""The ``docker`` CLI, as the image builds and the test container use it.

Docker is driven through the CLI rather than an SDK: the CLI negotiates the API version with old daemons by
itself, and no Python Docker client is installed by default.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Sequence

from mp2v.errors import ServerError

CLI_HINT = "run `.ci/docker-engine start` (it installs docker.io with apt-get and starts dockerd)"
ENGINE_HINT = "start one with `.ci/docker-engine start` (installs docker.io and runs dockerd on loopback only)"


def docker_env() -> dict[str, str]:
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
            ["docker", *args], capture_output=True, text=True, env=docker_env(), timeout=timeout_s
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
