"""The contact form: the page, the submission, one field's validation, and the thanks page.

Each URL has a Spanish twin under ``/es/contacto`` answered by the same view: the language is the
URL's (``i18n.current()``), and the page, its messages and the links it makes stay in it.

Thin on purpose: the rules live in ``inquiries.forms`` (validation), ``inquiries.spam`` (honeypot
and timer) and ``inquiries.store`` (one transaction, idempotent, queueing the staff email); a new
inquiry then wakes ``inquiries.sender``. Guards that refuse a request
(CSRF, rate limit, size) are in ``views.contact_guards``; their refusals are answered at the end of
this module, and keep the visitor's words too.
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, redirect, render_template, request, session
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import RequestEntityTooLarge

import i18n
import settings
from inquiries import alerts, sender, spam, store
from inquiries.db import get_db
from inquiries.forms import ContactForm
from views import contact_guards, errors
from views.contact_guards import InquiryLimitReached, UnreadableBody, UploadRefused

bp = Blueprint("contact", __name__)
bp.before_request(contact_guards.read_body)
bp.before_request(contact_guards.check_csrf)

REF_PATTERN = re.compile(r"^[2-9A-Z]{4}-[2-9A-Z]{4}$")

# Each language's contact URLs: the form (``i18n.CONTACT``), one field's check and the thanks page
# (the last two end with the field's name or the reference). robots.txt keeps out the last two.
PATHS = {
    "en": {"form": i18n.CONTACT["en"], "validate": "/contact/validate/", "thanks": "/contact/thanks/"},
    "es": {"form": i18n.CONTACT["es"], "validate": "/es/contacto/validar/", "thanks": "/es/contacto/gracias/"},
}


@bp.context_processor
def contact_paths() -> dict:
    """The contact templates build every URL in the page's own language."""
    return {"contact_paths": PATHS[i18n.current()]}


def twins(kind: str, tail: str = "") -> tuple[tuple[str, str], ...]:
    """This page in each language, for the hreflang alternates and the language switch."""
    return tuple((lang, PATHS[lang][kind] + tail) for lang in i18n.LANGUAGES)


def wants_fragment() -> bool:
    """An htmx request that will swap our answer in (a history restore wants the whole page)."""
    return request.headers.get("HX-Request") == "true" and "HX-History-Restore-Request" not in request.headers


def render_form(form: ContactForm, *, status: int = 200, notice: str | None = None):
    """The form with the visitor's answers and any errors: the whole page, or for htmx its form area.

    htmx 2 swaps no 4xx answer except the ones the page's config allows (413, 429), so an error
    re-render goes to htmx as 200.
    """
    problems = form.problems()
    title = _("Contact us")
    context = {
        "form": form,
        "fields": store.FIELDS,
        "problems": problems,
        "notice": notice,
        "title": _("Error: %(title)s", title=title) if problems or notice else title,
        "alternates": twins("form"),
    }
    if wants_fragment():
        return render_template("contact/_form.html", fragment=True, **context), (429 if status == 429 else 200)
    return render_template("contact/page.html", **context), status


@bp.after_request
def private_and_varied(response):
    """Nothing on these URLs may be cached; one URL answers both page and fragment."""
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("HX-Request")
    return response


@bp.get("/contact")
@bp.get("/es/contacto")
def form():
    """The contact page, with a fresh submission key, timer and CSRF token."""
    return render_form(ContactForm(formdata=None))


