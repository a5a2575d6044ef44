"""Privacy-safe access logs for gunicorn: masked client addresses and no query strings.

`gunicorn.conf.py` sets ``logger_class = "logs.PrivacyLogger"``. Every access log line then shows
the client address with its last part zeroed (IPv4 ``203.0.113.77`` → ``203.0.113.0``; IPv6 kept to
its first 48 bits), on every path, not only ``/contact``: reading a page about heroin withdrawal is
itself health information. The request line never carries the query string or the referrer, so
nothing a visitor typed can reach the log even if a future format string asks for it.
Behind a reverse proxy the address is the one `ProxyFix` took from ``X-Forwarded-For`` (it rewrites
``REMOTE_ADDR`` in place before gunicorn writes the line), so set ``FLASK_PROXY_HOPS`` right.
"""

from __future__ import annotations

import ipaddress

from gunicorn.glogging import Logger

# Atoms that can carry what a visitor typed or where they came from; blanked whatever the format.
_BLANKED = ("q", "f", "{query_string}e", "{raw_uri}e", "{http_referer}e", "{referer}i", "{cookie}i", "{http_cookie}e")
# Header and environ atoms that hold the unmasked client address (X-Forwarded-For, ProxyFix's copy).
_ADDRESS_WORDS = ("forwarded", "real-ip", "real_ip", "proxy_fix")


def mask_address(address: str | None) -> str:
    """The client address with the host part removed: IPv4 to /24, IPv6 to /48, anything else ``-``."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return "-"
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)


class PrivacyLogger(Logger):
    """gunicorn's logger with masked client addresses and path-only request lines."""

    def atoms(self, resp, req, environ, request_time):
        """The usual atoms, with ``h`` masked and the query string, referrer and cookies dropped."""
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["h"] = mask_address(environ.get("REMOTE_ADDR"))
        atoms["{remote_addr}e"] = atoms["h"]
        atoms["r"] = f"{atoms['m']} {atoms['U']} {atoms['H']}"
        for key in list(atoms):
            if key in _BLANKED or any(word in key for word in _ADDRESS_WORDS):
                atoms[key] = "-"
        return atoms
