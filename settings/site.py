"""What the settings say about the site itself."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit


def site_domain(config: dict[str, Any]) -> str:
    """The host name of ``SITE_URL`` (``localhost`` if it has none): the right side of our Message-IDs."""
    return urlsplit(config["SITE_URL"]).hostname or "localhost"
