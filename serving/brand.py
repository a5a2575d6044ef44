"""The center's logo and colour: ``SITE_LOGO`` shown in the header, ``SITE_COLOR`` painted by site.css.

The colour's custom properties (`settings.color.css`) are appended to the served site.css, so
the page costs no extra request and needs no inline style (the CSP allows none); the stylesheet's
fingerprint follows the colour. A logo of at most 2 KB is written into the page as a ``data:`` URI
(no request); a bigger one is served from memory, fingerprinted and immutable, like ``static/``.
Either way the ``<img>`` carries its width and height, so nothing moves when it arrives. A logo
larger than 5 KB on the wire is refused: with the biggest page it would pass the 14 KB first visit.
"""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from flask import Flask

from serving.compression import Prepared
from settings import ConfigError
from settings.color import css, parse

INLINE_BYTES = 2 * 1024
MAX_BYTES = 5 * 1024
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG_TAG = "{http://www.w3.org/2000/svg}svg"
LENGTH = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(px)?\s*$")


@dataclass(frozen=True)
class Logo:
    """What the header's ``<img>`` needs."""

    src: str
    width: int
    height: int
    inline: bool


def refuse(message: str) -> ConfigError:
    """A start-up error naming the setting, printed as it is (by ``flask`` commands too)."""
    return ConfigError(message, [message], heading=None)


def _svg_size(body: bytes, where: str) -> tuple[int, int]:
    try:
        root = ET.fromstring(body)  # noqa: S314 - the operator's own file, read once at start
    except ET.ParseError as error:
        raise refuse(f"FLASK_SITE_LOGO {where} is not a readable SVG file ({error}).") from None
    if root.tag != SVG_TAG:
        raise refuse(f"FLASK_SITE_LOGO {where} is not an SVG image (its outer element is {root.tag!r}).")
    width, height = (LENGTH.match(root.get(name, "")) for name in ("width", "height"))
    if width and height:
        return round(float(width[1])), round(float(height[1]))
    box = (root.get("viewBox") or "").replace(",", " ").split()
    if len(box) == 4:
        try:
            w, h = float(box[2]), float(box[3])
        except ValueError:
            w = h = 0
        if w > 0 and h > 0:
            return round(w), round(h)
    raise refuse(
        f"FLASK_SITE_LOGO {where} has no viewBox (or width and height in px): add one, so the page can keep "
        "the logo's space while it loads."
    )


def _png_size(body: bytes, where: str) -> tuple[int, int]:
    if not body.startswith(PNG_SIGNATURE) or body[12:16] != b"IHDR":
        raise refuse(f"FLASK_SITE_LOGO {where} is named .png but is not a PNG image.")
    return int.from_bytes(body[16:20], "big"), int.from_bytes(body[20:24], "big")


def load_logo(root: Path, setting: str) -> tuple[Logo, Prepared | None]:
    """Read and check the logo file; the Prepared file to serve when it is too big to inline.

    Raises ConfigError naming ``FLASK_SITE_LOGO`` for a missing, unreadable, wrong-type or oversized file.
    """
    path = root / setting  # an absolute setting stays absolute
    where = setting if Path(setting).is_absolute() else f"{setting} ({path})"
    kind = path.suffix.lower()
    if kind not in (".svg", ".png"):
        raise refuse(f"FLASK_SITE_LOGO {where} must be an .svg or .png file.")
    try:
        body = path.read_bytes()
    except FileNotFoundError:
        raise refuse(f"FLASK_SITE_LOGO {where}: no such file (a relative path starts at {root}).") from None
    except OSError as error:
        raise refuse(f"FLASK_SITE_LOGO {where} cannot be read: {error.strerror or error}.") from None
    mimetype = "image/svg+xml" if kind == ".svg" else "image/png"
    width, height = _svg_size(body, where) if kind == ".svg" else _png_size(body, where)
    prepared = Prepared(body, mimetype)
    sent = len(prepared.forms.get("gzip", body))
    if sent > MAX_BYTES:
        raise refuse(
            f"FLASK_SITE_LOGO {where} is {sent:,} bytes on the wire; a logo may be at most {MAX_BYTES:,}, so every "
            "page still loads in one round trip (14 KB): save a simpler SVG, or a PNG about 80 px tall."
        )
    if len(body) <= INLINE_BYTES:
        if kind == ".svg":
            src = "data:image/svg+xml," + quote(body.decode("utf-8"), safe=",:;=/'()-._~!*+?@$")
        else:
            src = "data:image/png;base64," + base64.b64encode(body).decode()
        return Logo(src, width, height, inline=True), None
    return Logo("", width, height, inline=False), prepared


def init_app(app: Flask) -> None:
    """Paint site.css in ``SITE_COLOR`` and put the logo, if any, where ``base.html`` finds it."""
    color = app.config["SITE_COLOR"]
    try:
        parse(color)
    except ValueError as error:
        raise refuse(f"FLASK_SITE_COLOR must be {error}, not {color!r}.") from None
    store = app.extensions["assets"]
    plain = store.files["site.css"]
    store.files["site.css"] = Prepared(plain.body + css(color).encode(), plain.mimetype)

    logo = None
    if app.config.get("SITE_LOGO"):
        logo, prepared = load_logo(Path(app.root_path), app.config["SITE_LOGO"])
        if prepared is not None:
            name = "site-logo" + Path(app.config["SITE_LOGO"]).suffix.lower()
            store.files[name] = prepared
            logo = Logo(store.url(name), logo.width, logo.height, inline=False)
    app.jinja_env.globals["logo"] = logo
