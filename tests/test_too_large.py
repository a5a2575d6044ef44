"""A body too large to read gets one message wherever it is sent: the words are still in the
browser, so the page says how to get back to them."""

from __future__ import annotations

from flask import request


def test_a_too_large_body_gets_the_same_page_on_the_contact_form_and_elsewhere(app):
    @app.post("/echo-for-test")
    def echo():
        return str(len(request.form))

    client = app.test_client()
    body = {"message": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)}
    on_contact = client.post("/contact", data=body)
    elsewhere = client.post("/echo-for-test", data=body)
    assert on_contact.status_code == elsewhere.status_code == 413
    main = [r.get_data(as_text=True).split('<main id="main">')[1].split("</main>")[0] for r in (on_contact, elsewhere)]
    assert main[0] == main[1]
    assert "<h1>Message too long</h1>" in main[0] and "Back button" in main[0]
