"""Install, start, stop and inspect a local Neo4j Community server.

Maven Central carries the Neo4j 5.26 jars but not the distribution tarball (the
``neo4j-community-standalone`` artifact there is a bare pom), so the project resolves
the runtime dependencies of ``org.neo4j:neo4j`` with Maven into ``.neo4j/<version>/lib``
and starts ``org.neo4j.server.CommunityEntryPoint`` with the JVM flags the official
launcher uses. The server listens on 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from fraudrings.graph.errors import GraphError, GraphUnavailable
from fraudrings.graph.gateway import set_initial_password

ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
# neo4j-admin: the same jars hold its commands (dump, load, check, and the offline importer
# ``database import full`` from neo4j-import-tool, found by AdminTool as a CommandProvider).
ADMIN_TOOL = "org.neo4j.cli.AdminTool"

# The flags the official launcher (neo4j.conf's server.jvm.additional defaults) passes.
JVM_FLAGS = [
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+AlwaysPreTouch",
    "-XX:+UnlockExperimentalVMOptions",
    "-XX:+TrustFinalNonStaticFields",
    "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Djdk.tls.ephemeralDHKeySize=2048",
    "-Djdk.tls.rejectClientInitiatedRenegotiation=true",
    "-XX:FlightRecorderOptions=stackdepth=256",
    "-XX:+UnlockDiagnosticVMOptions",
    "-XX:+DebugNonSafepoints",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "-Dlog4j2.disable.jmx=true",
    "-Dfile.encoding=UTF-8",
]


class ServerError(GraphError):
    """The local server could not be installed, started or stopped."""


@dataclass
class ImportResult:
    seconds: float
    peak_rss_kib: int
    summary: dict[str, int]
    log: Path


@dataclass
class ServerStatus:
    running: bool
    pid: int | None
    bolt_port: int
    http_port: int
    version: str
    home: Path
    installed: bool

    def describe(self) -> str:
        state = f"running (pid {self.pid})" if self.running else "not running"
        inst = "installed" if self.installed else "not installed"
        return (
            f"Neo4j {self.version} ({inst}) {state}; bolt 127.0.0.1:{self.bolt_port}, "
            f"http 127.0.0.1:{self.http_port}; instance {self.home}"
        )

    def as_dict(self) -> dict[str, object]:
        """The status as ``fraudrings neo4j status --json`` prints it."""
        return {
            "running": self.running,
            "pid": self.pid,
            "bolt_port": self.bolt_port,
            "http_port": self.http_port,
            "version": self.version,
            "installed": self.installed,
            "home": str(self.home),
        }


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def java_major(java: str = "java") -> int | None:
    exe = shutil.which(java)
    if not exe:
        return None
    out = subprocess.run([exe, "-version"], capture_output=True, text=True).stderr
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    if not m:
        return None
    major = int(m.group(1))
    return int(m.group(2) or 0) if major == 1 else major


def port_open(port: int, host: str = "127.0.0.1", timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie counts as dead.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return True


def wait_port_closed(port: int, timeout: float = 30.0) -> bool:
    """Wait until nothing answers on ``port``; True when it closed in time.

    A killed JVM can show its main thread as a zombie while its other threads are still
    tearing down and its sockets are still open, so a dead pid is not yet a free port.
    """
    deadline = time.monotonic() + timeout
    while port_open(port, timeout=0.2):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.2)
    return True


def _is_our_server(pid: int) -> bool:
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return False
    return ENTRY_POINT in cmd


class LocalServer:
    """A Neo4j Community server that lives in ``<neo4j_home>/<version>``."""

    def __init__(self, settings: object) -> None:
        s = settings
        self.settings = s
        self.version: str = s.neo4j_version  # type: ignore[attr-defined]
        self.root = Path(s.neo4j_home).resolve()  # type: ignore[attr-defined]
        self.instance: str = s.neo4j_instance  # type: ignore[attr-defined]
        # Jars are shared by every instance; data, logs and config are per instance.
        self.dist = self.root / "dist" / self.version
        self.lib = self.dist / "lib"
        self.home = self.root / "instances" / self.instance
        self.conf_dir = self.home / "conf"
        self.logs = self.home / "logs"
        self.pid_file = self.home / "run" / "neo4j.pid"
        self.bolt_port: int = s.neo4j_bolt_port  # type: ignore[attr-defined]
        self.http_port: int = s.neo4j_http_port  # type: ignore[attr-defined]

    # -- install -----------------------------------------------------------------------
    @property
    def installed(self) -> bool:
        return (self.lib / ".complete").is_file()

    def check_prerequisites(self, need_maven: bool) -> None:
        major = java_major()
        if major is None:
            raise ServerError(
                "Java is not installed. Neo4j 5.26 needs Java 17 or 21: "
                "`apt-get install openjdk-17-jre-headless` (Debian/Ubuntu), "
                "or run Neo4j from docker-compose.yml instead."
            )
        if major < 17:
            raise ServerError(
                f"Java {major} found; Neo4j 5.26 needs Java 17 or 21: "
                "`apt-get install openjdk-17-jre-headless`, or use docker-compose.yml."
            )
        if need_maven and not shutil.which("mvn"):
            raise ServerError(
                "Maven is not installed; it fetches the Neo4j jars from Maven Central: "
                "`apt-get install maven`, or run Neo4j from docker-compose.yml instead."
            )

    def install(self, quiet: bool = False) -> None:
        if self.installed:
            return
        self.check_prerequisites(need_maven=True)
        self.dist.mkdir(parents=True, exist_ok=True)
        pom = self.dist / "pom.xml"
        pom.write_text(
            resources.files("fraudrings.graph").joinpath("neo4j/pom.xml").read_text("utf-8")
        )
        tmp = self.dist / "lib.partial"
        shutil.rmtree(tmp, ignore_errors=True)
        _say(f"Installing Neo4j Community {self.version} from Maven Central into {self.lib} ...")
        cmd = [
            "mvn",
            "-B",
            "-f",
            str(pom),
            f"-Dneo4j.version={self.version}",
            "-Dmdep.includeScope=runtime",
            "dependency:copy-dependencies",
            f"-DoutputDirectory={tmp}",
            "-Dtransitive=true",
        ]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert proc.stdout is not None
        n = 0
        tail: list[str] = []
        for line in proc.stdout:
            tail = [*tail[-30:], line.rstrip()]
            if "Downloaded from" in line or "Copying" in line:
                n += 1
                if not quiet and n % 10 == 0:
                    _say(f"  ... {n} artifacts")
        if proc.wait() != 0:
            raise ServerError("Maven could not fetch Neo4j:\n" + "\n".join(tail))
        jars = list(tmp.glob("*.jar"))
        if not any(j.name.startswith(f"neo4j-{self.version}") for j in jars):
            raise ServerError(f"Maven finished but no neo4j-{self.version}.jar in {tmp}")
        shutil.rmtree(self.lib, ignore_errors=True)
        tmp.rename(self.lib)
        (self.lib / ".complete").write_text(f"{len(jars)} jars\n")
        _say(f"Installed {len(jars)} jars.")

    # -- configuration -----------------------------------------------------------------
    def write_config(self) -> Path:
        s = self.settings
        self.conf_dir.mkdir(parents=True, exist_ok=True)
        (self.home / "import").mkdir(exist_ok=True)
        conf = self.conf_dir / "neo4j.conf"
        lines = [
            "# Written by fraudrings on every start; edit the settings, not this file.",
            "server.default_listen_address=127.0.0.1",
            "server.default_advertised_address=127.0.0.1",
            f"server.bolt.listen_address=127.0.0.1:{self.bolt_port}",
            f"server.http.listen_address=127.0.0.1:{self.http_port}",
            "server.https.enabled=false",
            "dbms.security.auth_enabled=true",
            "dbms.usage_report.enabled=false",
            f"server.memory.heap.initial_size={s.neo4j_heap}",  # type: ignore[attr-defined]
            f"server.memory.heap.max_size={s.neo4j_heap}",  # type: ignore[attr-defined]
            f"server.memory.pagecache.size={s.neo4j_pagecache}",  # type: ignore[attr-defined]
            f"db.transaction.timeout={s.neo4j_tx_timeout}",  # type: ignore[attr-defined]
            f"db.memory.transaction.total.max={s.neo4j_tx_memory_max}",  # type: ignore[attr-defined]
            f"server.directories.import={self.home / 'import'}",
            "dbms.security.allow_csv_import_from_file_urls=true",
            "db.tx_log.rotation.retention_policy=2 files",
            "db.logs.query.enabled=OFF",
        ]
        if getattr(s, "tls", False):  # Bolt over TLS only (FRAUDRINGS_TLS, FRAUDRINGS_TLS_DIR)
            tls_dir = Path(s.tls_dir).resolve()  # type: ignore[attr-defined]
            lines += [
                "dbms.ssl.policy.bolt.enabled=true",
                f"dbms.ssl.policy.bolt.base_directory={tls_dir}",
                "dbms.ssl.policy.bolt.private_key=key.pem",
                "dbms.ssl.policy.bolt.public_certificate=cert.pem",
                "dbms.ssl.policy.bolt.client_auth=NONE",
                "server.bolt.tls_level=REQUIRED",
            ]
        conf.write_text("\n".join(lines) + "\n")
        return conf

    # -- neo4j-admin ---------------------------------------------------------------------
    def admin_cmd(self, *args: str, heap: str | None = None) -> tuple[list[str], dict[str, str]]:
        """Command line and environment of a ``neo4j-admin`` command on this instance's
        files (its neo4j.conf, written here, names the data folder)."""
        self.write_config()
        jvm = [f"-Xmx{heap}"] if heap else []
        jvm += [f for f in JVM_FLAGS if f != "-XX:+AlwaysPreTouch"] if heap else []
        cmd = ["java", *jvm, "-cp", f"{self.lib}/*", ADMIN_TOOL, *args]
        env = {**os.environ, "NEO4J_HOME": str(self.home), "NEO4J_CONF": str(self.conf_dir)}
        return cmd, env

    def import_full(
        self, args: list[str], heap: str, log: Path, progress: bool = False
    ) -> ImportResult:
        """``neo4j-admin database import full ARGS`` on the stopped server; its output goes
        to ``log`` (and to stderr with ``progress``). Raises ServerError on failure."""
        if self.running_pid() is not None:
            raise ServerError("the offline importer needs the server stopped")
        if not any(self.lib.glob("neo4j-import-tool-*.jar")):
            raise ServerError(
                f"no neo4j-import-tool jar in {self.lib}; reinstall the jars: remove "
                f"{self.dist} and run `fraudrings neo4j install`"
            )
        cmd, env = self.admin_cmd("database", "import", "full", *args, heap=heap)
        log.parent.mkdir(parents=True, exist_ok=True)
        t0 = time.monotonic()
        with log.open("w", encoding="utf-8") as out:
            proc = subprocess.Popen(
                cmd,
                env=env,
                cwd=self.home,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                text=True,
            )
            assert proc.stdout is not None
            for line in proc.stdout:
                out.write(line)
                if progress and not line.startswith((".", "-.")):  # not the dotted bars
                    sys.stderr.write(line)
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
        text = log.read_text(encoding="utf-8", errors="replace")
        if proc.returncode != 0:
            tail = "\n".join(text.splitlines()[-40:])
            raise ServerError(f"neo4j-admin database import failed (see {log}):\n{tail}")
        summary = {
            m[2]: int(m[1])
            for m in re.finditer(r"^\s+(\d+) (nodes|relationships|properties)$", text, re.M)
        }
        return ImportResult(time.monotonic() - t0, int(usage.ru_maxrss), summary, log)

    # -- process -----------------------------------------------------------------------
    def _read_pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None

    def running_pid(self) -> int | None:
        """The pid of our live server, or None; clears a stale pid file."""
        pid = self._read_pid()
        if pid is None:
            return None
        if _pid_alive(pid) and _is_our_server(pid):
            return pid
        self.pid_file.unlink(missing_ok=True)
        return None

    def status(self) -> ServerStatus:
        pid = self.running_pid()
        return ServerStatus(
            running=pid is not None,
            pid=pid,
            bolt_port=self.bolt_port,
            http_port=self.http_port,
            version=self.version,
            home=self.home,
            installed=self.installed,
        )

    def start(self, quiet: bool = False) -> bool:
        """Start the server; return False if it was already running."""
        pid = self.running_pid()
        if pid is not None:
            if not quiet:
                _say(f"Neo4j is already running (pid {pid}) on 127.0.0.1:{self.bolt_port}.")
            return False
        self.check_prerequisites(need_maven=not self.installed)
        self.install(quiet=quiet)
        # A server that has just died may hold its port for a moment longer.
        if port_open(self.bolt_port) and not wait_port_closed(self.bolt_port, 15.0):
            raise ServerError(
                f"port {self.bolt_port} is taken by another process; "
                "set NEO4J_BOLT_PORT to a free port"
            )
        self.write_config()
        self.logs.mkdir(parents=True, exist_ok=True)
        self.pid_file.parent.mkdir(parents=True, exist_ok=True)
        heap = self.settings.neo4j_heap  # type: ignore[attr-defined]
        cmd = [
            "java",
            f"-Xms{heap}",
            f"-Xmx{heap}",
            *JVM_FLAGS,
            "-cp",
            f"{self.lib}/*",
            ENTRY_POINT,
            f"--home-dir={self.home}",
            f"--config-dir={self.conf_dir}",
        ]
        console = (self.logs / "console.log").open("ab")
        proc = subprocess.Popen(
            cmd,
            stdout=console,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=self.home,
            start_new_session=True,
        )
        self.pid_file.write_text(f"{proc.pid}\n")
        if not quiet:
            _say(f"Starting Neo4j {self.version} (pid {proc.pid}) ...")
        self._wait_for_bolt(proc)
        self._ensure_password()
        if not quiet:
            _say(f"Neo4j is up on bolt://127.0.0.1:{self.bolt_port}")
        return True

    def _wait_for_bolt(self, proc: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + float(self.settings.neo4j_start_timeout_s)  # type: ignore[attr-defined]
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                self.pid_file.unlink(missing_ok=True)
                raise ServerError(
                    f"Neo4j exited with code {proc.returncode} during start-up:\n" + self.log_tail()
                )
            if port_open(self.bolt_port):
                return
            time.sleep(0.5)
        raise ServerError("Neo4j did not open Bolt in time:\n" + self.log_tail())

    def _ensure_password(self) -> None:
        s = self.settings
        password = s.neo4j_password.get_secret_value()  # type: ignore[attr-defined]
        scheme = "bolt+ssc" if getattr(s, "tls", False) else "bolt"
        uri = f"{scheme}://127.0.0.1:{self.bolt_port}"
        for _ in range(60):
            try:
                set_initial_password(uri, s.neo4j_user, password)  # type: ignore[attr-defined]
                return
            except GraphUnavailable:
                time.sleep(0.5)
        raise ServerError("Neo4j opened Bolt but does not answer:\n" + self.log_tail())

    def log_tail(self, n: int = 25) -> str:
        out = []
        for name in ("neo4j.log", "console.log"):
            p = self.logs / name
            if p.is_file():
                lines = p.read_text(errors="replace").splitlines()[-n:]
                out.append(f"--- {p}\n" + "\n".join(lines))
        return "\n".join(out)

    def stop(self, timeout: float = 90.0, quiet: bool = False) -> bool:
        """Shut the server down cleanly; return False if it was not running."""
        pid = self.running_pid()
        if pid is None:
            if not quiet:
                _say("Neo4j is not running.")
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _pid_alive(pid):
            time.sleep(0.3)
        if _pid_alive(pid):
            _say(f"Neo4j did not stop within {timeout:.0f}s; killing pid {pid}.")
            os.kill(pid, signal.SIGKILL)
        self._await_exit(pid)
        self.pid_file.unlink(missing_ok=True)
        if not quiet:
            _say("Neo4j stopped.")
        return True

    def kill(self) -> None:
        """SIGKILL the server (fault-injection tests)."""
        pid = self.running_pid()
        if pid is not None:
            os.kill(pid, signal.SIGKILL)
            self._await_exit(pid)

    def _await_exit(self, pid: int) -> None:
        """Wait until a signalled server is gone: its pid dead and reaped (if we are its
        parent), and its Bolt port closed, which a dying JVM can hold a moment longer."""
        while _pid_alive(pid):
            time.sleep(0.1)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        wait_port_closed(self.bolt_port)
