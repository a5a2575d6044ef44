"""The brand colour (``SITE_COLOR``): WCAG 2.x contrast, the shades derived from it, and its checks.

Buttons carry white text on the colour and links are the colour on the page's white background:
both need 4.5:1 (WCAG 2.2 AA, 1.4.3). Contrast is symmetric, so one ratio answers both uses. Links
inside tinted boxes (the crisis strip, the emergency box) use the darker shade, which is darkened
until it reaches 4.5:1 on those tints too.
"""

from __future__ import annotations

import re
from typing import Any

AA = 4.5
WHITE = "#ffffff"
# The tinted backgrounds site.css puts links on: --soft (crisis strip) and the emergency box.
TINTS = ("#f2f6f5", "#fff4f4")
HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


def parse(color: str) -> tuple[int, int, int]:
    """``#rrggbb`` or ``#rgb`` as (r, g, b) from 0 to 255; ValueError for anything else."""
    if not isinstance(color, str) or not HEX.match(color.strip()):
        raise ValueError("a colour written #rrggbb, e.g. #1b5e7a")
    digits = color.strip()[1:]
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def hex_of(rgb: tuple[int, int, int]) -> str:
    """(r, g, b) as ``#rrggbb``."""
    return "#" + "".join(f"{round(c):02x}" for c in rgb)


def luminance(color: str) -> float:
    """WCAG 2.x relative luminance: 0 for black, 1 for white."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in parse(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one: str, other: str) -> float:
    """WCAG 2.x contrast ratio of two colours, from 1 to 21 (the same whichever is the text)."""
    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def shown(ratio: float) -> str:
    """A ratio as people write it, never rounded up past a limit: 4.496 is ``4.49``, 21.0 is ``21``."""
    return f"{int(ratio * 100) / 100:.2f}".rstrip("0").rstrip(".")


def darker(color: str, amount: float) -> str:
    """``color`` mixed with ``amount`` (0 to 1) of black."""
    return hex_of(tuple(c * (1 - amount) for c in parse(color)))


def shades(color: str) -> dict[str, str]:
    """The CSS custom properties derived from the brand colour: the colour, and a darker shade for
    hover and for links on tinted boxes (at least 20% darker, and 4.5:1 on every tint)."""
    amount = 0.2
    dark = darker(color, amount)
    while amount < 1 and min(contrast(dark, tint) for tint in TINTS) < AA:
        amount += 0.05
        dark = darker(color, amount)
    return {"--brand": hex_of(parse(color)), "--brand-dark": dark}


def css(color: str) -> str:
    """The ``:root`` rule that paints the site in ``color``, appended to the stylesheet at start."""
    values = ";".join(f"{name}:{value}" for name, value in shades(color).items())
    return f"\n/* From FLASK_SITE_COLOR */\n:root{{{values}}}\n"


def color_problems(config: dict[str, Any]) -> list[str]:
    """``SITE_COLOR`` if it is not a colour, or too light for white text and for links on white."""
    color = config.get("SITE_COLOR")
    try:
        ratio = contrast(color, WHITE)
    except ValueError as error:
        return [f"FLASK_SITE_COLOR must be {error}, not {color!r}."]
    if ratio >= AA:
        return []
    return [
        f"FLASK_SITE_COLOR {color} gives {shown(ratio)}:1 against white text (its buttons) and as link text "
        f"on the white page; needs {AA:g}:1: choose a darker shade."
    ]
