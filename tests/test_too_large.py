"""A body too large to read gets one message wherever it is sent: the words are still in the
browser, so the page says how to get back to them."""

from __future__ import annotations

from flask import request

from tests import html as dom


def test_a_too_large_body_gets_the_same_page_on_the_contact_form_and_elsewhere(app):
    @app.post("/echo-for-test")
    def echo():
        return str(len(request.form))

    client = app.test_client()
    body = {"message": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)}
    on_contact = client.post("/contact", data=body)
    elsewhere = client.post("/echo-for-test", data=body)
    assert on_contact.status_code == elsewhere.status_code == 413
    main = [dom.find(response, "main", id="main") for response in (on_contact, elsewhere)]
    assert main[0].source == main[1].source
    heading = main[0].find("h1")
    assert (heading.attrs, heading.children) == ({}, ["Message too long"]) and "Back button" in main[0].text
