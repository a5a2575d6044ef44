"""The outbox's timings come from the settings alone: its functions carry no defaults of their own."""

from __future__ import annotations

import inspect

import pytest

from inquiries import outbox

TIMINGS = [
    (outbox.claim_next, "lease", "OUTBOX_LEASE_SECONDS"),
    (outbox.mark_retry, "base", "OUTBOX_RETRY_BASE_SECONDS"),
    (outbox.mark_retry, "cap", "OUTBOX_RETRY_MAX_SECONDS"),
]


@pytest.mark.parametrize(("function", "argument", "setting"), TIMINGS)
def test_each_outbox_timing_must_be_given_from_its_setting(function, argument, setting):
    parameter = inspect.signature(function).parameters[argument]
    assert parameter.default is inspect.Parameter.empty, (
        f"outbox.{function.__name__}({argument}=…) repeats FLASK_{setting} with a default of its own"
    )
