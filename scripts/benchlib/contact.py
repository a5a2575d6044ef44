"""POST /contact latency, as a browser sends it, one validation fragment, and the disk's fsync floor."""

from __future__ import annotations

import gzip
import http.client
import os
import re
import statistics
import time
import urllib.parse
import uuid
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from .config import CONTACT_MIN_SECONDS, FRAGMENTS, POSTS


class FormFields(HTMLParser):
    """The hidden inputs of #contact-form (CSRF token, submission key, timer) and radio values."""

    def __init__(self) -> None:
        super().__init__()
        self.in_form = False
        self.hidden: dict[str, str] = {}
        self.radios: dict[str, list[str]] = {}
        self.options: dict[str, list[str]] = {}
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == "contact-form":
            self.in_form = True
        if not self.in_form:
            return
        if tag == "input" and a.get("type") == "hidden" and a.get("name"):
            self.hidden[a["name"]] = a.get("value") or ""
        elif tag == "input" and a.get("type") == "radio":
            self.radios.setdefault(a["name"], []).append(a.get("value") or "")
        elif tag == "select":
            self.select = a.get("name")
        elif tag == "option" and self.select:
            self.options.setdefault(self.select, []).append(a.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "select":
            self.select = None


class Session:
    """A browser-like client on one keep-alive connection with a cookie jar."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict[str, str] | None = None, headers=None):
        headers = {"Accept-Encoding": "gzip", **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        raw = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        text = gzip.decompress(raw) if response.headers.get("Content-Encoding") == "gzip" else raw
        return response.status, response.headers, raw, text.decode(errors="replace"), elapsed


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


@dataclass
class Contact:
    post_p50: float | None = None
    post_p95: float | None = None
    post_statuses: str = ""
    fragment_p50: float | None = None
    fragment_bytes: int | None = None
    fragment_raw: int | None = None
    note: str = ""


def contact_latency(port: int) -> Contact:
    """Send POSTS valid inquiries (each with its own form, token and submission key), then time
    one field's validation fragment."""
    session = Session(port)
    status, _, _, html, _ = session.request("GET", "/contact")
    probe = FormFields()
    probe.feed(html)
    if "csrf_token" not in probe.hidden:
        return Contact(note="GET /contact has no form with a csrf_token yet (branch contact-form not merged)")
    forms = []
    for _ in range(POSTS):
        _, _, _, html, _ = session.request("GET", "/contact")
        fields = FormFields()
        fields.feed(html)
        forms.append(fields)
    time.sleep(CONTACT_MIN_SECONDS + 0.5)  # an honest visitor takes longer than the spam timer
    timings, statuses, first_error = [], {}, None
    for fields in forms:
        body = {
            **fields.hidden,
            "name": "Bench Visitor",
            "phone": "(202) 555-0143",
            "email": "bench.visitor@example.org",
            "contact_method": (fields.radios.get("contact_method") or ["call"])[0],
            "voicemail_ok": (fields.radios.get("voicemail_ok") or ["yes"])[0],
            "who": (fields.radios.get("who") or ["self"])[0],
            "insurance": next((o for o in fields.options.get("insurance", []) if o), "Medicaid"),
            "message": "Benchmark inquiry: please ignore. " * 4,
        }
        if not fields.hidden.get("submission_key"):
            body["submission_key"] = uuid.uuid4().hex
        status, _, _, text, elapsed = session.request("POST", "/contact", body)
        timings.append(elapsed)
        statuses[status] = statuses.get(status, 0) + 1
        if status != 303 and first_error is None:
            first_error = re.findall(r'class="error"[^>]*>(.*?)</p>', text, re.S)[:3]
    result = Contact(
        post_p50=statistics.median(timings),
        post_p95=percentile(timings, 95),
        post_statuses=", ".join(f"{n}× {s}" for s, n in sorted(statuses.items())),
    )
    if first_error is not None:
        result.note = f"non-303 answers; first errors: {first_error}"
    csrf = probe.hidden["csrf_token"]
    times, size, raw = [], None, None
    for _ in range(FRAGMENTS):
        status, _, wire, text, elapsed = session.request(
            "POST",
            "/contact/validate/phone",
            {"csrf_token": csrf, "phone": "12"},
            {"HX-Request": "true", "X-CSRFToken": csrf},
        )
        if status != 200:
            result.note += f" validate/phone answered {status}"
            break
        times.append(elapsed)
        size, raw = len(wire), len(text.encode())
    if times:
        result.fragment_p50, result.fragment_bytes, result.fragment_raw = statistics.median(times), size, raw
    return result


def fsync_latency(folder: Path, times: int = POSTS) -> tuple[float, float]:
    """p50 and p95 (ms) of one 4 KB write + fsync in the database's folder: the disk's floor for
    an inquiry, which SQLite (synchronous=FULL) makes durable before the visitor is answered."""
    timings = []
    with (folder / "fsync-probe").open("wb") as probe:
        for _ in range(times):
            started = time.perf_counter()
            probe.write(os.urandom(4096))
            probe.flush()
            os.fsync(probe.fileno())
            timings.append((time.perf_counter() - started) * 1000)
    (folder / "fsync-probe").unlink()
    return statistics.median(timings), percentile(timings, 95)
