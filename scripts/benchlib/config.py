"""Where the bench reads and writes, what it runs, and its knobs (environment variables)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
DOC = ROOT / "docs/performance.md"
REPORTS = ROOT / "data/bench"  # Lighthouse JSON reports and server logs of the last run (git-ignored)
LIGHTHOUSE = ROOT / "scripts/lighthouse/node_modules/.bin/lighthouse"
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CHROME_FLAGS = "--headless=new --no-sandbox --disable-background-networking --disable-component-update --disable-sync"

WRK_SECONDS = int(os.environ.get("BENCH_SECONDS", "4"))
# The servers take turns, ROUNDS times, and each is judged on its median round (an odd count
# keeps the median one real round).
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
WRK_CONNECTIONS = 32
POSTS = 200
FRAGMENTS = 100
PAGE = "/"
LIGHTHOUSE_PAGES = ("/", "/overdose", "/contact")
LIGHTHOUSE_RUNS = int(os.environ.get("BENCH_LIGHTHOUSE_RUNS", "3"))
PROFILES = {"default": [], "slow-3G": ["--throttling.rttMs=300", "--throttling.throughputKbps=400"]}
CONTACT_MIN_SECONDS = 3  # the app is started with it (a form sent sooner is flagged as spam); we wait it out

START = r"<!-- bench:start -->"
END = r"<!-- bench:end -->"
