"""How responses leave the app: security headers, static files, compression, the page cache, logs.

`init_app` installs the Flask parts and then wraps the WSGI app, innermost first:

1. `security`: the security headers on every response, production cookie flags;
2. `assets`: ``static/`` served from memory under fingerprinted URLs, and ``/favicon.ico``; `brand` adds
   the center's colour to site.css and its logo to those files;
3. `compression`: dynamic responses compressed as they leave (an ``after_request`` hook);
4. `mountpoint.AtRoot` (WSGI): no ``SCRIPT_NAME`` from a server or header moves the site off the root,
   so the cache outside it keys on the whole path;
5. `microcache.MicroCache` (WSGI): replays public responses without entering Flask;
6. `access_log.AccessLog` (WSGI, outermost): one privacy-safe line per request, whatever the server.

`logs` holds the address masking both logs share and the app log's set-up (``serve.py`` calls it).
"""

from __future__ import annotations

from flask import Flask, Response, request

from serving import access_log, assets, brand, compression, microcache, mountpoint, security


def init_app(app: Flask) -> None:
    """Install the serving layers in the order above; call it after any ``ProxyFix``, which must
    stay inside them so the cache and the logs see the client's real address and scheme."""
    security.init_app(app)
    assets.init_app(app)
    brand.init_app(app)  # SITE_COLOR into the served site.css, SITE_LOGO beside the static files

    @app.after_request
    def compress(response: Response) -> Response:
        return compression.compress_response(request, response)

    app.wsgi_app = mountpoint.AtRoot(app.wsgi_app)
    app.wsgi_app = app.extensions["microcache"] = microcache.MicroCache(app.wsgi_app)
    app.wsgi_app = access_log.AccessLog(app.wsgi_app, hops=app.config["PROXY_HOPS"] or 0)
