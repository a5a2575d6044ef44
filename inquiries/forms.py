"""The contact form: its fields, plain-words messages and every validation rule, in one place.

The same form validates a full submission and a single field for the htmx partial, so a message
seen inline is exactly the message seen after pressing Send. Every word a visitor reads here is
lazy gettext: it is put into the request's language (``i18n``) when the page is rendered.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from flask import current_app, request
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, RadioField, SelectChoice, StringField, TelField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from i18n import lazy as _l
from inquiries import spam
from inquiries.addresses import has_link_tricks
from inquiries.store import FIELDS
from inquiries.text import clean_text

MESSAGE_MAX = 2000
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
LINE_BREAK = re.compile(r"[\n\u2028\u2029]")
# "2,000" in both languages: Spanish in the US (and Mexico) groups thousands with a comma too.
MESSAGE_MAX_TEXT = f"{MESSAGE_MAX:,}"


def keep_or_new_key(value: str | None) -> str:
    """The submitted idempotency key if it looks like ours, else a fresh one."""
    return value if value and KEY_PATTERN.match(value) else secrets.token_urlsafe(18)


class OneLine:
    """Reject line breaks in a one-line answer (control characters are already gone: clean_text)."""

    def __init__(self, what) -> None:
        self.what = what

    def __call__(self, form: FlaskForm, field) -> None:
        if field.data and LINE_BREAK.search(field.data):
            raise ValidationError(_l("%(what)s must be on one line", what=self.what))


def phone_number(form: FlaskForm, field) -> None:
    """A number that is real for the center's region (or written with a + country code)."""
    if not field.data:
        return
    try:
        number = phonenumbers.parse(field.data, current_app.config["SITE_REGION"])
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(_l("Enter a phone number with its area code, like 202 555 0123"))
    field.normalized = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def email_address(form: FlaskForm, field) -> None:
    """A well-formed address; no DNS lookup, which would be slow and would leak the domain."""
    if not field.data:
        return
    try:
        normalized = validate_email(field.data, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise ValidationError(_l("Enter an email address like name@example.com")) from error
    if has_link_tricks(normalized):
        raise ValidationError(_l("Enter an email address without %, ? or & before the @, like name@example.com"))
    field.normalized = normalized


def one_line(what, most: int) -> list:
    """The rules of a one-line answer of at most ``most`` characters, each naming it as ``what``."""
    # Length puts the message through "%" itself: a "%" in any language's words would need doubling.
    too_long = _l("%(what)s must be %(most)d characters or fewer", what=what, most=most)
    return [OneLine(what), Length(max=most, message=too_long)]


class Choice(RadioField):
    """Radio buttons, required when ``required`` gives the message to show when none is chosen."""

    def __init__(self, label, choices: list[tuple], required=None, **kwargs) -> None:
        check = DataRequired(required) if required else Optional()
        invalid = required or _l("Choose one of the options")
        super().__init__(
            label,
            choices=[SelectChoice(v, text) for v, text in choices],
            validators=[check],
            invalid_choice_message=invalid,
            **kwargs,
        )


class ContactForm(FlaskForm):
    """Someone reaching out: how to reach them and what they want to tell us."""

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            """Read the submitted text fields only. Flask-WTF would also hand the fields any
            uploaded file or JSON value, which no field here can take (an upload is refused in
            ``views.contact_guards``)."""
            if formdata is None or hasattr(formdata, "getlist"):
                return formdata  # given by the caller
            return (request.form or None) if form.is_submitted() else None

    name = StringField(
        _l("Your name"),
        description=_l("A first name is fine."),
        filters=[clean_text],
        validators=[DataRequired(_l("Enter your name")), *one_line(_l("Your name"), 100)],
        render_kw={"autocomplete": "name"},
    )
    phone = TelField(
        _l("Phone number"),
        description=_l("Give us a phone number, an email address, or both."),
        filters=[clean_text],
        validators=[*one_line(_l("Phone number"), 40), phone_number],
        render_kw={"autocomplete": "tel"},
    )
    email = EmailField(
        _l("Email address"),
        filters=[clean_text],
        validators=[*one_line(_l("Email address"), 254), email_address],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )
    contact_method = Choice(
        _l("How should we reach you?"),
        [("call", _l("Call me")), ("text", _l("Text me")), ("email", _l("Email me"))],
        required=_l("Choose how we should reach you"),
    )
    voicemail_ok = Choice(
        _l("If we call and you do not answer, may we leave a voicemail?"),
        [("yes", _l("Yes, you may leave a voicemail")), ("no", _l("No, please do not leave a voicemail"))],
        description=_l("If you choose No or leave this blank, we will not leave a message."),
    )
    who = Choice(_l("Who needs help?"), [("self", _l("Me")), ("loved_one", _l("Someone I care about"))])
    insurance = StringField(
        _l("Insurance company (optional)"),
        description=_l("Only the company name, if you have one. No member numbers, please."),
        filters=[clean_text],
        validators=one_line(_l("Insurance company"), 100),
        render_kw={"autocomplete": "off", "list": "insurance-list"},
    )
    message = TextAreaField(
        _l("How can we help?"),
        description=_l("Up to %(most)s characters. Tell us as much or as little as you like.", most=MESSAGE_MAX_TEXT),
        filters=[clean_text],
        validators=[
            DataRequired(_l("Tell us how we can help")),
            Length(
                max=MESSAGE_MAX, message=_l("Your message must be %(most)s characters or fewer", most=MESSAGE_MAX_TEXT)
            ),
        ],
        render_kw={"rows": 6},
    )
    # Hidden: idempotency key, signed render time, and the honeypot (see inquiries/spam.py).
    submission_key = HiddenField(filters=[keep_or_new_key])
    rendered_at = spam.Timer()
    website_url = StringField(_l("Leave this empty"), filters=[clean_text])

    def validate(self, extra_validators=None) -> bool:
        """Each field's own rules, then the rules that tie phone, email and contact method together."""
        valid = super().validate(extra_validators)
        method = self.contact_method.data
        if method == "email" and not self.email.data and not self.email.errors:
            self.email.errors.append(_l("Enter your email address, or choose another way for us to reach you"))
        elif method in ("call", "text") and not self.phone.data and not self.phone.errors:
            self.phone.errors.append(_l("Enter your phone number, or choose another way for us to reach you"))
        elif not (self.phone.data or self.email.data or self.phone.errors or self.email.errors):
            self.phone.errors.append(_l("Enter a phone number or an email address so we can reach you"))
        return valid and not (self.phone.errors or self.email.errors)

    def problems(self) -> list[tuple[str, str]]:
        """(field name, first error) for each visible field, in page order: the error summary."""
        return [(name, self[name].errors[0]) for name in FIELDS if self[name].errors]

    def answers(self) -> dict[str, str]:
        """The visitor's answers as stored: phone and email in one standard form."""
        answers = {name: self[name].data or "" for name in FIELDS}
        for name in ("phone", "email"):
            answers[name] = getattr(self[name], "normalized", None) or answers[name]
        return answers

    def idempotency_key(self) -> str:
        """What the inquiry is stored under: the form's key together with the answers.

        A repeat (double tap, network retry, refresh, Send after a CSRF refresh) is the same inquiry;
        a changed message sent from a page the Back button restored, key and all, is a new one
        rather than silently taken for the first.
        """
        answers = json.dumps(self.answers(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(f"{self.submission_key.data}\0{answers}".encode()).hexdigest()
