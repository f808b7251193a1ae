"""The gate in front of everything (the audit included): who the client is, how much it
may send, and how often it may fail.

- **Client address.** ``X-Forwarded-For`` is believed only from the reverse proxies in
  ``FRAUDRINGS_API_TRUSTED_PROXIES`` (addresses or networks): then the client is the
  last address in it that is not one of them, and the request's ``client`` (sign-in
  buckets, audit rows) becomes that address. From anyone else the header is ignored.
- **Body size.** A body larger than ``FRAUDRINGS_API_MAX_BODY_BYTES`` is refused with
  413 before any route, authentication or form parser reads it: by its
  ``Content-Length``, or, without one, as soon as the bytes received pass the cap.
- **Failures.** Each 401, 413 and 422 answered to a client address takes a token from its
  bucket (``FRAUDRINGS_API_FAIL_RATE_PER_MINUTE``, ``_FAIL_BURST``); while the bucket is
  empty the client gets 429 at once, with no audit row (a flood of bad calls cannot fill
  the audit log, whose rows are kept 184 days) and one log line a minute.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import math
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fraudrings.api.ratelimit import TokenBuckets

log = logging.getLogger(__name__)

FAILURES = frozenset({401, 413, 422})


class BodyTooLarge(Exception):
    pass


def _networks(spec: str) -> tuple[list[Any], set[str]]:
    nets: list[Any] = []
    names: set[str] = set()
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        try:
            nets.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            names.add(part)  # a host name a test client or a socket reports
    return nets, names


class Gate:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body: int,
        fail_per_minute: float,
        fail_burst: int,
        trusted_proxies: str = "",
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.failures = TokenBuckets(fail_per_minute, fail_burst)
        self.nets, self.names = _networks(trusted_proxies)
        self._last_log = 0.0

    def trusted(self, host: str | None) -> bool:
        if not host:
            return False
        if host in self.names:
            return True
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(ip in n for n in self.nets)

    def client_of(self, scope: Scope) -> tuple[str, int] | None:
        client = scope.get("client")
        if not client or not self.trusted(client[0]):
            return client
        hops: list[str] = []
        for k, v in scope.get("headers", []):
            if k == b"x-forwarded-for":
                hops += [h.strip() for h in v.decode("latin-1").split(",") if h.strip()]
        for hop in reversed(hops):  # the proxies append: the rightmost untrusted one
            if not self.trusted(hop):
                try:
                    return (str(ipaddress.ip_address(hop)), 0)
                except ValueError:
                    return client
        return client

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = self.client_of(scope)
        scope["client"] = client
        key = client[0] if client else "unknown"
        wait = self.failures.wait(key)
        if wait > 0:
            self._note(key)
            await _answer(send, 429, "rate-limited", "too many failed requests; slow down",
                          scope, {"retry-after": str(max(1, math.ceil(wait)))})  # fmt: skip
            return
        length = next((v for k, v in scope.get("headers", []) if k == b"content-length"), None)
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            self.failures.take(key)
            await _answer(send, 413, "too-large",
                          f"the body is larger than {self.max_body} bytes", scope)  # fmt: skip
            return
        if length is None and _has_body(scope):
            # no Content-Length (chunked): read it here, up to the cap, then hand it on
            try:
                receive = await _buffered(receive, self.max_body)
            except BodyTooLarge:
                self.failures.take(key)
                await _answer(send, 413, "too-large",
                              f"the body is larger than {self.max_body} bytes", scope)  # fmt: skip
                return

        started = False
        status = 0

        async def watch(message: Message) -> None:
            nonlocal started, status
            if message["type"] == "http.response.start":
                started, status = True, int(message["status"])
            await send(message)

        await self.app(scope, receive, watch)
        if status in FAILURES:
            self.failures.take(key)

    def _note(self, key: str) -> None:
        now = time.monotonic()
        if now - self._last_log > 60:
            self._last_log = now
            log.warning("client %s is over its budget of failed requests: answered 429", key)


def _has_body(scope: Scope) -> bool:
    return any(k == b"transfer-encoding" for k, _ in scope.get("headers", []))


async def _buffered(receive: Receive, limit: int) -> Receive:
    """The whole body read now (:class:`BodyTooLarge` past ``limit``), replayed to the
    app as one message."""
    parts: list[bytes] = []
    size = 0
    more = True
    while more:
        msg = await receive()
        if msg["type"] != "http.request":
            break
        chunk = msg.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        parts.append(chunk)
        more = bool(msg.get("more_body", False))
    body = b"".join(parts)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _answer(
    send: Send, status: int, slug: str, detail: str, scope: Scope,
    extra: dict[str, str] | None = None,
) -> None:  # fmt: skip
    body = json.dumps(
        {"type": f"/problems/{slug}", "title": {413: "Content Too Large",
         429: "Too Many Requests"}.get(status, "Error"), "status": status,
         "detail": detail, "instance": scope.get("path")}
    ).encode()  # fmt: skip
    headers = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
        (b"x-content-type-options", b"nosniff"),
        *((k.encode(), v.encode()) for k, v in (extra or {}).items()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
