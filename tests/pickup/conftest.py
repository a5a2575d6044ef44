"""The pick-up link tests: CSRF on, as in production; two staff addresses."""

from __future__ import annotations

import pytest

from tests.pickup.steps import STAFF


@pytest.fixture
def app(make_app):
    """CSRF on, as in production; two staff addresses."""
    return make_app(STAFF_EMAILS=STAFF, WTF_CSRF_ENABLED=True, CONTACT_RATE_LIMIT="1000 per hour")
