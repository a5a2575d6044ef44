"""The in-process cache replays public responses exactly, and never anything private."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict

import pytest
from flask import Response, request_started

from serving.microcache import MAX_ENTRIES, MicroCache, storable


@pytest.fixture
def flask_calls(app):
    """How many requests reached Flask (the cache answers the rest before it)."""
    calls = []

    def record(sender, **extra):
        calls.append(1)

    request_started.connect(record, app)
    yield calls
    request_started.disconnect(record, app)


def test_app_is_wrapped(app):
    assert isinstance(app.extensions["microcache"], MicroCache)
    assert app.wsgi_app.app is app.extensions["microcache"]  # inside the access log, outermost


@pytest.mark.parametrize("encoding", ["gzip", "br", "identity"])
def test_second_get_of_a_page_is_replayed_byte_for_byte(client, flask_calls, encoding):
    first = client.get("/overdose", headers={"Accept-Encoding": encoding})
    second = client.get("/overdose", headers={"Accept-Encoding": encoding})
    assert len(flask_calls) == 1
    assert second.data == first.data
    assert list(second.headers) == list(first.headers)


def test_each_coding_is_its_own_entry(client, flask_calls):
    gz = client.get("/overdose", headers={"Accept-Encoding": "gzip, deflate"})
    br = client.get("/overdose", headers={"Accept-Encoding": "gzip, deflate, br"})
    again = client.get("/overdose", headers={"Accept-Encoding": "gzip"})
    assert (gz.headers["Content-Encoding"], br.headers["Content-Encoding"]) == ("gzip", "br")
    assert again.data == gz.data and again.headers["Content-Encoding"] == "gzip"
    assert len(flask_calls) == 2


def test_head_is_answered_from_the_stored_get(client, flask_calls):
    get = client.get("/withdrawal")
    head = client.head("/withdrawal")
    assert len(flask_calls) == 1
    assert head.data == b""
    assert head.headers["Content-Length"] == get.headers["Content-Length"]


def test_conditional_requests_still_get_their_304(client, flask_calls):
    first = client.get("/withdrawal")
    again = client.get("/withdrawal", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert len(flask_calls) == 2


def test_static_files_are_replayed_too(client, flask_calls):
    css_url = re.search(r'href="(/static/site\.[0-9a-f]{10}\.css)"', client.get("/").get_data(as_text=True))[1]
    first = client.get(css_url)
    second = client.get(css_url)
    assert second.data == first.data and second.headers["Cache-Control"] == first.headers["Cache-Control"]
    assert len(flask_calls) == 2  # the home page, then the stylesheet once


def test_contact_page_and_posts_always_reach_flask(client, flask_calls):
    client.get("/contact")
    client.get("/contact")
    client.post("/contact", data={})
    assert len(flask_calls) == 3


def test_query_strings_and_errors_reach_flask(client, flask_calls):
    client.get("/overdose?utm=x")
    client.get("/overdose?utm=x")
    client.get("/no-such-page")
    client.get("/no-such-page")
    assert len(flask_calls) == 4


def test_expired_entries_are_fetched_again(client, flask_calls, app):
    client.get("/treatment")
    cache = app.extensions["microcache"]
    for key, entry in cache.entries.items():
        cache.entries[key] = (0.0, *entry[1:])
    client.get("/treatment")
    assert len(flask_calls) == 2


@pytest.mark.parametrize(
    ("status", "headers", "seconds"),
    [
        ("200 OK", {"Cache-Control": "public, max-age=600"}, 600),
        ("200 OK", {"Cache-Control": "public, max-age=600", "Vary": "Accept-Encoding"}, 600),
        ("200 OK", {"Cache-Control": "public, max-age=600", "Vary": "Cookie"}, 0),
        ("200 OK", {"Cache-Control": "public, max-age=600", "Vary": "HX-Request, Accept-Encoding"}, 0),
        ("200 OK", {"Cache-Control": "public, max-age=600", "Set-Cookie": "session=1"}, 0),
        ("200 OK", {"Cache-Control": "no-store"}, 0),
        ("200 OK", {"Cache-Control": "private, max-age=600"}, 0),
        ("200 OK", {"Cache-Control": "public, no-cache"}, 0),
        ("200 OK", {"Cache-Control": "public"}, 0),
        ("200 OK", {}, 0),
        ("404 NOT FOUND", {"Cache-Control": "public, max-age=600"}, 0),
    ],
)
def test_only_public_responses_for_everyone_are_stored(status, headers, seconds):
    assert storable(status, list(headers.items())) == seconds


def test_a_public_response_that_sets_a_cookie_is_not_replayed(app, client, flask_calls):
    @app.get("/bench-cookie")
    def cookie():
        response = Response("hello", headers={"Cache-Control": "public, max-age=600"})
        response.set_cookie("who", "someone")
        return response

    client.get("/bench-cookie")
    assert "Set-Cookie" in client.get("/bench-cookie").headers
    assert len(flask_calls) == 2


def test_a_made_up_fingerprint_is_answered_but_never_stored(app, client, flask_calls):
    """Anyone can invent /static/site.<any hash>.css; kept, each would push a real page out."""
    made_up = [f"/static/site.{n:010d}.css" for n in range(3)]
    for url in made_up * 2:
        response = client.get(url)
        assert response.status_code == 200 and "immutable" not in response.headers["Cache-Control"]
    assert len(flask_calls) == 6
    assert not any(path in made_up for path, _ in app.extensions["microcache"].entries)


def test_an_unfingerprinted_name_is_still_replayed(client, flask_calls):
    client.get("/static/site.css")
    client.get("/static/site.css")
    assert len(flask_calls) == 1


def test_two_requests_evicting_at_once_both_get_their_page():
    """The cache is full; while one request evicts, another stores and evicts too (forced, not timed)."""

    def page(environ, start_response):
        start_response("200 OK", [("Cache-Control", "public, max-age=60")])
        return [environ["PATH_INFO"].encode()]

    cache = MicroCache(page)
    answers = {}

    def get(path):
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path}
        answers[path] = b"".join(cache(environ, lambda status, headers, exc_info=None: None))

    class AnotherRequestMeanwhile(OrderedDict):
        """Full cache entries; the first removal lets a second request run to its end, then goes on."""

        def __init__(self):
            super().__init__(((f"/old/{n}", None), (0.0, "200 OK", [], b"")) for n in range(MAX_ENTRIES))
            self.first = True

        def meanwhile(self):
            if self.first:
                self.first = False
                other = threading.Thread(target=get, args=("/b",))
                other.start()
                other.join(timeout=10)

        def pop(self, *args):
            self.meanwhile()
            return super().pop(*args)

        def popitem(self, last=True):
            self.meanwhile()
            return super().popitem(last)

        def __delitem__(self, key):
            self.meanwhile()
            super().__delitem__(key)

    cache.entries = AnotherRequestMeanwhile()
    get("/a")
    assert answers == {"/a": b"/a", "/b": b"/b"}
    assert len(cache.entries) <= MAX_ENTRIES
    assert {("/a", None), ("/b", None)} <= set(cache.entries)
