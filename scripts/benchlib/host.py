"""What the bench ran on: the machine, the tools' versions, and the memory of the server's processes."""

from __future__ import annotations

import os
import platform
import re
import subprocess
from pathlib import Path

from .config import CHROME


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor() or "unknown CPU",
    )
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())[1])
    return f"{os.cpu_count()} CPUs ({cpu}), {mem_kb / 1024 / 1024:.1f} GiB memory, Linux {platform.release()}"


def versions() -> str:
    nginx = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr.strip().split("/")[-1]
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split()[1:2] or ["?"]
    chromium = subprocess.run([CHROME, "--version"], capture_output=True, text=True).stdout.strip()
    return f"nginx {nginx}, wrk {wrk[0]}, Python {platform.python_version()}, {chromium}, Lighthouse 12.2.3"


def memory(pid: int) -> tuple[float, float]:
    """(RSS MiB, PSS MiB) of one process, read from /proc."""
    rss = int(re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{pid}/status").read_text())[1]) / 1024
    pss = int(re.search(r"^Pss:\s+(\d+)", Path(f"/proc/{pid}/smaps_rollup").read_text(), re.M)[1]) / 1024
    return rss, pss


def server_rss(main: int) -> list[tuple[str, int, float, float]]:
    """(role, pid, RSS MiB, PSS MiB) of the server's main process (``python serve.py``) and of
    each Granian worker, its child processes."""
    children = Path(f"/proc/{main}/task/{main}/children").read_text().split()
    rows = [("main", main, *memory(main))]
    rows += [("worker", pid, *memory(pid)) for pid in map(int, children)]
    return rows
