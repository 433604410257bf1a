"""HTTP load for benchmarks: ``wrk`` (Debian package ``wrk``), the same C load generator for
every server under test, so both sides of a comparison meet the same client and the client
is not the bottleneck (a Python generator sharing 2 cores capped both sides before).

Requests are GETs over keep-alive connections, a fixed number of connections for a fixed
duration; each connection walks a list of request paths (one per certificate) read by a
small Lua script, which also prints the request count, errors and latency percentiles as
JSON so nothing is scraped from wrk's human output.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["LoadResult", "have_wrk", "run_wrk"]

_SCRIPT = r"""
-- No address-probe connection (wrk's default resolve connects and closes at once):
-- openssl ocsp 3.0 spins forever on a connection closed before a request.
wrk.resolve = function(host, service) wrk.addrs = wrk.lookup(host, service) end
-- Keep-alive asked for explicitly (openssl's responder speaks HTTP/1.0 and keeps a
-- connection open only when the client says so), or a new connection per request.
wrk.headers["Connection"] = os.getenv("CERTYARD_WRK_CONNECTION")

local paths = {}
for line in io.lines(os.getenv("CERTYARD_WRK_PATHS")) do paths[#paths + 1] = line end
local counter = 0
local threads = {}

setup = function(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

init = function(args)
  counter = id * 7919
  non200 = 0
end

request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1], wrk.headers)
end

response = function(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 end
end

done = function(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + (t:get("non200") or 0) end
  local e = summary.errors
  io.write("WRKJSON ", string.format(
    '{"requests": %d, "duration_us": %d, "errors": %d, "non200": %d, ' ..
    '"p50_us": %d, "p99_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout + e.status, bad,
    latency:percentile(50), latency:percentile(99), latency.mean))
end
"""


@dataclass(frozen=True)
class LoadResult:
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(base_url: str, paths: list[str], *, seconds: float, connections: int,
            threads: int = 1, cpu: int | None = None, keepalive: bool = True) -> LoadResult:
    """Load ``base_url`` + each of ``paths`` (round robin per thread). ``cpu`` pins wrk to
    one core (taskset) so the split of the machine between client and server is fixed."""
    with tempfile.TemporaryDirectory(prefix="certyard-wrk-") as tmp:
        script = Path(tmp) / "ocsp.lua"
        script.write_text(_SCRIPT)
        plist = Path(tmp) / "paths.txt"
        plist.write_text("\n".join(paths) + "\n")
        cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s",
               "--timeout", "5s", "-s", str(script), base_url]
        if cpu is not None and shutil.which("taskset"):
            cmd = ["taskset", "-c", str(cpu), *cmd]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True,
                             env={"CERTYARD_WRK_PATHS": str(plist), "PATH": "/usr/bin:/bin",
                                  "CERTYARD_WRK_CONNECTION":
                                      "keep-alive" if keepalive else "close"},
                             timeout=seconds + 60).stdout
    line = next(x for x in out.splitlines() if x.startswith("WRKJSON "))
    data = json.loads(line.split(" ", 1)[1])
    return LoadResult(requests=data["requests"], errors=data["errors"] + data["non200"],
                      seconds=data["duration_us"] / 1e6, p50_ms=data["p50_us"] / 1000,
                      p99_ms=data["p99_us"] / 1000)
