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


def test_every_page_is_valid_html(client, tmp_path: Path):
    java = shutil.which("java")
    if not (java and VNU.exists()):
        if os.environ.get("CI"):
            pytest.fail("java or node_modules/vnu-jar missing: `make test` installs vnu-jar with npm ci")
        pytest.skip("java or vnu-jar not installed")
    files = []
    for url in [*html_urls(), "/no-such-page"]:
        path = tmp_path / (url.strip("/").replace("/", "_") or "home")
        path = path.with_suffix(".html")
        path.write_bytes(client.get(url).data)
        files.append(str(path))
    result = subprocess.run(
        [java, "-jar", str(VNU), "--format", "json", "--also-check-css", *files],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    problems = [f"{Path(m['url']).name}:{m.get('lastLine')}: {m['message']}" for m in messages if m["type"] != "info"]
    assert problems == []
