"""`make bench`: how fast is the site next to the physical limit of this machine? (Not a test.)

In one go, on loopback only, bounded in time:
1. wrk against nginx serving a saved copy of the home page (the app's exact gzip bytes) as a
   static file: the physical limit here;
2. wrk against the app started as production starts it (``python serve.py``: Granian, 2 workers
   x 4 threads, the app's own access line going to a log file), beside Granian with the same
   settings (serve.py's options()) running a six-line WSGI app that replays the app's response
   (the ceiling for Python under this server);
3. wrk against the documented nginx config (deploy/nginx-site-common.conf, included as is, with
   the upstream and cache zone of deploy/nginx.conf moved to loopback and a temporary folder)
   proxying and caching the app;
4. POST /contact latency with the SMTP server blackholed (accepts, never answers) and the sender
   thread on, beside the disk's fsync latency, plus one validation fragment's latency and size;
5. RSS of the server's main process and of each worker after all that;
6. slow clients (benchlib/slow.py): 500 half-sent request headers against the app, then 50 request
   bodies sent one byte a second against the app and through the proxy, timing a normal GET;
7. Lighthouse 12.2.3 (mobile, Debian chromium) on three pages, default and slow-3G throttling.
Prints a table and writes it into docs/performance.md between the bench markers, keeping the
hand-written notes around them. Each server is judged on its median round, the range beside it.
Every step has a time limit; the whole run takes 6–8 minutes.
Knobs (environment): BENCH_SECONDS per wrk round (4), BENCH_ROUNDS (5), BENCH_LIGHTHOUSE_RUNS per
page and profile (3; 0 skips Lighthouse), CHROME_PATH (/usr/bin/chromium).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib.config import DOC, LIGHTHOUSE, LIGHTHOUSE_PAGES, LIGHTHOUSE_RUNS, PAGE, PROFILES, REPORTS, ROOT, ROUNDS
from benchlib.contact import contact_latency, fsync_latency
from benchlib.host import machine, server_rss, versions
from benchlib.lighthouse import lighthouse_median
from benchlib.report import render, write_doc
from benchlib.servers import (
    Blackhole,
    fetch,
    free_port,
    proxy_nginx,
    start_app,
    start_floor,
    static_nginx,
    stop,
    wait_http,
)
from benchlib.slow import slow_bodies, slow_headers, timed_get
from benchlib.wrk import Wrk


def main() -> int:
    for tool in ("nginx", "wrk"):
        if not shutil.which(tool):
            sys.exit(f"make bench needs {tool} (apt install {tool})")
    started = time.monotonic()
    REPORTS.mkdir(parents=True, exist_ok=True)
    procs: list[subprocess.Popen] = []
    blackhole = Blackhole()
    results: dict = {
        "machine": machine(),
        "versions": versions(),
        "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
    with tempfile.TemporaryDirectory(prefix="bench-") as tmpdir:
        tmp = Path(tmpdir)
        os.chmod(tmp, 0o755)  # noqa: S103 - nginx workers must read the saved page
        app_port, static_port, proxy_port = free_port(), free_port(), free_port()
        proxy_url = f"http://127.0.0.1:{proxy_port}"
        try:
            app = start_app(tmp, app_port, blackhole.port, proxy_url)
            procs.append(app)
            wait_http(f"http://127.0.0.1:{app_port}/healthz", app)
            _, _, html = fetch(f"http://127.0.0.1:{app_port}{PAGE}")
            _, app_headers, gz = fetch(f"http://127.0.0.1:{app_port}{PAGE}", {"Accept-Encoding": "gzip"})
            assert app_headers.get("Content-Encoding") == "gzip", app_headers
            results["page_bytes"], results["page_gzip"] = len(html), len(gz)

            procs.append(static_nginx(tmp / "static", static_port, html, gz))
            procs.append(proxy_nginx(tmp / "proxy", proxy_port, app_port))
            wait_http(f"http://127.0.0.1:{static_port}/", procs[1])
            wait_http(f"{proxy_url}/", procs[2])
            for port in (static_port, app_port, proxy_port):  # the same bytes from all three
                _, headers, body = fetch(f"http://127.0.0.1:{port}{PAGE}", {"Accept-Encoding": "gzip"})
                assert headers.get("Content-Encoding") == "gzip" and len(body) == len(gz), (port, headers, len(body))
            _, headers, _ = fetch(f"{proxy_url}{PAGE}", {"Accept-Encoding": "gzip"})
            print(f"proxy cache after warm-up: X-Cache {headers.get('X-Cache')}", flush=True)

            floor_port = free_port()
            procs.append(start_floor(tmp, floor_port, gz, app_headers))
            wait_http(f"http://127.0.0.1:{floor_port}/", procs[-1])
            targets = {"static": static_port, "floor": floor_port, "app": app_port, "proxy": proxy_port}
            for port in targets.values():  # warm-up: workers render the page, caches fill
                Wrk.run(f"http://127.0.0.1:{port}{PAGE}", seconds=2)
            results["load_before"] = os.getloadavg()
            runs: dict[str, list[Wrk]] = {name: [] for name in targets}
            for round_ in range(ROUNDS):
                for name, port in targets.items():
                    runs[name].append(Wrk.run(f"http://127.0.0.1:{port}{PAGE}"))
                    print(f"round {round_ + 1} {name}: {runs[name][-1]}", flush=True)
            results["load_after"] = os.getloadavg()
            for name, measured in runs.items():
                results[name] = Wrk.median(measured)
            for name in ("floor", "app", "proxy"):
                results[f"{name}_ratio"] = results[name].rps / results["static"].rps
                per_round = [r.rps / s.rps for r, s in zip(runs[name], runs["static"], strict=True)]
                results[f"{name}_ratio_range"] = (min(per_round), max(per_round))
            results["app_vs_floor"] = results["app"].rps / results["floor"].rps
            results["worker_starts"] = (tmp / "server.log").read_text().count("Started worker-")

            results["fsync"] = fsync_latency(tmp)
            results["contact"] = contact_latency(app_port)
            print(f"contact: {results['contact']}", flush=True)
            results["rss"] = server_rss(app.pid)

            timed_get(app_port)  # the first GET /contact of each worker renders its form once
            results["slow_headers"] = slow_headers(app_port)
            print(f"slow headers: {results['slow_headers']}", flush=True)
            results["slow_bodies_app"] = slow_bodies(app_port)
            print(f"slow bodies, app: {results['slow_bodies_app']}", flush=True)
            timed_get(app_port, timeout=10)  # the held threads are free again before the next one
            results["slow_bodies_proxy"] = slow_bodies(proxy_port)
            print(f"slow bodies, proxy: {results['slow_bodies_proxy']}", flush=True)

            results["lighthouse"] = {}
            if LIGHTHOUSE.exists() and LIGHTHOUSE_RUNS:
                for path in LIGHTHOUSE_PAGES:
                    for profile, flags in PROFILES.items():
                        report = REPORTS / f"lighthouse-{path.strip('/') or 'home'}-{profile}.json"
                        results["lighthouse"][path, profile] = lighthouse_median(f"{proxy_url}{path}", flags, report)
                        print(f"lighthouse {path} {profile}: {results['lighthouse'][path, profile]}", flush=True)
            else:
                print(f"Lighthouse not installed at {LIGHTHOUSE}: run `make bench` (it installs it)", flush=True)
        finally:
            for proc in reversed(procs):
                stop(proc)
            blackhole.close()
            if (tmp / "server.log").exists():
                shutil.copy(tmp / "server.log", REPORTS / "server.log")
    table = render(results)
    write_doc(table)
    print()
    print(table)
    print(f"\n(bench took {time.monotonic() - started:.0f} s; written to {DOC.relative_to(ROOT)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
