"""Education pages from the catalog, plus the sitemap and robots.txt.

A page is rendered once per process and then served from memory, compressed, with a strong ETag:
it is the same for every visitor, sets no cookie and carries no script.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, render_template, request

import i18n
from serving.compression import Prepared

bp = Blueprint("pages", __name__)

# Browsers and proxies (nginx's proxy_cache, a CDN) keep a page ten minutes, then revalidate with
# the ETag; meanwhile a proxy may serve its stale copy while it refreshes, and for a day while the
# app is down: the crisis numbers stay reachable through a restart or a crash.
PAGE_CACHE = "public, max-age=600, stale-while-revalidate=86400, stale-if-error=86400"


def page_cache() -> dict[str, Prepared]:
    """This process's rendered pages, by path."""
    return current_app.extensions.setdefault("page_cache", {})


def last_modified(template: str) -> dt.datetime:
    """When a page last changed: its own template, the layouts or the catalog, whichever is newest."""
    root = Path(current_app.root_path)
    files = [root / "templates/pages" / template, root / "templates/base.html", root / "templates/pages/_page.html"]
    files += [root / "content/pages.toml", root / current_app.config["CENTER_FILE"], root / i18n.CATALOG_FILE]
    newest = max(f.stat().st_mtime for f in files if f.exists())
    return dt.datetime.fromtimestamp(int(newest), dt.UTC)


def prepared_page(path: str) -> Prepared:
    """Render the catalog page at ``path`` once and keep it."""
    cache = page_cache()
    if path not in cache:
        page = current_app.extensions["catalog"].find(path)
        if page is None:
            abort(404)
        html = render_template(f"pages/{page.template}", page=page)
        cache[path] = Prepared(html.encode(), "text/html; charset=utf-8", last_modified(page.template))
    return cache[path]


@bp.get("/", defaults={"slug": ""})
@bp.get("/<slug>")
def show(slug: str) -> Response:
    """One education page."""
    return prepared_page(f"/{slug}").response(request, PAGE_CACHE)


# Its own endpoint: one endpoint with two rules defaulting slug to "" would redirect / to /es/.
@bp.get("/es/", defaults={"slug": ""})
@bp.get("/es/<slug>")
def show_spanish(slug: str) -> Response:
    """One education page in Spanish."""
    return prepared_page(f"/es/{slug}").response(request, PAGE_CACHE)


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    """Every public page, for search engines."""
    contact = tuple(i18n.CONTACT.items())
    entries = [(page.path, page.last_reviewed, page.alternates) for page in current_app.extensions["catalog"].pages]
    entries += [(path, None, contact) for _, path in contact]
    body = render_template("sitemap.xml", entries=entries)
    return Response(body, mimetype="application/xml", headers={"Cache-Control": "public, max-age=3600"})


@bp.get("/robots.txt")
def robots() -> Response:
    """Let search engines in, keep them off the contact form's endpoints."""
    body = render_template("robots.txt")
    return Response(body, mimetype="text/plain", headers={"Cache-Control": "public, max-age=3600"})
