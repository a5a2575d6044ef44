"""The center's logo and colour: WCAG contrast, the colour painted by site.css, the logo shown and checked."""

from __future__ import annotations

import gzip
import re

import pytest

import settings
from serving import brand
from settings import color
from tests import html as dom
from tests import logos
from tests.test_headers import PRODUCTION

# --- WCAG 2.x contrast --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("one", "other", "ratio"),
    [
        ("#767676", "#ffffff", "4.54"),  # the lightest grey that passes on white, as WebAIM lists it
        ("#000000", "#ffffff", "21"),
        ("#ffffff", "#000000", "21"),
        ("#777777", "#fff", "4.47"),  # one step lighter fails
        ("#0000ff", "#ffffff", "8.59"),  # pure blue
        ("#ffffff", "#ffffff", "1"),
    ],
)
def test_contrast_ratio_on_known_pairs(one, other, ratio):
    assert color.shown(color.contrast(one, other)) == ratio


def test_a_ratio_is_never_shown_rounded_up_past_the_limit():
    assert color.shown(4.4999) == "4.49"
    assert color.shown(2.25) == "2.25"


@pytest.mark.parametrize("value", ["#767676", "#0b5d4b", "#1b5e7a", "#000000"])
def test_the_dark_shade_is_darker_and_passes_on_every_tint(value):
    dark = color.shades(value)["--brand-dark"]
    assert color.luminance(dark) <= color.luminance(value)
    for tint in color.TINTS:
        assert color.contrast(dark, tint) >= color.AA, (value, dark, tint)


@pytest.mark.parametrize("value", ["blue", "#12345", "1b5e7a", "#ggg000", ""])
def test_a_value_that_is_not_a_colour_stops_the_start(make_app, value):
    with pytest.raises(settings.ConfigError, match="FLASK_SITE_COLOR must be a colour written #rrggbb"):
        make_app(SITE_COLOR=value)


# --- The colour refused, and painted -------------------------------------------------------------


def test_a_low_contrast_colour_stops_the_start_in_production_naming_the_ratio(make_app):
    with pytest.raises(settings.ConfigError) as excinfo:
        make_app(**PRODUCTION, SITE_COLOR="#7fb3d5", TESTING=False)
    assert "FLASK_SITE_COLOR #7fb3d5 gives 2.25:1 against white text" in str(excinfo.value)
    assert "needs 4.5:1" in str(excinfo.value)


def test_a_colour_just_passing_starts_in_production(make_app):
    app = make_app(**PRODUCTION, SITE_COLOR="#767676", TESTING=False)
    assert app.config["SITE_COLOR"] == "#767676"


def test_a_low_contrast_colour_outside_production_starts_but_check_config_names_it(make_app):
    app = make_app(SITE_COLOR="#7fb3d5")
    result = app.test_cli_runner().invoke(args=["check-config"])
    assert result.exit_code == 1
    assert "FLASK_SITE_COLOR #7fb3d5 gives 2.25:1" in result.output


def stylesheet(client) -> tuple[str, str]:
    """The stylesheet a page links, and its text as served."""
    href = dom.find(client.get("/").get_data(as_text=True), "link", rel="stylesheet")["href"]
    return href, client.get(href).get_data(as_text=True)


def test_the_colour_is_painted_on_buttons_and_links(make_app):
    href, css = stylesheet(make_app(SITE_COLOR="#1B5E7A").test_client())
    dark = color.shades("#1b5e7a")["--brand-dark"]
    assert css.rstrip().endswith(f":root{{--brand:#1b5e7a;--brand-dark:{dark}}}")
    assert ".call{background:var(--brand);color:#fff" in css  # the call button
    assert re.search(r"^a\{color:var\(--brand\)\}$", css, re.M)  # links, after the old blue
    assert css.index("a{color:#0645ad}") < css.index("a{color:var(--brand)}")
    other_href, _ = stylesheet(make_app(SITE_COLOR="#6a1b9a").test_client())
    assert other_href != href  # a new colour is a new fingerprint: no browser keeps the old one


def test_the_demo_colour_passes_with_room(app):
    assert color.shown(color.contrast(settings.DEMO_COLOR, "#fff")) == "7.83"
    assert color.color_problems(app.config) == []


# --- The logo ------------------------------------------------------------------------------------


