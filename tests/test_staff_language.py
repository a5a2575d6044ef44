"""The staff tools show the language each inquiry came in (staff call back in it): `inquiries list`,
`show` and the CSV export's Language column."""

from __future__ import annotations

import csv
import secrets

from inquiries import db as dbmod
from inquiries import store
from tests.staff_data import REAL, db_path


def save(app, language: str, **fields) -> str:
    db = dbmod.connect(db_path(app))
    try:
        saved = store.save_inquiry(db, {**REAL, **fields}, submission_key=secrets.token_hex(16), language=language)
        return saved.ref
    finally:
        db.conn.close()


def test_list_show_and_export_name_each_inquiry_s_language(app, runner, tmp_path):
    spanish = save(app, "es", name="María Pérez")
    english = save(app, "en", name="Mary Parks")

    listing = runner.invoke(args=["inquiries", "list"])
    assert listing.exit_code == 0, listing.output
    header, *lines = listing.output.splitlines()
    assert "Language" in header
    by_ref = {line.split()[0]: line for line in lines if line[:9] in (spanish, english)}
    assert " Spanish " in by_ref[spanish] and " English " in by_ref[english]
    assert "Spanish" not in by_ref[english]

    shown = runner.invoke(args=["inquiries", "show", spanish])
    assert shown.exit_code == 0, shown.output
    assert "Language: Spanish" in shown.output.splitlines()
    assert "Language: English" in runner.invoke(args=["inquiries", "show", english]).output.splitlines()

    out = tmp_path / "inquiries.csv"
    assert runner.invoke(args=["inquiries", "export", "--output", str(out)]).exit_code == 0
    with open(out, encoding="utf-8-sig", newline="") as file:
        header, *rows = list(csv.reader(file))
    column = header.index("Language")
    assert {row[0]: row[column] for row in rows} == {spanish: "Spanish", english: "English"}
