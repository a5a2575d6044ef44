"""Environment values given their settings' types, in one place (`typed`)."""

from __future__ import annotations

import json
import os
from typing import Any

from settings.errors import ConfigError
from settings.table import SETTINGS, Setting

BOOLEAN_WORDS = {
    "true": True,
    "yes": True,
    "on": True,
    "1": True,
    "false": False,
    "no": False,
    "off": False,
    "0": False,
}


def _read_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | str) and str(value).strip().lower() in BOOLEAN_WORDS:
        return BOOLEAN_WORDS[str(value).strip().lower()]
    raise ValueError("true or false (or yes/no, on/off, 1/0)")


def _read_int(value: Any) -> int:
    if isinstance(value, str):
        try:
            value = float(value) if "." in value else int(value)
        except ValueError:
            raise ValueError("a whole number") from None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ValueError("a whole number")


def _read_float(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value  # 5 stays 5: a whole number of seconds prints as one
    if isinstance(value, str):
        try:
            return int(value)  # 5 stays 5 here too
        except ValueError:
            pass
        try:
            return float(value)
        except ValueError:
            pass
    raise ValueError("a number")


def _read_json(kind: type, what: str):
    def read(value: Any):
        if isinstance(value, tuple) and kind is list:
            return list(value)
        if value == "":
            return kind()  # an empty line in the env file: nothing in it yet
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise ValueError(what) from None
        if isinstance(value, kind):
            return value
        raise ValueError(what)

    return read


def _read_str(value: Any) -> str:
    if isinstance(value, str):
        return value  # as typed: FLASK_MAIL_PASSWORD=1.50 stays 1.50, FLASK_SITE_PHONE=911 stays text
    if isinstance(value, os.PathLike):
        return os.fspath(value)  # a Path in instance/config.py
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ValueError("text")


def _read_sender(value: Any) -> str | list:
    """An address, or Flask-Mail's ``["Name", "address"]`` pair (a JSON list in the environment)."""
    if isinstance(value, str) and value.lstrip().startswith("["):
        value = _READERS[list](value)
    if isinstance(value, list | tuple):
        if len(value) == 2 and all(isinstance(part, str) for part in value):
            return list(value)
        raise ValueError('an address, or a JSON list ["Name", "address"]')
    return _read_str(value)


_READERS = {
    bool: _read_bool,
    int: _read_int,
    float: _read_float,
    str: _read_str,
    list: _read_json(list, 'a JSON list in brackets, e.g. ["one", "two"]'),
    dict: _read_json(dict, 'a JSON object in braces, e.g. {"key": "value"}'),
    tuple: _read_sender,
}


def raw(value: str) -> str:
    """The environment value as typed: `typed` reads it as its setting's type (not as JSON)."""
    return value


def read(setting: Setting, value: Any) -> Any:
    """``value`` as ``setting``'s type; ValueError saying what was expected if it is not one."""
    if value is None or (value == "" and setting.default is None):
        return None  # unset
    return _READERS[setting.kind or type(setting.default)](value)


def typed(config: dict[str, Any]) -> None:
    """Give every setting in ``config`` its type, in place: the one place values are converted.

    Called once the environment has been read (``from_prefixed_env`` with `raw`, so each value
    is still the text that was typed), so ``FLASK_PRODUCTION=off`` is False, ``FLASK_MAIL_PORT=587``
    is 587, a list is parsed as JSON and text is kept exactly as written.
    Raises ConfigError, one line per setting, naming each value that is not of its type.
    """
    problems = []
    for setting in SETTINGS:
        if setting.name not in config:
            continue
        try:
            config[setting.name] = read(setting, config[setting.name])
        except ValueError as error:
            shown = repr(config[setting.name])
            shown = shown if len(shown) <= 40 else shown[:39] + "…"
            problems.append(f"FLASK_{setting.name} must be {error}, not {shown}.")
    if problems:
        raise ConfigError(" ".join(problems), problems, heading=None)
