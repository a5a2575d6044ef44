"""Throughput and latency of one URL under wrk, and the median of several rounds."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass

from .config import WRK_CONNECTIONS, WRK_SECONDS


@dataclass
class Wrk:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: str
    spread: str = ""

    @staticmethod
    def median(runs: list[Wrk]) -> Wrk:
        """The median round by throughput (its latencies come with it), the range of all rounds
        beside it: on a shared machine one round can be disturbed either way, the median is not."""
        ordered = sorted(runs, key=lambda r: r.rps)
        middle = ordered[(len(ordered) - 1) // 2]
        spread = f"{ordered[0].rps:,.0f}–{ordered[-1].rps:,.0f}"
        errors = "; ".join(r.errors for r in runs if r.errors)
        return Wrk(middle.rps, middle.p50_ms, middle.p99_ms, sum(r.requests for r in runs), errors, spread)

    @staticmethod
    def run(url: str, seconds: int = WRK_SECONDS) -> Wrk:
        out = subprocess.run(
            ["wrk", "-t2", f"-c{WRK_CONNECTIONS}", f"-d{seconds}s", "--latency", "-H", "Accept-Encoding: gzip", url],
            capture_output=True,
            text=True,
            timeout=seconds + 30,
            check=True,
        ).stdout

        def ms(label: str) -> float:
            value, unit = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\b", out, re.M).groups()
            return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

        errors = [
            m.group(0).strip() for m in re.finditer(r"^\s*(Non-2xx or 3xx responses|Socket errors):.*$", out, re.M)
        ]
        return Wrk(
            rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),
            p50_ms=ms("50%"),
            p99_ms=ms("99%"),
            requests=int(re.search(r"(\d+) requests in", out)[1]),
            errors="; ".join(errors),
        )
