"""Staff see pick-up: `inquiries pickup` by hand, who and when in list, show and export, and the report."""

from __future__ import annotations

import csv
import datetime as dt
import re

import pytest

from inquiries import db as dbmod
from inquiries import pickup, staff
from inquiries.words import local_time, site_zone
from tests import html as dom
from tests.staff_data import db_path, rows, save

ISO_SECONDS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def set_times(app, ref: str, created: dt.datetime, picked: dt.datetime | None = None, by: str | None = None) -> None:
    """Give an inquiry a known arrival and pick-up (as the web page or the command stores them)."""
    db = dbmod.connect(db_path(app))
    try:
        db.execute(
            "UPDATE inquiries SET created_at = ?, picked_up_at = ?, picked_up_by = ? WHERE ref = ?",
            [iso(created), iso(picked) if picked else None, by, ref],
        )
    finally:
        db.conn.close()


def stored(app, ref: str) -> dict:
    [row] = rows(app, "SELECT * FROM inquiries WHERE ref = ?", [ref])
    return row


def test_pickup_by_hand_records_once_and_then_says_who_and_when(app, runner):
    ref = save(app)
    result = runner.invoke(args=["inquiries", "pickup", ref.lower().replace("-", ""), "--by", "Anna  (phoned first)"])
    assert result.exit_code == 0, result.output
    row = stored(app, ref)
    assert row["picked_up_by"] == "Anna (phoned first)" and ISO_SECONDS.match(row["picked_up_at"])
    when = local_time(row["picked_up_at"], site_zone(app.config))
    assert result.output == f"Recorded: {ref} picked up by Anna (phoned first) at {when} (America/New_York).\n"

    again = runner.invoke(args=["inquiries", "pickup", ref, "--by", "Bob"])
    assert again.exit_code == 0, again.output
    assert again.output == (
        f"{ref} was already picked up by Anna (phoned first) at {when} (America/New_York). Nothing was changed.\n"
    )
    assert stored(app, ref) == row

    # The emailed link then says the same, and records nothing more.
    link = pickup.PATH + pickup.make_token(app.config["SECRET_KEY"], row, "intake@center.test")
    page = app.test_client().get(link)
    assert "Already picked up by Anna (phoned first)" in dom.find(page, "main").text
    assert dom.find_all(page, "button") == []


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["ZZZZ-ZZZZ", "--by", "Anna"], "No inquiry with reference ZZZZ-ZZZZ"),
        (["{ref}"], "Missing option '--by'"),
        (["{ref}", "--by", "   "], "say who is contacting them"),
    ],
)
def test_pickup_by_hand_refuses_an_unknown_reference_or_no_name(app, runner, args, says):
    ref = save(app)
    result = runner.invoke(args=["inquiries", "pickup", *[a.format(ref=ref) for a in args]])
    assert result.exit_code != 0 and says in result.output, result.output
    assert stored(app, ref)["picked_up_at"] is None


def two_inquiries(app) -> tuple[str, str, dt.datetime]:
    """One picked up 14 minutes (and a few seconds) after it came in, one not yet."""
    came = dt.datetime(2026, 11, 25, 17, 3, tzinfo=dt.UTC)
    done, waiting = save(app, name="Done Person"), save(app, name="Waiting Person")
    set_times(app, done, came, came + dt.timedelta(minutes=14, seconds=20), "nurse@center.test")
    set_times(app, waiting, came + dt.timedelta(minutes=1))
    return done, waiting, came


def test_list_shows_who_picked_up_when_and_the_minutes_it_took(app, runner):
    done, waiting, _came = two_inquiries(app)
    result = runner.invoke(args=["inquiries", "list"])
    assert result.exit_code == 0, result.output
    header, *lines = result.output.splitlines()
    assert re.search(r"Reach by +Picked up by +Picked up at +Minutes +Emailed to staff$", header), header
    [done_line] = [line for line in lines if line.startswith(done)]
    [waiting_line] = [line for line in lines if line.startswith(waiting)]
    assert re.search(r"nurse@center\.test +2026-11-25 12:17 +14 +Waiting to send$", done_line), done_line
    assert re.search(r" Not yet +Waiting to send$", waiting_line), waiting_line
    # Each column starts where its heading does.
    assert done_line.index("nurse@") == header.index("Picked up by") == waiting_line.index("Not yet")
    assert done_line.index("2026-11-25 12:17") == header.index("Picked up at")
    assert done_line.index("14 ") == header.index("Minutes")


