"""Lighthouse on one page and throttling profile: scores, timings, bytes, the audits below full score."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .config import CHROME, CHROME_FLAGS, LIGHTHOUSE, LIGHTHOUSE_RUNS


@dataclass
class Lighthouse:
    scores: dict[str, int] = field(default_factory=dict)
    fcp: float = 0
    lcp: float = 0
    tbt: float = 0
    cls: float = 0
    bytes: int = 0
    failing: list[str] = field(default_factory=list)
    error: str = ""
    runs: int = 1


def lighthouse_median(url: str, profile: list[str], report: Path) -> Lighthouse:
    """LIGHTHOUSE_RUNS runs (a failed run is tried again); the median one, as Lighthouse's own
    docs advise: one run on a busy machine can be far off."""
    runs: list[Lighthouse] = []
    last_error = Lighthouse(error="no run")
    for attempt in range(LIGHTHOUSE_RUNS * 2):
        if len(runs) == LIGHTHOUSE_RUNS or attempt - len(runs) > LIGHTHOUSE_RUNS // 2 + 1:
            break
        result = lighthouse(url, profile, report.with_suffix(f".{len(runs) + 1}.json"))
        if result.error:
            last_error = result
        else:
            runs.append(result)
    if not runs:
        return last_error
    # Lighthouse's advice: report the median run. Ordered by performance score (a busy CPU shows as
    # blocking time even on a page without script), then by LCP.
    runs.sort(key=lambda r: (r.scores.get("performance", 0), -r.lcp))
    median = runs[len(runs) // 2]
    median.runs = len(runs)
    return median


def lighthouse(url: str, profile: list[str], report: Path) -> Lighthouse:
    report.unlink(missing_ok=True)
    command = [
        str(LIGHTHOUSE),
        url,
        "--output=json",
        f"--output-path={report}",
        "--quiet",
        f"--chrome-flags={CHROME_FLAGS}",
        *profile,
    ]
    run = subprocess.run(
        command, env={**os.environ, "CHROME_PATH": CHROME}, capture_output=True, text=True, timeout=180
    )
    if run.returncode or not report.exists():
        return Lighthouse(error=(run.stderr or run.stdout)[-300:])
    data = json.loads(report.read_text())
    audits = data["audits"]
    failing = [
        f"{key} ({audit['score']})"
        for key, audit in audits.items()
        if audit.get("score") is not None
        and audit["score"] < 1
        and audit.get("scoreDisplayMode") in ("binary", "numeric", "metricSavings")
    ]
    return Lighthouse(
        scores={k: round(v["score"] * 100) for k, v in data["categories"].items()},
        fcp=audits["first-contentful-paint"]["numericValue"],
        lcp=audits["largest-contentful-paint"]["numericValue"],
        tbt=audits["total-blocking-time"]["numericValue"],
        cls=audits["cumulative-layout-shift"]["numericValue"],
        bytes=int(audits["total-byte-weight"]["numericValue"]),
        failing=failing,
    )
