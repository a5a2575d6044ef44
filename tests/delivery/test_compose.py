"""The staff email is built safely from whatever a visitor typed."""

from __future__ import annotations

import email
import email.policy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import create_app
from inquiries import mailer
from inquiries.store import FIELDS
from tests.conftest import base_config

HEADERS = {"Content-Type", "MIME-Version", "Subject", "From", "To", "Date", "Message-ID", "Reply-To"}
text = st.text(st.characters(codec="utf-8"), max_size=300)
answers = st.fixed_dictionaries({field: text | st.sampled_from(["", "call", "yes", "loved_one"]) for field in FIELDS})


@pytest.fixture(scope="module")
def compose_app(tmp_path_factory):

    # One app for every Hypothesis example: the fixture is module-wide, so it cannot use make_app.
    return create_app(base_config(tmp_path_factory.mktemp("compose")))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fields=answers, spam=st.none() | text)
def test_any_input_makes_a_well_formed_email_with_only_our_headers(compose_app, fields, spam):
    inquiry = {**fields, "ref": "K7Q2-M9XD", "created_at": "2026-01-02T03:04:05+00:00", "spam_reason": spam}
    inquiry["name"] = "<script>" + inquiry["name"]
    inquiry["message"] = "<img src=x>" + inquiry["message"]
    with compose_app.app_context():
        raw = mailer.compose(inquiry, "<inquiry-K7Q2-M9XD.ab@center.test>").as_bytes()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert set(message.keys()) <= HEADERS
    assert message["Subject"].startswith("New website inquiry #K7Q2-M9XD")
    html = message.get_body(("html",)).get_content()
    assert "<script" not in html and "<img" not in html


@pytest.mark.parametrize(
    ("given_address", "header"),
    [
        ("dana@example.net", "dana@example.net"),
        ("Dana@Example.NET", "Dana@example.net"),
        ("dana@bücher.de", "dana@bücher.de"),
        ("josé@example.com", None),  # SMTPUTF8 local part: in the body only
        ("dana@example.net\r\nBcc: x@y.test", None),
        ('"Dana" <dana@example.net>', None),
        ("", None),
        (None, None),
    ],
)
def test_reply_to_is_only_ever_one_valid_address(given_address, header):
    assert mailer.reply_to(given_address) == header
