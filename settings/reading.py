"""Environment values given their settings' types, in one place (`typed`)."""

from __future__ import annotations

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
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int | str) and not isinstance(value, bool):
        try:
            return int(value)
        except ValueError:
            pass
    raise ValueError("a whole number")


def _read_float(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value  # 5 stays 5: a whole number of seconds prints as one
    if isinstance(value, str):
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
        if isinstance(value, kind):
            return value
        raise ValueError(what)

    return read


def _read_str(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)  # FLASK_SITE_PHONE=911 was read as JSON
    if isinstance(value, str | list | tuple):
        return value  # a list only for MAIL_DEFAULT_SENDER's ["Name", "address"] form
    raise ValueError("text")


_READERS = {
    bool: _read_bool,
    int: _read_int,
    float: _read_float,
    str: _read_str,
    list: _read_json(list, 'a JSON list in brackets, e.g. ["one", "two"]'),
    dict: _read_json(dict, 'a JSON object in braces, e.g. {"key": "value"}'),
}


def read(setting: Setting, value: Any) -> Any:
    """``value`` as ``setting``'s type; ValueError saying what was expected if it is not one."""
    if value is None or (value == "" and setting.default is None):
        return None  # unset
    return _READERS[setting.kind or type(setting.default)](value)


def typed(config: dict[str, Any]) -> None:
    """Give every setting in ``config`` its type, in place: the one place values are converted.

    Called once the environment has been read (after ``from_prefixed_env()``, which already
    decodes JSON), so ``FLASK_PRODUCTION=off`` is False and ``FLASK_MAIL_PORT=587`` is 587.
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
