"""Every page is valid HTML according to the W3C Nu HTML Checker (npm vnu-jar, run on Java)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from tests.conftest import INSTALL, ROOT, html_urls, missing

VNU = ROOT / "node_modules/vnu-jar/build/dist/vnu.jar"


def vnu_problems(pages: dict[str, bytes], folder: Path) -> list[str]:
    """Run the Nu HTML Checker over ``pages`` (file name → HTML); its errors and warnings, one line each."""
    java = shutil.which("java")
    if java is None:
        missing("java", INSTALL["java"])
    if not VNU.exists():
        missing(str(VNU.relative_to(ROOT)), "npm ci; `make test` runs it")
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