def logo_img(client, path: str = "/"):
    images = [
        img for img in dom.find_all(client.get(path).get_data(as_text=True), "img") if "logo" in img.get("class", "")
    ]
    assert len(images) == 1, images
    return images[0]


def test_no_logo_by_default(client):
    html = client.get("/").get_data(as_text=True)
    assert dom.find_all(html, "img") == []


def test_a_small_svg_logo_is_written_into_the_page(make_app, tmp_path):
    logos.svg(tmp_path / "logo.svg", approx_bytes=600)
    client = make_app(SITE_LOGO=str(tmp_path / "logo.svg")).test_client()
    img = logo_img(client)
    assert img["src"].startswith("data:image/svg+xml,")
    assert (img["width"], img["height"], img["alt"]) == ("120", "40", "")
    assert " " not in img["src"] and "#" not in img["src"]


def test_a_small_png_logo_is_written_into_the_page(make_app, tmp_path):
    logos.png(tmp_path / "logo.png", 96, 32)
    img = logo_img(make_app(SITE_LOGO=str(tmp_path / "logo.png")).test_client(), "/about")
    assert img["src"].startswith("data:image/png;base64,iVBOR")
    assert (img["width"], img["height"]) == ("96", "32")


def test_a_bigger_logo_is_served_fingerprinted_and_immutable(make_app, tmp_path):
    (tmp_path / "instance").mkdir()
    logos.svg(tmp_path / "instance/logo.svg", approx_bytes=6000)
    app = make_app(SITE_LOGO=str(tmp_path / "instance/logo.svg"))
    client = app.test_client()
    img = logo_img(client)
    assert re.fullmatch(r"/static/site-logo\.[0-9a-f]{10}\.svg", img["src"]), img["src"]
    assert (img["width"], img["height"]) == ("120", "40")
    response = client.get(img["src"], headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert gzip.decompress(response.data) == (tmp_path / "instance/logo.svg").read_bytes()


def test_a_relative_logo_path_starts_at_the_project_folder(tmp_path):
    (tmp_path / "instance").mkdir()
    logos.svg(tmp_path / "instance/logo.svg", approx_bytes=600)
    logo, served = brand.load_logo(tmp_path, "instance/logo.svg")
    assert logo.inline and served is None
    with pytest.raises(settings.ConfigError, match=r"FLASK_SITE_LOGO instance/missing.svg \(.*\): no such file"):
        brand.load_logo(tmp_path, "instance/missing.svg")


def write(path, content: bytes):
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda d: d / "nothing-here.svg", "no such file"),
        (lambda d: (d / "folder.svg").mkdir() or d / "folder.svg", "cannot be read"),
        (lambda d: write(d / "logo.gif", b"GIF89a"), "must be an .svg or .png file"),
        (lambda d: write(d / "logo.png", b"<svg></svg>"), "is named .png but is not a PNG image"),
        (lambda d: write(d / "logo.svg", b"\x89PNG\r\n\x1a\n"), "is not a readable SVG file"),
        (lambda d: write(d / "logo.svg", b"<html><body/></html>"), "is not an SVG image"),
        (
            lambda d: write(d / "logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" width="50%"><rect/></svg>'),
            "has no viewBox",
        ),
        (lambda d: logos.svg(d / "logo.svg", approx_bytes=20000), "a logo may be at most 5,120"),
    ],
    ids=["missing", "unreadable", "wrong type", "not a png", "not xml", "not svg", "no size", "too big"],
)
def test_a_bad_logo_stops_the_start_naming_the_setting(make_app, tmp_path, make, says):
    path = make(tmp_path)
    with pytest.raises(settings.ConfigError) as excinfo:
        make_app(SITE_LOGO=str(path))
    message = str(excinfo.value)
    assert message.startswith(f"FLASK_SITE_LOGO {path}"), message
    assert says in message, message


def test_pages_with_a_logo_are_valid_html(make_app, tmp_path):
    from tests.test_html_valid import vnu_problems

    pages = {}
    small, big = logos.svg(tmp_path / "small.svg"), logos.svg(tmp_path / "big.svg", approx_bytes=6000)
    for name, logo, src in (
        ("inline", small, b'src="data:image/svg+xml,'),
        ("served", big, b'src="/static/site-logo.'),
    ):
        html = make_app(SITE_LOGO=str(logo)).test_client().get("/about").data
        assert b'class="logo" ' + src in html
        pages[name] = html
    assert vnu_problems(pages, tmp_path) == []
