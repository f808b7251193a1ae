"""The built wheel installs and runs without the checkout.

Builds the wheel (``pip wheel --no-deps``), installs it into a fresh virtual environment
(no system site-packages; its dependencies from the package index, or the local wheel
folder pip is pointed at), then starts the service from that environment in a folder
outside the checkout and asks it for its health and the workbench page and files. Slow
(a few minutes the first time, while pip fetches the dependencies); no Neo4j needed.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = [pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


def _run(cmd: list[str], **kw: object) -> None:
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, **kw)  # type: ignore[call-overload]
    assert r.returncode == 0, f"{' '.join(cmd)}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_wheel_installs_and_serves_outside_the_checkout(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)])
    (wheel,) = wheels.glob("fraudrings-*.whl")
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)])
    cfg = (venv / "pyvenv.cfg").read_text()
    assert "include-system-site-packages = false" in cfg
    _run([str(venv / "bin" / "pip"), "install", "-q", str(wheel)])

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FRAUDRINGS_", "NEO4J_"))}
    env.update(
        {
            "PATH": f"{venv / 'bin'}:{env.get('PATH', '')}",
            "PYTHONPATH": "",
            "NEO4J_PASSWORD": "not-used-by-these-calls",
            "NEO4J_URI": "bolt://127.0.0.1:9",  # nothing there: health needs no graph
            "FRAUDRINGS_API_SECRET_KEY": "k" * 48,
            "FRAUDRINGS_PSEUDONYM_KEY": "p" * 48,
            "FRAUDRINGS_AUDIT_KEY": "a" * 48,
            "FRAUDRINGS_SERVICE_DB": str(elsewhere / "service.db"),
            "FRAUDRINGS_API_CHECK_FACTS": "false",
        }
    )
    # the installed code, not the checkout's
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import fraudrings; print(fraudrings.__file__)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert where.startswith(str(venv)), where
    proc = subprocess.Popen(
        [str(venv / "bin" / "fraudrings"), "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=elsewhere,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            try:
                health = httpx.get(f"{base}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the service did not start"
                time.sleep(0.3)
        assert health.status_code == 200, health.text
        page = httpx.get(f"{base}/", timeout=5)
        assert page.status_code == 200
        assert "text/html" in page.headers["content-type"]
        assert "<html" in page.text.lower()
        for name in ("cytoscape.min.js", "cytoscape-fcose.js"):
            lib = httpx.get(f"{base}/ui/vendor/{name}", timeout=5)
            assert lib.status_code == 200 and len(lib.content) > 1000, name
        app_js = httpx.get(f"{base}/ui/app/main.js", timeout=5)
        assert app_js.status_code == 200
        assert (elsewhere / "service.db").is_file()  # the store's migrations were found
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
