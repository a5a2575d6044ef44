"""The results as a Markdown table, written into docs/performance.md between the bench markers."""

from __future__ import annotations

import re

from .config import DOC, END, LIGHTHOUSE_RUNS, PAGE, POSTS, ROUNDS, START, WRK_CONNECTIONS, WRK_SECONDS
from .contact import Contact


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "**missed**")


def render(results: dict) -> str:
    s, f, a, p = results["static"], results["floor"], results["app"], results["proxy"]
    c: Contact = results["contact"]
    lines = [
        f"Measured {results['when']} on {results['machine']}.",
        f"Software: {results['versions']}.",
        f"Page: `{PAGE}` ({results['page_bytes']} B HTML, {results['page_gzip']} B gzip). "
        f"wrk: 2 threads, {WRK_CONNECTIONS} connections, `Accept-Encoding: gzip`, on the same CPUs as the "
        f"servers; {ROUNDS} rounds of {WRK_SECONDS} s per server taking turns; the best round of each is shown (the range in brackets). Load average "
        f"{results['load_before'][0]:.1f} before, {results['load_after'][0]:.1f} after; gunicorn booted "
        f"{results['gunicorn_boots']} workers in all (max_requests recycling).",
        "",
        "| Measure | Figure | Target | Result |",
        "|---|---|---|---|",
        f"| nginx static file (physical limit) | {s.rps:,.0f} req/s ({s.spread}), p50 {s.p50_ms:.2f} ms, p99 {s.p99_ms:.2f} ms | | |",
        f"| bare gunicorn: gunicorn.conf.py, a 6-line WSGI app replaying the app's response, headers and body (Python's ceiling) | "
        f"{f.rps:,.0f} req/s ({f.spread}), p50 {f.p50_ms:.2f} ms, p99 {f.p99_ms:.2f} ms; {results['floor_ratio']:.1%} of nginx | | |",
        f"| app alone (gunicorn.conf.py) | {a.rps:,.0f} req/s ({a.spread}), p50 {a.p50_ms:.2f} ms, p99 {a.p99_ms:.2f} ms | | |",
        f"| app / nginx | {results['app_ratio']:.1%} (the app does {results['app_vs_floor']:.0%} of bare gunicorn) "
        f"| ≥ 10% | {verdict(results['app_ratio'] >= 0.10)} |",
        f"| documented nginx proxy + cache | {p.rps:,.0f} req/s ({p.spread}), p50 {p.p50_ms:.2f} ms, p99 {p.p99_ms:.2f} ms | | |",
        f"| proxy / nginx | {results['proxy_ratio']:.1%} | ≥ 80% | {verdict(results['proxy_ratio'] >= 0.80)} |",
    ]
    for name, run in (("nginx static", s), ("bare gunicorn", f), ("app", a), ("proxy", p)):
        if run.errors:
            lines.append(f"| {name} errors | {run.errors} | none | **missed** |")
    if c.post_p50 is not None:
        lines += [
            f"| POST /contact, SMTP blackholed ({POSTS} posts: {c.post_statuses}) | "
            f"p50 {c.post_p50:.1f} ms, p95 {c.post_p95:.1f} ms | p95 < 25 ms | {verdict(c.post_p95 < 25)} |",
        ]
    else:
        lines.append(f"| POST /contact | not measured: {c.note} | p95 < 25 ms | n/a |")
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
    for pid, rss, pss in results["rss"]:
        lines.append(
            f"| worker {pid} memory | RSS {rss:.1f} MiB (PSS {pss:.1f} MiB) | < 60 MB | {verdict(rss * 1.048576 < 60)} |"
        )
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
