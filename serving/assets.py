"""Fingerprinted static files, read once at start-up and served from memory.

`asset_url("site.css")` gives ``/static/site.<hash>.css``; that URL never changes meaning, so it is
cached by browsers and proxies for a year as immutable. A request with an old or missing hash is
still answered (a page cached before a deploy keeps working) but only briefly cached, and never by
the micro-cache: anyone can invent such URLs without end.
"""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path

from flask import Blueprint, Flask, abort, current_app, request

from serving.compression import Prepared
from serving.microcache import dont_store

bp = Blueprint("assets", __name__)

FINGERPRINT = re.compile(r"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{10})(?P<ext>\.[a-z0-9]+)$")
YEAR = "public, max-age=31536000, immutable"
SHORT = "public, max-age=300"


class AssetStore:
    """All files of ``static/`` held in memory with their fingerprints."""

    def __init__(self, folder: Path) -> None:
        self.files: dict[str, Prepared] = {}
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                name = path.relative_to(folder).as_posix()
                mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
                if mimetype.startswith("text/") or mimetype == "application/javascript":
                    mimetype += "; charset=utf-8"
                self.files[name] = Prepared(path.read_bytes(), mimetype)

    def url(self, name: str) -> str:
        """The fingerprinted URL of ``static/<name>``."""
        stem, _, ext = name.rpartition(".")
        return f"/static/{stem}.{self.files[name].digest[:10]}.{ext}"

    def lookup(self, requested: str) -> tuple[Prepared | None, bool]:
        """Find the file behind a requested name; the flag says whether its fingerprint is current."""
        match = FINGERPRINT.match(requested)
        if match:
            name = match["stem"] + match["ext"]
            if name in self.files:
                return self.files[name], self.files[name].digest.startswith(match["hash"])
        return self.files.get(requested), False


@bp.get("/static/<path:filename>")
def static_file(filename: str):
    """Serve one static file from memory, immutable when its fingerprint matches."""
    prepared, current = current_app.extensions["assets"].lookup(filename)
    if prepared is None:
        abort(404)
    if not current and FINGERPRINT.match(filename):
        dont_store(request.environ)
    return prepared.response(request, YEAR if current else SHORT)


@bp.get("/favicon.ico")
def favicon():
    """Some clients ask for /favicon.ico whatever the page says; answer instead of a 404."""
    return current_app.extensions["assets"].files["favicon.svg"].response(request, SHORT)


def init_app(app: Flask) -> None:
    """Load ``static/`` into memory and expose ``asset_url`` to templates."""
    store = AssetStore(Path(app.root_path) / "static")
    app.extensions["assets"] = store
    app.jinja_env.globals["asset_url"] = store.url
    app.register_blueprint(bp)
