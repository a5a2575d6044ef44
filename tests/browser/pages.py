"""A phone-sized page and what the browser tests check on it: axe-core's WCAG 2.2 A/AA rules, screenshots."""

from __future__ import annotations

import os
import weakref
from pathlib import Path

from tests.conftest import ROOT

SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
WORKER = os.environ.get("PYTEST_XDIST_WORKER")  # gw0, gw1… under pytest-xdist: one summary file each
AXE_SUMMARY = ROOT / "test-artifacts" / (f"axe-{WORKER}.tsv" if WORKER else "axe.tsv")  # page, violations, …

# A phone: small screen, high density, touch (the people this site is for mostly use one).
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "has_touch": True,
    "is_mobile": True,
}

# Pages opened with JavaScript off (see ``phone`` and ``run_axe``).
NO_SCRIPT_PAGES: weakref.WeakSet = weakref.WeakSet()

# WCAG 2.2 level A and AA, as axe-core tags them.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def start_axe_summary() -> None:
    """Begin this worker's test-artifacts/axe*.tsv with its header line."""
    AXE_SUMMARY.parent.mkdir(parents=True, exist_ok=True)
    AXE_SUMMARY.write_text("page\tviolations\trules passed\tto review\twhich\n")


def run_axe(page, name: str | None = None) -> list[dict]:
    """axe-core's WCAG 2.2 A/AA violations on the page as it is now.

    axe needs timers, which never fire with JavaScript off. A page opened without JavaScript is
    therefore checked as a copy: its DOM, served at the same URL into a page whose scripts are
    all blocked by CSP, so the page's own scripts still do not run and axe sees what those
    visitors get."""
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    if page not in NO_SCRIPT_PAGES:
        return axe_summary(Axe().run(page, options=options).response, name)
    html, url = page.content(), page.url
    context = page.context.browser.new_context(**PHONE)
    try:
        copy = context.new_page()
        copy.route(
            url,
            lambda route: route.fulfill(
                status=200,
                content_type="text/html; charset=utf-8",
                body=html,
                headers={"Content-Security-Policy": "script-src 'none'"},
            ),
        )
        copy.goto(url)
        return axe_summary(Axe().run(copy, options=options).response, name)
    finally:
        context.close()


def axe_summary(results: dict, name: str | None) -> list[dict]:
    """The violations; with a ``name``, also a one-line summary in test-artifacts/axe.tsv."""
    if name:
        AXE_SUMMARY.parent.mkdir(parents=True, exist_ok=True)
        counts = {kind: len(results[kind]) for kind in ("violations", "passes", "incomplete", "inapplicable")}
        review = ",".join(sorted({rule["id"] for rule in results["incomplete"]})) or "-"
        with AXE_SUMMARY.open("a") as out:
            out.write(f"{name}\t{counts['violations']}\t{counts['passes']}\t{counts['incomplete']}\t{review}\n")
    return results["violations"]


def axe_report(violations: list[dict]) -> str:
    """One line per violation and node, readable in an assertion message."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node.get('failureSummary', '')!r}")
    return "\n".join(lines)


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/screenshots/ for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    # From the top, or the sticky header is drawn across the middle of the picture.
    page.evaluate("window.scrollTo(0, 0)")
    # caret="initial": hiding the caret would inject a style, which the CSP (rightly) reports.
    page.screenshot(path=path, full_page=True, caret="initial")
    return path