def test_show_says_who_picked_up_when_and_how_long_it_took(app, runner):
    done, waiting, _came = two_inquiries(app)
    shown = runner.invoke(args=["inquiries", "show", done]).output
    assert "Picked up by: nurse@center.test\n" in shown
    assert "Picked up at: 2026-11-25 12:17 (America/New_York)\n" in shown
    assert "Minutes to pick-up: 14\n" in shown
    not_yet = runner.invoke(args=["inquiries", "show", waiting]).output
    assert "Picked up by: Not yet\n" in not_yet
    assert "Picked up at" not in not_yet and "Minutes to pick-up" not in not_yet


def read_csv(path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def test_export_has_picked_up_by_and_at_and_the_minutes(app, runner, tmp_path):
    done, waiting, _came = two_inquiries(app)
    out = tmp_path / "inquiries.csv"
    assert runner.invoke(args=["inquiries", "export", "--output", str(out)]).exit_code == 0
    header, *table = read_csv(out)
    assert header[-4:] == ["Emailed to staff", "Picked up by", "Picked up at", "Minutes to pick-up"]
    by_ref = {row[0]: dict(zip(header, row, strict=True)) for row in table}
    assert (by_ref[done]["Picked up by"], by_ref[done]["Picked up at"]) == ("nurse@center.test", "2026-11-25 12:17")
    assert by_ref[done]["Minutes to pick-up"] == "14"
    assert [by_ref[waiting][c] for c in header[-3:]] == ["Not yet", "", ""]
    spam_out = tmp_path / "spam.csv"
    save(app, spam="honeypot filled")
    assert runner.invoke(args=["inquiries", "export", "--output", str(spam_out), "--spam"]).exit_code == 0
    spam_header = read_csv(spam_out)[0]
    assert spam_header[-4:] == ["Picked up by", "Picked up at", "Minutes to pick-up", "Why it looks like spam"]


# ---------------------------------------------------------------- the report


@pytest.fixture
def small_database(app):
    """Five real inquiries this week (picked up after 10, 20, 30 and 40 minutes, one never), one
    picked up after 100 minutes ten days ago, and two suspected spam (one picked up, one held)."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    refs = {}
    for minutes in (10, 20, 30, 40, None):
        ref = save(app)
        came = now - dt.timedelta(days=1, minutes=len(refs))
        set_times(app, ref, came, came + dt.timedelta(minutes=minutes) if minutes else None, "intake@center.test")
        refs[minutes] = ref
    old = save(app)
    set_times(app, old, now - dt.timedelta(days=10), now - dt.timedelta(days=10) + dt.timedelta(minutes=100), "x")
    flagged = save(app, spam="possible spam: sent too fast")
    set_times(app, flagged, now - dt.timedelta(hours=2), now - dt.timedelta(hours=1), "intake@center.test")
    held = save(app, spam="honeypot filled")
    return {"picked": refs, "old": old, "spam": [flagged, held], "never": refs[None]}


def test_report_counts_the_median_and_90th_percentile_and_lists_the_never_picked_up(app, runner, small_database):
    result = runner.invoke(args=["inquiries", "report"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Suspected spam is left out: 2 held or flagged." in out
    assert "Inquiries: 6\nPicked up: 5\nNot yet picked up: 1\n" in out
    # 10, 20, 30, 40, 100: the median is 30; the 90th percentile lies 6/10 of the way from 40 to 100.
    assert "Minutes to pick-up: median 30, 90th percentile 76\n" in out
    never = out.split("Never picked up:\n", 1)[1].splitlines()
    assert [line.split()[0] for line in never] == [small_database["never"]]
    for ref in small_database["spam"]:
        assert ref not in out


def test_report_since_a_day_leaves_older_inquiries_out(app, runner, small_database):
    since = (dt.date.today() - dt.timedelta(days=3)).isoformat()
    out = runner.invoke(args=["inquiries", "report", "--since", since]).output
    assert f"Pick-up report: inquiries received since {since}" in out
    assert "Inquiries: 5\nPicked up: 4\nNot yet picked up: 1\n" in out
    assert "Minutes to pick-up: median 25, 90th percentile 37\n" in out  # 10, 20, 30, 40


def test_report_with_nothing_picked_up_says_so(app, runner):
    ref = save(app)
    out = runner.invoke(args=["inquiries", "report"]).output
    assert "Inquiries: 1\nPicked up: 0\nNot yet picked up: 1\n" in out
    assert "Minutes to pick-up: none picked up yet." in out and ref in out
    empty = runner.invoke(args=["inquiries", "report", "--since", "2999-01-01"]).output
    assert "Inquiries: 0" in empty and "Never picked up: none." in empty


def test_percentile_interpolates_between_the_nearest_ranks():
    assert staff.percentile([7], 0.5) == staff.percentile([7], 0.9) == 7
    assert staff.percentile([10, 20], 0.5) == 15
    assert staff.percentile([40, 10, 30, 20], 0.9) == pytest.approx(37)
    assert staff.percentile(list(range(1, 11)), 0.9) == pytest.approx(9.1)
