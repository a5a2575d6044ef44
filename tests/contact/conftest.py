"""The contact form tests: CSRF is off here (tests/test_contact_abuse.py turns it on); everything else is real."""

from __future__ import annotations

import pytest

from tests.contact_data import contact_app


@pytest.fixture
def app(make_app):
    """CSRF off: these tests are about the form itself."""
    return contact_app(make_app, csrf=False)
