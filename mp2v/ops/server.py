"""The local Neo4j 5.26 Community + OpenGDS 2.13 server: configure, start, wait, stop, status.

The JVM runs ``org.neo4j.server.CommunityEntryPoint`` in the background on 127.0.0.1 only, with the jars
from :mod:`mp2v.ops.jars`. Its state lives in ``ServerSettings.home``::

    conf/neo4j.conf   written on every start (port, memory and folders may change between starts)
    data/ logs/ run/ import/
    run/mp2v-neo4j.pid   the JVM's pid: stop and status use it, never a process name
    password          the generated initial password (mode 600)
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from mp2v.config import LOCAL_USERNAME, Neo4jSettings, ServerSettings
from mp2v.errors import ServerError
from mp2v.ops.jars import JarSet, ensure_jars

MAIN_CLASS = "org.neo4j.server.CommunityEntryPoint"
ADMIN_CLASS = "org.neo4j.cli.AdminTool"
# The flags Neo4j's own launcher adds (see bin/neo4j); the server misbehaves on Java 17+ without them.
JVM_FLAGS = [
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "--enable-native-access=ALL-UNNAMED",
    "-XX:+UseG1GC",
    "-XX:+ExitOnOutOfMemoryError",
    "-Dfile.encoding=UTF-8",
]
MIN_PASSWORD_LENGTH = 8


@dataclass(frozen=True)
class StartResult:
    pid: int
    already_running: bool
    seconds: float


def neo4j_conf(settings: ServerSettings, jars: JarSet) -> str:
    """The server configuration: loopback only, Bolt only, GDS procedures allowed, memory as configured."""
    home = settings.home
    lines = {
        "server.default_listen_address": "127.0.0.1",
        "server.default_advertised_address": "127.0.0.1",
        "server.bolt.listen_address": f"127.0.0.1:{settings.bolt_port}",
        "server.bolt.advertised_address": f"127.0.0.1:{settings.bolt_port}",
        "server.http.enabled": "false",
        "server.https.enabled": "false",
        "server.directories.data": str(home / "data"),
        "server.directories.logs": str(home / "logs"),
        "server.directories.run": str(home / "run"),
        "server.directories.import": str(home / "import"),
        "server.directories.plugins": str(jars.plugins),
        "server.directories.transaction.logs.root": str(home / "data" / "transactions"),
        "server.memory.pagecache.size": settings.pagecache,
        "dbms.security.procedures.unrestricted": "gds.*",
        "dbms.usage_report.enabled": "false",
        # Bulk loads write many transactions; keep the logs bounded on small disks.
        "db.tx_log.rotation.retention_policy": "2 files",
        # Netty's 5 s quiet period per event loop group made a clean stop take 14 s here; with 1 s, 6 s.
        "internal.dbms.bolt.netty_server_shutdown_quiet_period": "1",
    }
    return "".join(f"{key}={value}\n" for key, value in lines.items())


class LocalServer:
    """Start, stop and inspect the project's own server. Safe to call from several processes in turn."""

    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        self.home = settings.home
        self.pid_file = self.home / "run" / "mp2v-neo4j.pid"
        self.console_log = self.home / "logs" / "console.log"

    # -- state -----------------------------------------------------------------------------------
    def pid(self) -> int | None:
        """The running server's pid from the pid file, or None (a stale pid file is removed)."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        if self._is_our_process(pid):
            return pid
        self.pid_file.unlink(missing_ok=True)
        return None

    def _is_our_process(self, pid: int) -> bool:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            return False
        return MAIN_CLASS.encode() in cmdline and f"--home-dir={self.home}".encode() in cmdline

    def connection(self, password: str | None = None) -> Neo4jSettings:
        return Neo4jSettings(
            self.settings.uri, LOCAL_USERNAME, password or self.password(), "neo4j", local=True
        )

    def password(self) -> str:
        try:
            return self.settings.password_file.read_text().strip()
        except FileNotFoundError:
            raise ServerError(
                f"the local server has no password yet ({self.settings.password_file}); run `mp2v db start`"
            ) from None

    # -- setup -----------------------------------------------------------------------------------
    def prepare(self, initial_password: str | None = None) -> JarSet:
        """Resolve jars (once), write the configuration, set the initial password before the first start."""
        jars = ensure_jars(self.settings)
        for folder in ("conf", "data", "logs", "run", "import"):
            (self.home / folder).mkdir(parents=True, exist_ok=True)
        (self.home / "conf" / "neo4j.conf").write_text(neo4j_conf(self.settings, jars))
        if not (self.home / "data" / "databases" / "system").exists():
            self._set_initial_password(jars, initial_password)
        return jars

    def _set_initial_password(self, jars: JarSet, initial_password: str | None) -> None:
        password = initial_password or self._stored_or_new_password()
        if len(password) < MIN_PASSWORD_LENGTH:
            raise ServerError(f"NEO4J_PASSWORD must have at least {MIN_PASSWORD_LENGTH} characters for Neo4j 5")
        if initial_password is None:
            self.settings.password_file.write_text(password + "\n")
            self.settings.password_file.chmod(0o600)
        env = {**os.environ, "NEO4J_HOME": str(self.home), "NEO4J_CONF": str(self.home / "conf")}
        completed = subprocess.run(
            ["java", "-cp", f"{jars.lib}/*", ADMIN_CLASS, "dbms", "set-initial-password", password],
            capture_output=True, text=True, env=env,
        )
        if completed.returncode != 0:
            raise ServerError("setting the initial password failed: " + (completed.stderr or completed.stdout))

    def _stored_or_new_password(self) -> str:
        try:
            return self.password()
        except ServerError:
            return secrets.token_urlsafe(18)

    # -- start / stop ----------------------------------------------------------------------------
    def start(self, initial_password: str | None = None, *, wait: bool = True) -> StartResult:
        """Start the JVM in the background and wait until Bolt accepts our credentials."""
        running = self.pid()
        if running is not None:
            # It may have been started a moment ago by another command and still be opening Bolt.
            started = time.monotonic()
            if wait:
                self._wait_for_bolt(running, initial_password)
            return StartResult(pid=running, already_running=True, seconds=time.monotonic() - started)
        if _port_open(self.settings.bolt_port):
            raise ServerError(
                f"port {self.settings.bolt_port} on 127.0.0.1 is in use by another process; stop it or set "
                "MP2V_BOLT_PORT to a free port"
            )
        jars = self.prepare(initial_password)
        command = [
            "java", f"-Xms{min_size(self.settings.heap, '512m')}", f"-Xmx{self.settings.heap}", *JVM_FLAGS,
            "-cp", jars.classpath, MAIN_CLASS,
            f"--home-dir={self.home}", f"--config-dir={self.home / 'conf'}", "--console-mode",
        ]
        started = time.monotonic()
        with open(self.console_log, "ab") as log:
            process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True, cwd=self.home,
            )
        self.pid_file.write_text(f"{process.pid}\n")
        if wait:
            self._wait_for_bolt(process.pid, initial_password, process)
        return StartResult(pid=process.pid, already_running=False, seconds=time.monotonic() - started)

    def _wait_for_bolt(
        self, pid: int, password: str | None, process: subprocess.Popen[bytes] | None = None
    ) -> None:
        """Wait until Bolt accepts our credentials; ``process`` is given when this command started the JVM."""
        from mp2v.db.check import wait_until_ready

        deadline = time.monotonic() + self.settings.start_timeout_s
        while time.monotonic() < deadline:
            exited = process.poll() is not None if process is not None else not self._is_our_process(pid)
            if exited:
                self.pid_file.unlink(missing_ok=True)
                code = f" (code {process.returncode})" if process is not None else ""
                raise ServerError(f"Neo4j exited during start{code}:\n{self.log_tail()}")
            if _port_open(self.settings.bolt_port):
                break
            time.sleep(0.25)
        else:
            raise ServerError(f"Neo4j did not open Bolt within {self.settings.start_timeout_s:.0f} s:\n"
                              f"{self.log_tail()}")
        wait_until_ready(self.connection(password), timeout_s=max(5.0, deadline - time.monotonic()))

    def stop(self, timeout_s: float = 90.0) -> bool:
        """Stop the server by its pid (SIGTERM, then SIGKILL after ``timeout_s``). False if it was not running."""
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and self._is_our_process(pid):
            _reap(pid)
            time.sleep(0.2)
        if self._is_our_process(pid):
            os.kill(pid, signal.SIGKILL)
            while self._is_our_process(pid):
                _reap(pid)
                time.sleep(0.1)
        self.pid_file.unlink(missing_ok=True)
        return True

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.console_log.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no console log)"


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _reap(pid: int) -> None:
    """Collect the exit status if the server is our child (the CLI may have started it in this process)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def min_size(a: str, b: str) -> str:
    """The smaller of two memory sizes written like ``4g`` / ``512m``."""
    return a if _bytes(a) <= _bytes(b) else b


def _bytes(size: str) -> int:
    units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    suffix = size[-1].lower()
    return int(size[:-1]) * units[suffix] if suffix in units else int(size)
