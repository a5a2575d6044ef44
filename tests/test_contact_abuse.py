"""Abuse and mistakes: CSRF (switched ON here) and hostile input, each answered plainly with every word kept."""

from __future__ import annotations

import itsdangerous
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from inquiries import store
from tests import html as dom
from tests.contact_data import HTMX, VALID, contact_app, hidden_fields, rows
from views import contact_guards


@pytest.fixture
def app(make_app):
    """CSRF ON, as in production."""
    return contact_app(make_app, csrf=True)


def test_every_post_route_is_a_csrf_checked_contact_or_staff_route(app):
    posts = [rule.endpoint for rule in app.url_map.iter_rules() if "POST" in (rule.methods or ())]
    assert posts and all(endpoint.startswith(("contact.", "staff.")) for endpoint in posts), posts
    assert {endpoint.split(".")[0] for endpoint in posts} == {"contact", "staff"}
    for blueprint in ("contact", "staff"):  # each checks its own POSTs (CSRF_CHECK_DEFAULT is off)
        assert contact_guards.check_csrf in app.before_request_funcs[blueprint], blueprint


def test_page_carries_a_csrf_token_good_for_hours(app, client):
    assert app.config["WTF_CSRF_TIME_LIMIT"] == app.config["CONTACT_TOKEN_SECONDS"] >= 3600 * 2
    hidden = hidden_fields(client)
    assert set(hidden) == {"csrf_token", "submission_key", "rendered_at"}
    assert client.post("/contact", data={**hidden, **VALID}).status_code == 303


@pytest.mark.parametrize("token", [None, "", "forged.token.value"])
def test_missing_or_bad_token_shows_the_form_again_with_every_word(app, client, token):
    hidden = hidden_fields(client)
    data = {**hidden, **VALID, "message": "Words I must not lose <3"}
    if token is None:
        del data["csrf_token"]
    else:
        data["csrf_token"] = token
    response = client.post("/contact", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<html" in html and "please press Send again" in html and "<title>Error: " in html
    assert dom.text_of(html, "textarea", name="message") == "Words I must not lose <3"
    assert "Words I must not lose &lt;3</textarea>" in html
    assert dom.find(html, "input", name="name")["value"] == "Sam"
    kept = dom.values(html, "input", type="hidden")
    fresh = kept["csrf_token"]
    assert fresh and fresh != token
    assert kept["submission_key"] == hidden["submission_key"]  # pressing Send again is still one inquiry
    assert rows(app) == []
    again = client.post("/contact", data={**data, "csrf_token": fresh})
    assert again.status_code == 303


def test_expired_token_is_a_second_chance_not_a_bare_400(app, client, monkeypatch):
    real = itsdangerous.timed.TimestampSigner.get_timestamp
    monkeypatch.setattr(
        itsdangerous.timed.TimestampSigner,
        "get_timestamp",
        lambda self: real(self) - app.config["CONTACT_TOKEN_SECONDS"] - 60,
    )
    hidden = hidden_fields(client)
    monkeypatch.undo()
    response = client.post("/contact", data={**hidden, **VALID})
    assert response.status_code == 400
    assert "please press Send again" in response.get_data(as_text=True)


def test_token_a_few_hours_old_still_works(app, client, monkeypatch):
    real = itsdangerous.timed.TimestampSigner.get_timestamp
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: real(self) - 3 * 3600)
    hidden = hidden_fields(client)
    monkeypatch.undo()
    assert client.post("/contact", data={**hidden, **VALID}).status_code == 303


def test_lost_session_cookie_gets_a_fresh_token_that_works(app, client):
    hidden = hidden_fields(client)
    other = app.test_client()  # same words, but the browser lost its cookie
    response = other.post("/contact", data={**hidden, **VALID})
    assert response.status_code == 400
    fresh = dom.find(response, "input", name="csrf_token", type="hidden")["value"]
    assert fresh
    assert other.post("/contact", data={**hidden, **VALID, "csrf_token": fresh}).status_code == 303


def test_htmx_without_a_token_gets_the_form_area_back_with_200(client):
    hidden = hidden_fields(client)
    response = client.post("/contact", data={**VALID, "submission_key": hidden["submission_key"]}, headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and "please press Send again" in html
    assert dom.find(html, "input", name="name")["value"] == "Sam"


def test_field_validation_with_a_bad_token_keeps_the_field_as_typed(client):
    response = client.post("/contact/validate/name", data={"name": "Sam <b>", "csrf_token": "x"}, headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert dom.find(html, "div", id="field-name").find("input", name="name")["value"] == "Sam <b>"
    assert 'value="Sam &lt;b&gt;"' in html


def test_field_validation_with_the_token_validates(client):
    hidden = hidden_fields(client)
    response = client.post("/contact/validate/email", data={**hidden, "email": "x@"}, headers=HTMX)
    assert "Enter an email address like" in response.get_data(as_text=True)


PROBES = ["<x-probe>", '"><x-probe a="', "'><x-probe>", "</textarea><x-probe>", "<!--", "\x00", "\r\nBcc: a@b.c"]
ODD = ["\u202e", "\ufeff", "💊", "e\u0301", "\u2028", "\t", "%00", "{{ 7 * 7 }}", "' OR 1=1 --"]
value = st.one_of(
    st.text(max_size=40),
    st.lists(st.one_of(st.text(max_size=10), st.sampled_from(PROBES + ODD)), max_size=5).map("".join),
    st.integers(1990, 2010).map(lambda n: "x" * n),
    st.sampled_from(["call", "text", "email", "yes", "no", "self", "loved_one", "202 555 0123", "a@b.org"]),
)
NAMES = [*store.FIELDS, "website_url", "submission_key", "rendered_at", "csrf_token", "extra"]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(form=st.dictionaries(st.sampled_from(NAMES), value), htmx=st.booleans(), field=st.sampled_from(store.FIELDS))
def test_any_input_gets_an_answer_never_a_500_and_is_always_escaped(app, form, htmx, field):
    client = app.test_client()
    hidden = hidden_fields(client)
    headers = HTMX if htmx else {}
    for data in ({**form}, {**hidden, **form}, {**VALID, **form, **hidden}):
        response = client.post("/contact", data=data, headers=headers)
        assert response.status_code in (200, 303, 400, 422), response.status_code
        event(f"POST answered {response.status_code}")
        assert "<x-probe" not in response.get_data(as_text=True)
        if response.status_code == 303:
            thanks = client.get(response.headers["Location"])
            assert thanks.status_code == 200 and "<x-probe" not in thanks.get_data(as_text=True)
        partial = client.post(f"/contact/validate/{field}", data=data, headers=HTMX)
        assert partial.status_code == 200
        assert "<x-probe" not in partial.get_data(as_text=True)
