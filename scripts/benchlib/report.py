"""The results as a Markdown table, written into docs/performance.md between the bench markers."""

from __future__ import annotations

import re

from .config import DOC, END, LIGHTHOUSE_RUNS, PAGE, POSTS, ROUNDS, START, WRK_CONNECTIONS, WRK_SECONDS
from .contact import Contact
from .slow import GET_TIMEOUT, GETS, HEADER_CONNECTIONS, NORMAL_PATH, SlowBodies, SlowHeaders
from .wrk import Wrk


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "**missed**")


def wrk_figure(run: Wrk) -> str:
    return f"{run.rps:,.0f} req/s ({run.spread}), p50 {run.p50_ms:.2f} ms, p99 {run.p99_ms:.2f} ms"


def ratio(results: dict, name: str) -> str:
    low, high = results[f"{name}_ratio_range"]
    return f"{results[f'{name}_ratio']:.2f}× (rounds {low:.2f}–{high:.2f}×)"


def ms(value: float | None) -> str:
    return f"{value:.1f} ms" if value is not None else f"no answer in {GET_TIMEOUT:g} s"


def render(results: dict) -> str:
    s, f, a, p = results["static"], results["floor"], results["app"], results["proxy"]
    c: Contact = results["contact"]
    headers: SlowHeaders = results["slow_headers"]
    bodies_app: SlowBodies = results["slow_bodies_app"]
    bodies_proxy: SlowBodies = results["slow_bodies_proxy"]
    lines = [
        f"Measured {results['when']} on {results['machine']}.",
        f"Software: {results['versions']}.",
        f"Page: `{PAGE}` ({results['page_bytes']} B HTML, {results['page_gzip']} B gzip). "
        f"wrk: 2 threads, {WRK_CONNECTIONS} connections, `Accept-Encoding: gzip`, on the same CPUs as the "
        f"servers; {ROUNDS} rounds of {WRK_SECONDS} s per server taking turns; the median round of each is shown "
        f"(the range of all rounds in brackets; a ratio is of the medians, the range of it round by round). "
        f"Load average {results['load_before'][0]:.1f} before, {results['load_after'][0]:.1f} after. "
        f"The app runs as production starts it, `python serve.py` (Granian, {results['worker_starts']} worker "
        f"starts in the log, 4 threads each), its access line on for every request and written to a log file.",
        "",
        "| Measure | Figure | Target | Result |",
        "|---|---|---|---|",
        f"| nginx static file (physical limit) | {wrk_figure(s)} | | |",
        "| bare Granian: serve.py's `options()`, a 6-line WSGI app replaying the app's response, headers and "
        f"body, no access line (the ceiling for Python under this server) | {wrk_figure(f)}; {ratio(results, 'floor')} nginx | | |",
        f"| app alone (`python serve.py`, access log on) | {wrk_figure(a)} | | |",
        f"| app / nginx | {ratio(results, 'app')} (the app does {results['app_vs_floor']:.0%} of bare Granian) "
        f"| ≥ 0.30× | {verdict(results['app_ratio'] >= 0.30)} |",
        f"| documented nginx proxy + cache | {wrk_figure(p)} | | |",
        f"| proxy / nginx | {ratio(results, 'proxy')} | ≥ 0.85× | {verdict(results['proxy_ratio'] >= 0.85)} |",
    ]
    for name, run in (("nginx static", s), ("bare Granian", f), ("app", a), ("proxy", p)):
        if run.errors:
            lines.append(f"| {name} errors | {run.errors} | none | **missed** |")
    if c.post_p50 is not None:
        lines += [
            f"| POST /contact, SMTP blackholed ({POSTS} posts: {c.post_statuses}) | "
            f"p50 {c.post_p50:.1f} ms, p95 {c.post_p95:.1f} ms | p95 ≤ 25 ms | {verdict(c.post_p95 <= 25)} |",
        ]
    else:
        lines.append(f"| POST /contact | not measured: {c.note} | p95 ≤ 25 ms | n/a |")
    lines.append(
        f"| disk floor: 4 KB write + fsync in the database folder, {POSTS}× | p50 {results['fsync'][0]:.1f} ms, "
        f"p95 {results['fsync'][1]:.1f} ms | | |"
    )
    if c.fragment_p50 is not None:
        lines.append(
            f"| validation fragment (`/contact/validate/phone`, invalid) | p50 {c.fragment_p50:.1f} ms, "
            f"{c.fragment_bytes} B on the wire ({c.fragment_raw} B raw) | < 2 KB | {verdict(c.fragment_bytes < 2048)} |"
        )
    if c.note and c.post_p50 is not None:
        lines.append(f"| contact notes | {c.note} | | |")
    for role, pid, rss, pss in results["rss"]:
        if role == "main":
            lines.append(
                f"| main process {pid} (`python serve.py`) memory | RSS {rss:.1f} MiB (PSS {pss:.1f} MiB) | | |"
            )
        else:
            lines.append(
                f"| worker {pid} memory | RSS {rss:.1f} MiB (PSS {pss:.1f} MiB) | < 70 MB | {verdict(rss * 1.048576 < 70)} |"
            )
    worst = headers.worst_ms
    lines += [
        f"| {headers.opened} connections with half a request header, to the app: a normal GET `{NORMAL_PATH}` "
        f"(worst of {GETS}) | {ms(worst)} (all: {', '.join(ms(v) for v in headers.get_ms)}) | < 100 ms "
        f"| {verdict(worst is not None and worst < 100 and headers.opened == HEADER_CONNECTIONS)} |",
        f"| {bodies_app.opened} request bodies sent one byte a second, to the app: a normal GET | "
        f"{ms(bodies_app.get_ms)} | (expected to stall: bodies hold WSGI threads) | |",
        f"| {bodies_proxy.opened} request bodies sent one byte a second, through the documented proxy: a normal GET "
        f"| {ms(bodies_proxy.get_ms)} | unaffected | {verdict(bodies_proxy.get_ms is not None and bodies_proxy.get_ms < 100)} |",
    ]
    lines += [
        "",
        "Lighthouse 12.2.3, mobile, simulated throttling, through the documented nginx proxy "
        f"(slow-3G: `--throttling.rttMs=300 --throttling.throughputKbps=400`); the median run of "
        f"{LIGHTHOUSE_RUNS} per row (by performance score, then LCP):",
        "",
        "| Page | Throttling | Perf | A11y | Best pr. | SEO | FCP | LCP | TBT | CLS | Bytes | LCP target | Result |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (path, profile), lh in results["lighthouse"].items():
        if lh.error:
            lines.append(
                f"| `{path}` | {profile} | error: {lh.error.strip().splitlines()[-1][:120]} ||||||||||| **missed** |"
            )
            continue
        sc = lh.scores
        all_100 = all(sc.get(k) == 100 for k in ("performance", "accessibility", "best-practices", "seo"))
        limit = (2000 if path == "/contact" else 1700) if profile == "slow-3G" else None
        lcp_ok = lh.lcp < limit if limit else True
        lines.append(
            f"| `{path}` | {profile} | {sc.get('performance')} | {sc.get('accessibility')} | {sc.get('best-practices')} "
            f"| {sc.get('seo')} | {lh.fcp / 1000:.2f} s | {lh.lcp / 1000:.2f} s | {lh.tbt:.0f} ms | {lh.cls:.3f} "
            f"| {lh.bytes:,} B | {f'< {limit / 1000:g} s' if limit else ''} | {verdict(all_100 and lcp_ok)} |"
        )
    failing = sorted(
        {
            f"`{path}` {profile}: {', '.join(lh.failing)}"
            for (path, profile), lh in results["lighthouse"].items()
            if lh.failing
        }
    )
    if failing:
        lines += ["", "Lighthouse audits below full score:", ""] + [f"- {f}" for f in failing]
    return "\n".join(lines)


def write_doc(table: str) -> None:
    block = f"{START}\n{table}\n{END}"
    if DOC.exists() and START in DOC.read_text():
        text = re.sub(rf"{START}.*?{END}", lambda _: block, DOC.read_text(), flags=re.S)
    else:
        text = (
            f"# Performance\n\nWritten by `make bench` (scripts/bench.py); notes below the table by hand.\n\n{block}\n"
        )
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(text)
