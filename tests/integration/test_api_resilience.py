"""Neo4j down: the API answers 503 problem+json quickly, and recovers by itself."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable

import pytest

from fraudrings.core.settings import Settings
from fraudrings.graph.gateway import Gateway
from tests.integration import api_world
from tests.integration.api_world import Api

# the shared fixtures (module attributes, so pytest registers them here)
api_factory = api_world.api_factory
world = api_world.world

pytestmark = pytest.mark.integration
PROBLEM = "application/problem+json"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Proxy:
    """A loopback TCP relay to the test server that can be cut and restored."""

    def __init__(self, target_port: int, port: int) -> None:
        self.target_port = target_port
        self.port = port
        self._server: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        srv = socket.socket()
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", self.port))
        srv.listen(64)
        self._server = srv
        threading.Thread(target=self._accept, args=(srv,), daemon=True).start()

    def _accept(self, srv: socket.socket) -> None:
        while True:
            try:
                client, _ = srv.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        if self._server is not None:
            # shutdown() wakes the thread blocked in accept(); close() alone would not on Linux
            with contextlib.suppress(OSError):
                self._server.shutdown(socket.SHUT_RDWR)
            self._server.close()
            self._server = None
        with self._lock:
            for c in self._conns:
                with contextlib.suppress(OSError):
                    c.shutdown(socket.SHUT_RDWR)
                c.close()
            self._conns.clear()


def _gateway(settings: Settings, port: int) -> Gateway:
    return Gateway(
        f"bolt://127.0.0.1:{port}",
        settings.neo4j_user,
        settings.neo4j_password.get_secret_value(),
        connect_timeout=2.0,
        max_retry_time=1.0,
    )


def test_unreachable_neo4j_answers_503(api_factory: Callable[..., Api], settings: Settings) -> None:
    gw = _gateway(settings, _free_port())  # nothing listens there
    try:
        a = api_factory(gateway=gw)
        assert a.client.get("/healthz").status_code == 200
        ready = a.client.get("/readyz")  # no token: no exception text, no address
        assert ready.status_code == 503
        assert ready.json()["detail"] == "the graph does not answer"
        assert "127.0.0.1" not in ready.text and "rror" not in ready.text
        t0 = time.perf_counter()
        r = a.get("inv_jn", "/leads")
        assert time.perf_counter() - t0 < 10
        assert r.status_code == 503 and r.headers["content-type"] == PROBLEM
        assert r.json()["type"] == "/problems/graph-unavailable" and r.headers["retry-after"]
        assert a.get("inv_jn", "/entities/person/P001").status_code == 503
        rows = a.get("sup_sd", "/audit", params={"status": 503}).json()
        assert rows["count"] >= 2  # the failures are audited too
    finally:
        gw.close()


def test_recovers_when_neo4j_comes_back(
    api_factory: Callable[..., Api], settings: Settings
) -> None:
    proxy = Proxy(settings.neo4j_bolt_port, _free_port())
    proxy.start()
    gw = _gateway(settings, proxy.port)
    try:
        a = api_factory(gateway=gw)
        assert a.get("inv_jn", "/leads").status_code == 200
        proxy.stop()
        codes = [a.get("inv_jn", "/leads").status_code for _ in range(2)]
        assert codes == [503, 503]
        assert a.client.get("/readyz").status_code == 503
        proxy.start()  # Neo4j is back: no restart of the app, the next calls succeed
        deadline = time.monotonic() + 20
        while (code := a.get("inv_jn", "/leads").status_code) != 200:
            assert code == 503 and time.monotonic() < deadline
            time.sleep(0.5)
        assert a.client.get("/readyz").status_code == 200
        assert a.get("inv_jn", "/leads/LD-JN-2").status_code == 200
    finally:
        proxy.stop()
        gw.close()
