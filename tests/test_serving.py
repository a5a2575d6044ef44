"""HTTP caching and compression of pages and static files, as a browser, nginx or a CDN sees them."""

from __future__ import annotations

import gzip
import re

import brotli
import pytest

from serving.compression import Prepared, choose_encoding


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip, deflate, br, zstd", "br"),
        ("gzip, deflate", "gzip"),
        ("br;q=0.5, gzip", "gzip"),
        ("gzip;q=0.8, br;q=0.9", "br"),
        ("br;q=0, gzip", "gzip"),
        ("br ; q=0 , gzip;q=0", None),
        ("*", "br"),
        ("*;q=0.1, gzip", "gzip"),
        ("x-gzip", "gzip"),
        ("x-gzip;q=0", None),
        ("br;q=0, gzip;q=0, *", None),  # what is named with q=0 stays refused under *
        ("gzip;q=0, x-gzip", None),  # gzip refused by its own name is not let in by its old one
        ("identity", None),
        ("", None),
        (None, None),
        ("gzip;q=nonsense", None),
    ],
)
def test_encoding_follows_q_values(header, expected):
    assert choose_encoding(header) == expected


@pytest.mark.parametrize(
    ("encoding", "decode"), [("gzip", gzip.decompress), ("br", brotli.decompress), (None, lambda body: body)]
)
def test_every_form_of_a_page_is_the_same_page(client, encoding, decode):
    plain = client.get("/overdose", headers={"Accept-Encoding": ""})
    response = client.get("/overdose", headers={"Accept-Encoding": encoding or "identity"})
    assert response.headers.get("Content-Encoding") == encoding
    assert decode(response.data) == plain.data
    assert response.headers["Content-Length"] == str(len(response.data))
    assert response.headers["Vary"] == "Accept-Encoding"


def test_each_form_has_its_own_strong_etag(client):
    tags = {
        client.get("/overdose", headers={"Accept-Encoding": encoding}).headers["ETag"]
        for encoding in ("gzip", "br", "identity")
    }
    assert len(tags) == 3
    assert not any(tag.startswith("W/") for tag in tags)


def test_content_type_names_its_charset_once(client):
    assert client.get("/overdose").headers["Content-Type"] == "text/html; charset=utf-8"
    html = client.get("/").get_data(as_text=True)
    css_url = re.search(r'href="(/static/site\.[0-9a-f]{10}\.css)"', html)[1]
    assert client.get(css_url).headers["Content-Type"] == "text/css; charset=utf-8"


def test_head_has_the_headers_of_get_and_no_body(client):
    get = client.get("/overdose", headers={"Accept-Encoding": "gzip"})
    head = client.head("/overdose", headers={"Accept-Encoding": "gzip"})
    assert head.status_code == 200
    assert head.data == b""
    for name in ("Content-Length", "Content-Encoding", "ETag", "Cache-Control", "Vary", "Content-Type"):
        assert head.headers[name] == get.headers[name]


@pytest.mark.parametrize(
    "if_none_match",
    ["{tag}", "W/{tag}", '"other", {tag}', '"other",W/{tag}', "*"],
    ids=["exact", "weak", "list", "weak-in-list", "star"],
)
def test_if_none_match_uses_weak_comparison(client, if_none_match):
    first = client.get("/withdrawal", headers={"Accept-Encoding": "gzip"})
    header = if_none_match.format(tag=first.headers["ETag"])
    again = client.get("/withdrawal", headers={"Accept-Encoding": "gzip", "If-None-Match": header})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Cache-Control"] == first.headers["Cache-Control"]
    assert again.headers["Vary"] == "Accept-Encoding"


def test_etag_of_another_encoding_does_not_match(client):
    """A cache holding the gzip bytes must not be told they are the brotli bytes."""
    gz = client.get("/withdrawal", headers={"Accept-Encoding": "gzip"})
    br = client.get("/withdrawal", headers={"Accept-Encoding": "br", "If-None-Match": gz.headers["ETag"]})
    assert br.status_code == 200
    assert br.headers["Content-Encoding"] == "br"


def test_if_none_match_wins_over_if_modified_since(client):
    first = client.get("/withdrawal")
    response = client.get(
        "/withdrawal", headers={"If-None-Match": '"stale"', "If-Modified-Since": first.headers["Last-Modified"]}
    )
    assert response.status_code == 200


def test_pages_may_be_held_by_a_proxy_and_served_stale_when_the_app_is_down(client):
    cache_control = client.get("/").headers["Cache-Control"]
    directives = dict(
        (part.strip().partition("=")[0], part.strip().partition("=")[2]) for part in cache_control.split(",")
    )
    assert "public" in directives
    assert "private" not in directives and "no-store" not in directives and "no-cache" not in directives
    assert int(directives["max-age"]) >= 60
    assert int(directives["stale-if-error"]) >= 3600
    assert int(directives["stale-while-revalidate"]) >= 60


def test_static_files_without_a_date_send_no_changing_last_modified(client):
    """Werkzeug would fill an empty Last-Modified with "now"; immutable files need no date."""
    first = client.get("/favicon.ico")
    assert "Last-Modified" not in first.headers
    assert first.headers["Content-Type"] == "image/svg+xml"


def test_static_304_keeps_its_immutable_cache_control(client):
    html = client.get("/").get_data(as_text=True)
    css_url = re.search(r'href="(/static/site\.[0-9a-f]{10}\.css)"', html)[1]
    first = client.get(css_url, headers={"Accept-Encoding": "br"})
    assert first.headers["Content-Encoding"] == "br"
    again = client.get(css_url, headers={"Accept-Encoding": "br", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_each_body_is_compressed_once_per_process():
    body = b"<p>same page</p>" * 100
    first, second = Prepared(body, "text/html; charset=utf-8"), Prepared(body, "text/html; charset=utf-8")
    assert first.forms["br"] is second.forms["br"] and first.forms["gzip"] is second.forms["gzip"]
    assert brotli.decompress(first.forms["br"]) == body == gzip.decompress(first.forms["gzip"])
