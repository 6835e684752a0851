"""The local Neo4j 5.26 Community + OpenGDS 2.13 server: configure, start, wait, stop, status.

The JVM runs ``org.neo4j.server.CommunityEntryPoint`` in the background on 127.0.0.1 only, with the jars
from :mod:`mp2v.ops.jars`. Its state lives in ``ServerSettings.home``::

    conf/neo4j.conf   written on every start (port, memory and folders may change between starts)
    data/ logs/ run/ import/
    run/mp2v-neo4j.pid   the JVM's pid: stop and status use it, never a process name
    password          the generated initial password (created mode 600, never on a command line)

The home folder and ``data/`` are private (mode 700) and the JVMs run with umask 077, so the database files
and ``data/dbms/auth.ini`` are readable by their owner only.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

from mp2v.config import LOCAL_USERNAME, Neo4jSettings, ServerSettings, Settings
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
#: Files and folders of the server home are for their owner only.
PRIVATE_UMASK = 0o077
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


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
        make_private_dir(self.home)
        for folder in ("conf", "data", "logs", "run", "import"):
            make_private_dir(self.home / folder)
        (self.home / "conf" / "neo4j.conf").write_text(neo4j_conf(self.settings, jars))
        if not (self.home / "data" / "databases" / "system").exists():
            self._set_initial_password(jars, initial_password)
        return jars

    def _set_initial_password(self, jars: JarSet, initial_password: str | None) -> None:
        password = initial_password or self._stored_or_new_password()
        if len(password) < MIN_PASSWORD_LENGTH:
            raise ServerError(f"NEO4J_PASSWORD must have at least {MIN_PASSWORD_LENGTH} characters for Neo4j 5")
        if initial_password is None and not self.settings.password_file.exists():
            write_private(self.settings.password_file, password + "\n")
        env = {**os.environ, "NEO4J_HOME": str(self.home), "NEO4J_CONF": str(self.home / "conf")}
        # The admin tool reads the password from its arguments only; picocli expands ``@file`` arguments, so
        # the password goes through a private file instead of the process list (``ps`` shows argv to all).
        with tempfile.TemporaryDirectory(dir=self.home / "run", prefix=".initial-") as tmp:
            argfile = Path(tmp) / "password.args"
            write_private(argfile, argfile_quote(password) + "\n")
            completed = subprocess.run(
                # ``--`` ends the options: a password starting with "-" (1 in 64 generated ones) is the
                # password, not an unknown option (picocli still expands the @-file after it).
                ["java", "-cp", f"{jars.lib}/*", ADMIN_CLASS, "dbms", "set-initial-password", "--", f"@{argfile}"],
                capture_output=True, text=True, env=env, umask=PRIVATE_UMASK,
            )
        if completed.returncode != 0:
            detail = " ".join((completed.stderr or completed.stdout).split())[-300:]
            raise ServerError(f"setting the initial password of {self.home} failed: {detail}; see "
                              "`java -version` (Java 17 or 21 is needed) and re-run `mp2v db start`")

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
                start_new_session=True, cwd=self.home, umask=PRIVATE_UMASK,
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


def start_local(settings: Settings, *, wait: bool = True) -> tuple[Settings, StartResult]:
    """Start the local server and return settings that connect to it, with how the start went.

    The connection must come from the started server: on a fresh home the password is generated by the start,
    so settings read before it (``load_settings``) have none. With ``NEO4J_URI`` set (settings not local) the
    local server is still started, but the settings are returned unchanged.
    """
    server = LocalServer(settings.server)
    given = settings.neo4j.password if settings.neo4j.local else ""
    initial = given if given and not settings.server.password_file.exists() else None
    result = server.start(initial_password=initial, wait=wait)
    if not settings.neo4j.local:
        return settings, result
    connection = replace(server.connection(given or None), database=settings.neo4j.database)
    return replace(settings, neo4j=connection), result


def make_private_dir(path: Path) -> None:
    """Create ``path`` (and parents) and make it owner-only, also when it existed with looser modes."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    if path.stat().st_mode & 0o777 != PRIVATE_DIR_MODE:
        path.chmod(PRIVATE_DIR_MODE)


def write_private(path: Path, text: str) -> None:
    """Create ``path`` owner-only from the start (O_EXCL: never through an existing file or link)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)


def argfile_quote(value: str) -> str:
    """``value`` as one picocli @-file argument: double-quoted, with backslashes and quotes escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


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
