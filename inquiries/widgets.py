"""WTForms' own widgets for the contact form, writing ``id``, ``name``, ``value`` and ``checked`` first.

WTForms sorts a control's attributes by name; ours keep the order the page has always had
(``<input id="phone" name="phone" value="…" …>``), which the tests and anything matching the
markup rely on. Every other attribute (``maxlength`` from the `Length` validator, ``type``,
``autocomplete``, the ARIA state the field macro passes) is WTForms' own, in its own order.
"""

from __future__ import annotations

from markupsafe import Markup
from wtforms import widgets

FIRST = ("id", "name", "value", "checked")


def html_params(**kwargs) -> Markup:
    """WTForms' ``html_params`` with the `FIRST` attributes leading, in that order."""
    lead = [widgets.html_params(**{key: kwargs.pop(key)}) for key in FIRST if key in kwargs]
    return Markup(" ").join(part for part in [*lead, widgets.html_params(**kwargs)] if part)


class TextInput(widgets.TextInput):
    """``<input type="text">``."""

    html_params = staticmethod(html_params)


class TelInput(widgets.TelInput):
    """``<input type="tel">``: the phone keypad on a phone."""

    html_params = staticmethod(html_params)


class EmailInput(widgets.EmailInput):
    """``<input type="email">``: the keyboard with @ on a phone."""

    html_params = staticmethod(html_params)


class RadioInput(widgets.RadioInput):
    """One radio button of a choice."""

    html_params = staticmethod(html_params)


class TextArea(widgets.TextArea):
    """``<textarea>`` as WTForms renders it, but with the text straight after the tag.

    WTForms puts a line break first so that an answer starting with one survives the HTML parser;
    ours never starts with one (``clean_text`` strips it), and the page keeps its old markup.
    """

    def __call__(self, field, **kwargs) -> Markup:
        """Render the field with its flags (``maxlength`` from `Length`) unless the caller set them."""
        kwargs.setdefault("id", field.id)
        for flag in self.validation_attrs:
            if flag not in kwargs and getattr(field.flags, flag, False):
                kwargs[flag] = getattr(field.flags, flag)
        # format() escapes the answer; the attributes are Markup already.
        return Markup("<textarea {}>{}</textarea>").format(html_params(name=field.name, **kwargs), field._value())
