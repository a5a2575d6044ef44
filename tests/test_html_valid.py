"""Every page is valid HTML according to the W3C Nu HTML Checker (npm vnu-jar, run on Java)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, html_urls

VNU = ROOT / "node_modules/vnu-jar/build/dist/vnu.jar"


def vnu_problems(pages: dict[str, bytes], folder: Path) -> list[str]:
    """Run the Nu HTML Checker over ``pages`` (file name → HTML); its errors and warnings, one line each."""
    java = shutil.which("java")
    if not (java and VNU.exists()):
        if os.environ.get("CI"):
            pytest.fail("java or node_modules/vnu-jar missing: `make test` installs vnu-jar with npm ci")
        pytest.skip("java or vnu-jar not installed")
    files = []
    for name, html in pages.items():
        path = folder / f"{name}.html"
        path.write_bytes(html)
        files.append(str(path))
    result = subprocess.run(
        [java, "-jar", str(VNU), "--format", "json", "--also-check-css", *files],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    return [f"{Path(m['url']).name}:{m.get('lastLine')}: {m['message']}" for m in messages if m["type"] != "info"]


def test_every_page_is_valid_html(client, tmp_path: Path):
    urls = [*html_urls(), "/no-such-page"]
    pages = {url.strip("/").replace("/", "_") or "home": client.get(url).data for url in urls}
    assert vnu_problems(pages, tmp_path) == []
