"""`make run`'s local mail sink: a real SMTP server that saves each message to a file."""

from __future__ import annotations

import smtplib
import subprocess
import sys
from email.message import EmailMessage

import pytest

import settings
from tests.conftest import ROOT
from tests.servers import free_port, stop, wait_for


def test_the_app_sends_to_the_sink_by_default():
    config = settings.defaults()
    assert (config["MAIL_SERVER"], config["MAIL_PORT"]) == (settings.SINK_HOST, settings.SINK_PORT)


@pytest.mark.slow
def test_the_sink_saves_each_message_it_accepts(tmp_path):
    port, folder = free_port(), tmp_path / "mail"
    sink = subprocess.Popen(
        [sys.executable, "-m", "inquiries.mailsink", "--port", str(port), "--dir", str(folder)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert sink.stdout.readline().strip() == f"Local mail sink on {settings.SINK_HOST}:{port}, saving to {folder}/"
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "site@center.test", "intake@center.test", "Inquiry"
        message.set_content("Saved, not sent.")
        with smtplib.SMTP(settings.SINK_HOST, port, timeout=10) as smtp:
            smtp.send_message(message)
        assert wait_for(lambda: list(folder.glob("*.eml")))
        [saved] = folder.glob("*.eml")
        assert b"Saved, not sent." in saved.read_bytes()
    finally:
        stop(sink)
        sink.stdout.close()
