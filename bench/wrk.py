"""A load generator that costs the machine little: ``wrk`` (C, epoll; Debian package
``wrk``), driven by a generated Lua script that cycles through the given requests.

The Python generator (httpx) in bench/api.py spends more CPU per request than the API
does on a cheap one, and on a 2-core machine it competes with the server for the same
cores; wrk measures the server. Both report the same fields. Closed loop: ``concurrency``
connections, each sending its next request when the last one answered.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

Req = tuple[str, str, Any]  # method, path (with query), JSON body or None

_LUA = r"""
local reqs = {}
local headers = {}
%(headers)s
%(reqs)s
local i = 0
answered, non2xx, unchecked, warned = 0, 0, 0, 0  -- globals: done() reads them per thread
request = function()
  i = i + 1
  return reqs[(i %% #reqs) + 1]
end
response = function(status, hdrs, body)
  answered = answered + 1
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  elseif %(inspect)s then
    if string.find(body, '"checked":false', 1, true) then unchecked = unchecked + 1 end
    if string.find(body, '"warnings":[{', 1, true) then warned = warned + 1 end
  end
end
local threads = {}
setup = function(thread) table.insert(threads, thread) end
done = function(summary, latency, requests)
  local n2, un, wa = 0, 0, 0
  for _, t in ipairs(threads) do
    n2 = n2 + t:get("non2xx"); un = un + t:get("unchecked"); wa = wa + t:get("warned")
  end
  local e = summary.errors
  io.write(string.format(
    "FRAUDRINGS %%d %%d %%d %%d %%d %%.1f %%.1f %%.1f %%.1f\n",
    summary.requests, n2 + e.connect + e.read + e.write + e.timeout, un, wa,
    summary.duration, latency:percentile(50), latency:percentile(99), latency.mean,
    latency.max))
end
"""


def available() -> bool:
    return shutil.which("wrk") is not None


def add_loadgen_argument(ap: argparse.ArgumentParser) -> None:
    ap.add_argument(
        "--loadgen",
        choices=["auto", "wrk", "httpx"],
        default="auto",
        help="wrk (apt-get install wrk; auto when installed) or the httpx async generator",
    )


def chosen(loadgen: str) -> bool:
    """Whether ``--loadgen`` means wrk."""
    return loadgen == "wrk" or (loadgen == "auto" and available())


def _lua_str(s: str) -> str:
    return "[==[" + s + "]==]"


def script(reqs: list[Req], headers: dict[str, str], inspect_check: bool = False) -> str:
    hs = "\n".join(f"headers[ {_lua_str(k)} ] = {_lua_str(v)}" for k, v in headers.items())
    lines = []
    for method, path, body in reqs:
        if body is None:
            lines.append(
                f"table.insert(reqs, wrk.format({_lua_str(method)}, {_lua_str(path)}, headers))"
            )
        else:
            text = json.dumps(body, ensure_ascii=False)
            lines.append(
                "table.insert(reqs, wrk.format("
                f"{_lua_str(method)}, {_lua_str(path)}, headers, {_lua_str(text)}))"
            )
    return _LUA % {
        "headers": hs,
        "reqs": "\n".join(lines),
        "inspect": "true" if inspect_check else "false",
    }


def run(
    base: str,
    token: str,
    reqs: list[Req],
    concurrency: int,
    seconds: float,
    *,
    purpose: str | None = None,
    inspect_check: bool = False,
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    if purpose:
        headers["X-Purpose"] = purpose
    if any(b is not None for _, _, b in reqs):
        headers["Content-Type"] = "application/json"
    with tempfile.TemporaryDirectory() as tmp:
        lua = Path(tmp) / "bench.lua"
        lua.write_text(script(reqs, headers, inspect_check), encoding="utf-8")
        out = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{concurrency}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "60s",
                "-s",
                str(lua),
                base,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    m = re.search(r"^FRAUDRINGS (.*)$", out, re.M)
    if m is None:
        raise RuntimeError(f"wrk gave no summary:\n{out}")
    n, errors, unchecked, warned, dur_us, p50, p99, mean, mx = m.group(1).split()
    res: dict[str, Any] = {
        "concurrency": concurrency,
        "requests": int(n),
        "errors": int(errors),
        "p50_ms": round(float(p50) / 1000, 2),
        "p99_ms": round(float(p99) / 1000, 2),
        "mean_ms": round(float(mean) / 1000, 2),
        "max_ms": round(float(mx) / 1000, 2),
        "throughput_rps": round(int(n) / (int(dur_us) / 1e6), 1) if int(dur_us) else None,
        "loadgen": "wrk",
    }
    if inspect_check:
        res["unchecked"] = int(unchecked)
        res["with_warnings"] = int(warned)
    return res
