"""Privacy-safe logs: addresses masked, no query strings, referrers or form contents in any log line."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest

from serving.logs import PrivacyLogger, ScrubFilter, mask_address, scrub


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("203.0.113.77", "203.0.113.0"),
        ("10.1.2.3", "10.1.2.0"),
        ("2001:db8:85a3:8d3:1319:8a2e:370:7348", "2001:db8:85a3::"),
        ("::ffff:198.51.100.9", "198.51.100.0"),
        ("", "-"),
        (None, "-"),
        ("unix:/run/x.sock", "-"),
    ],
)
def test_mask_address(address, masked):
    assert mask_address(address) == masked


def test_privacy_logger_atoms_have_no_address_query_or_referrer():
    from gunicorn.config import Config

    logger = PrivacyLogger(Config())
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": "/contact?name=Secret",
        "PATH_INFO": "/contact",
        "QUERY_STRING": "name=Secret",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.77",
        "HTTP_REFERER": "https://www.riverbendrecovery.org/contact?name=Secret",
        "HTTP_X_FORWARDED_FOR": "203.0.113.77",
    }
    request = SimpleNamespace(headers=[("X-FORWARDED-FOR", "203.0.113.77"), ("REFERER", environ["HTTP_REFERER"])])
    response = SimpleNamespace(status="303 See Other", headers=[], sent=0)
    request_time = SimpleNamespace(seconds=0, microseconds=1500)
    atoms = logger.atoms(response, request, environ, request_time)
    assert atoms["h"] == "203.0.113.0"
    assert atoms["r"] == "POST /contact HTTP/1.1"
    flat = repr(atoms)
    assert "Secret" not in flat and "203.0.113.77" not in flat


@pytest.mark.parametrize(
    ("message", "cleaned"),
    [
        ("ratelimit 5 per hour (203.0.113.77) exceeded at endpoint: contact.submit", "(203.0.113.0)"),
        ("Error handling request /contact?name=Secret", "request /contact"),
        ("from 2001:db8:85a3:8d3:1319:8a2e:370:7348.", "from 2001:db8:85a3::."),
        ("mapped ::ffff:198.51.100.9 here", "mapped 198.51.100.0 here"),
    ],
)
def test_app_log_filter_masks_addresses_and_drops_query_strings(message, cleaned):
    assert cleaned in scrub(message)
    record = logging.LogRecord("flask-limiter", logging.INFO, __file__, 1, "%s", (message,), None)
    ScrubFilter().filter(record)
    assert cleaned in record.getMessage() and "Secret" not in record.getMessage()


def test_scrub_leaves_references_times_and_versions_alone():
    text = "[2026-11-25 17:44:18 +0000] Inquiry K7Q2-M9XD stored by gunicorn 27.0.1 at 12:30"
    assert scrub(text) == text