@bp.post("/contact")
@bp.post("/es/contacto")
def submit():
    """Store a valid inquiry (and its staff email) once, then confirm; otherwise show what to fix."""
    form = ContactForm()
    if not form.validate():
        return render_form(form, status=422)
    verdict = spam.assess(form)
    if verdict.expired:
        return render_form(form, status=400, notice="expired")
    saved = store.save_inquiry(
        get_db(),
        form.answers(),
        submission_key=form.idempotency_key(),
        spam_reason=verdict.reason,
        send_email=verdict.send_email,
        domain=settings.site_domain(current_app.config),
        admit=contact_guards.inquiry_admission(),
        announce=alerts.announcer(current_app.config),
        language=i18n.current(),
    )
    current_app.logger.info(
        "Inquiry %s %s%s", saved.ref, "stored" if saved.created else "repeated", " (flagged)" if verdict.reason else ""
    )
    if saved.created:
        sender.wake(current_app)  # send it now rather than at the sender's next poll
    session["inquiry_ref"] = saved.ref
    if wants_fragment():
        headers = {"HX-Retarget": "#main", "HX-Reswap": "innerHTML show:window:top"}
        return (
            render_template("contact/_thanks.html", fragment=True, ref=saved.ref, method=form.contact_method.data),
            200,
            headers,
        )
    return redirect(PATHS[i18n.current()]["thanks"] + saved.ref, 303)


@bp.post("/contact/validate/<field>")
@bp.post("/es/contacto/validar/<field>")
def validate_field(field: str):
    """One field's wrapper, validated with the rest of the form as context (always 200 for htmx)."""
    if field not in store.FIELDS:
        abort(404)
    form = ContactForm()
    form.validate()
    return render_template("contact/_field.html", field=form[field])


@bp.get("/contact/thanks/<ref>")
@bp.get("/es/contacto/gracias/<ref>")
def thanks(ref: str):
    """The confirmation: the reference, what happens next, crisis numbers, and nothing they wrote.

    The URL can be shared or left in a history, so only this browser (whose session holds the
    reference) is told which way they asked to be reached.
    """
    if not REF_PATTERN.match(ref):
        abort(404)
    inquiry = store.get_inquiry(get_db(), ref)
    if inquiry is None:
        abort(404)
    method = inquiry["contact_method"] if session.get("inquiry_ref") == ref else None
    return render_template("contact/thanks.html", ref=ref, method=method, alternates=twins("thanks", ref))


# --- Refusals: a blueprint's handlers also catch what its before_request functions raise. -------


def words_back(error, *, notice: str, field_status: int):
    """The visitor's words after a refusal: for one field's validation that field as typed, else
    the whole form (with a fresh token); a request that carried no words gets the error page."""
    if request.method != "POST":
        return errors.render_error(error)
    form = ContactForm()
    if request.endpoint == "contact.validate_field":
        field = request.view_args.get("field", "")
        if field not in store.FIELDS:
            return errors.render_error(error)
        return render_template("contact/_field.html", field=form[field]), field_status
    return render_form(form, status=400, notice=notice)


@bp.errorhandler(CSRFError)
def csrf_failed(error: CSRFError):
    """A missing, expired or foreign token: the form again with every word and a fresh token."""
    # Nothing is changed by validating one field, so it is shown as typed and judged on Send.
    return words_back(error, notice="expired", field_status=200)


@bp.errorhandler(UploadRefused)
def upload_refused(error: UploadRefused):
    """A file was sent: the text they typed comes back; the file is not read."""
    return words_back(error, notice="upload", field_status=400)


@bp.errorhandler(UnreadableBody)
def unreadable(error: UnreadableBody):
    """A body that could not be read holds no words to give back: the browser's Back button does."""
    message = _(
        "We could not read what your browser sent. Press your browser's Back button to return "
        "to your message and send it again. Or call us."
    )
    return render_template("errors/error.html", code=400, title=_("That did not work"), message=message), 400


@bp.errorhandler(InquiryLimitReached)
def rate_limited(error: InquiryLimitReached):
    """This client has sent enough for now: the form with every word, and the phone number."""
    if request.method != "POST":
        return errors.render_error(error)
    return render_form(ContactForm(), status=429, notice="rate_limited")


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge):
    """Too large to read: for htmx, a note beside the button (the form stays as it is); otherwise
    the site's one 413 page, which says how to get back to the words."""
    if request.method == "POST" and request.headers.get("HX-Request") == "true":
        headers = {"HX-Retarget": "#send-status", "HX-Reswap": "innerHTML"}
        return render_template("contact/_too_large.html"), 413, headers
    return errors.render_error(error)
