"""Staff tools: list, show and export, in plain words and safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from inquiries import staff
from tests.staff_data import save


def test_list_shows_real_inquiries_and_spam_on_request(app, runner):
    real = save(app, name="Alice Real")
    spam = save(app, name="Bot Spammer", spam="honeypot filled")
    result = runner.invoke(args=["inquiries", "list"])
    assert result.exit_code == 0, result.output
    assert real in result.output and "Alice Real" in result.output and "Waiting to send" in result.output
    assert spam not in result.output
    result = runner.invoke(args=["inquiries", "list", "--spam"])
    assert spam in result.output and real not in result.output


def test_list_since_filters_by_day(app, runner):
    old = save(app, name="Old Inquiry", age_days=10)
    new = save(app, name="New Inquiry")
    since = (dt.date.today() - dt.timedelta(days=2)).isoformat()
    result = runner.invoke(args=["inquiries", "list", "--since", since])
    assert result.exit_code == 0, result.output
    assert new in result.output and old not in result.output


def test_show_prints_every_field_in_plain_words(app, runner):
    ref = save(app)
    result = runner.invoke(args=["inquiries", "show", ref.lower().replace("-", "")])
    assert result.exit_code == 0, result.output
    for text in ("Maria Lopez", "+12125550143", "maria@example.com", "Call", "Someone they care about", "Aetna"):
        assert text in result.output
    assert "My son needs help." in result.output
    missing = runner.invoke(args=["inquiries", "show", "ZZZZ-ZZZZ"])
    assert missing.exit_code != 0 and "No inquiry" in missing.output


def read_csv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def test_export_has_plain_word_headers_and_only_real_inquiries(app, runner, tmp_path):
    real = save(app, name="Zoë Real")
    spam = save(app, name="Spam Bot", spam="too fast")
    out = tmp_path / "inquiries.csv"
    result = runner.invoke(args=["inquiries", "export", "--output", str(out)])
    assert result.exit_code == 0, result.output
    table = read_csv(out)
    header = table[0]
    assert header[0] == "Reference" and header[1].startswith("Received")
    assert "Name" in header and "Best way to reach them" in header and "Message" in header
    assert not any("_" in h for h in header), header  # plain words, not column names
    assert [r[0] for r in table[1:]] == [real]
    assert "Zoë Real" in table[1]
    assert out.stat().st_mode & 0o077 == 0  # owner-only: it holds health information
    out.chmod(0o644)
    assert runner.invoke(args=["inquiries", "export", "--output", str(out)]).exit_code == 0
    assert out.stat().st_mode & 0o077 == 0  # also when overwriting a readable file

    spam_out = tmp_path / "spam.csv"
    assert runner.invoke(args=["inquiries", "export", "--output", str(spam_out), "--spam"]).exit_code == 0
    spam_table = read_csv(spam_out)
    assert [r[0] for r in spam_table[1:]] == [spam]
    assert spam_table[0][-1] == "Why it looks like spam" and spam_table[1][-1] == "too fast"


@pytest.mark.parametrize(
    "evil",
    [
        '=HYPERLINK("http://evil.test","click")',
        "+SUM(1,2)",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1,2)",
        "\t=1+1",
        "\r=1+1",
        "  =1+1",
    ],
)
def test_export_neutralises_csv_injection(app, runner, tmp_path, evil):
    save(app, name=evil, insurance=evil, message=evil)
    out = tmp_path / "x.csv"
    assert runner.invoke(args=["inquiries", "export", "--output", str(out)]).exit_code == 0
    header, row = read_csv(out)
    for column in ("Name", "Insurance", "Message"):
        cell = row[header.index(column)]
        assert cell == "'" + evil
    assert row[header.index("Phone")] == "'+12125550143"  # a leading + is a formula start too


def test_export_keeps_ordinary_text_unchanged():
    assert staff.spreadsheet_safe("Maria Lopez") == "Maria Lopez"
    assert staff.spreadsheet_safe("") == ""
    assert staff.spreadsheet_safe(None) == ""
    assert staff.spreadsheet_safe("a=b") == "a=b"
