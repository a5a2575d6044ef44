"""The documented reverse-proxy configs agree with the app and are accepted by nginx and Caddy."""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import urllib.error
import urllib.request

import pytest

import settings
from tests.conftest import ROOT, needs

DEPLOY = ROOT / "deploy"
MAX_BODY = next(s.default for s in settings.SETTINGS if s.name == "MAX_CONTENT_LENGTH")


def test_nginx_lets_the_app_answer_too_long_messages():
    """The app's 413 keeps the visitor's words; the proxy's own 413 would replace the form."""
    common = (DEPLOY / "nginx-site-common.conf").read_text()
    size = re.search(r"^client_max_body_size (\d+)m;", common, re.M)
    assert size and int(size[1]) * 1024 * 1024 >= 2 * MAX_BODY


def test_caddy_lets_the_app_answer_too_long_messages():
    caddy = (DEPLOY / "Caddyfile").read_text()
    size = re.search(r"max_size (\d+)MiB", caddy)
    assert size and int(size[1]) * 1024 * 1024 >= 2 * MAX_BODY


def test_production_nginx_includes_the_rules_the_bench_runs():
    production = (DEPLOY / "nginx.conf").read_text()
    assert "include /srv/recovery-site/deploy/nginx-site-common.conf;" in production
    assert "keys_zone=site_cache:" in production and "upstream site_app" in production


def test_nginx_never_caches_the_contact_form_or_cookies():
    common = (DEPLOY / "nginx-site-common.conf").read_text()
    for location in ("location = /contact {", "location /contact/ {", "location = /healthz {"):
        block = common.split(location, 1)[1].split("}", 1)[0]
        assert "proxy_cache off;" in block, location
    assert "proxy_no_cache $upstream_http_set_cookie;" in common
    assert not re.search(r"^\s*proxy_cache_valid", common, re.M), "the app's Cache-Control decides what is cached"
    for header in ("X-Forwarded-For", "X-Forwarded-Proto"):
        assert f"proxy_set_header {header}" in common


@needs("nginx", "openssl")
def test_nginx_accepts_the_production_config(tmp_path):
    """``nginx -t`` on deploy/nginx.conf with its paths moved into a temporary folder."""
    site = (DEPLOY / "nginx.conf").read_text()
    site = site.replace("/srv/recovery-site/deploy", str(DEPLOY)).replace(
        "/var/cache/nginx/site", str(tmp_path / "cache")
    )
    site = site.replace("/var/log/nginx", str(tmp_path)).replace("/etc/letsencrypt/live/www.example.org", str(tmp_path))
    (tmp_path / "site.conf").write_text(site)
    keys = ["-keyout", str(tmp_path / "privkey.pem"), "-out", str(tmp_path / "fullchain.pem")]
    openssl = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test"]
    subprocess.run([*openssl, *keys], check=True, capture_output=True)
    temp = " ".join(f"{kind}_temp_path {tmp_path};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log; events {{}}\n"
        f"http {{ access_log off; {temp} include {tmp_path}/site.conf; }}\n"
    )
    check = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stderr


def adapted_caddyfile() -> dict:
    """deploy/Caddyfile as the installed Caddy reads it (its JSON config)."""
    check = subprocess.run(
        ["caddy", "adapt", "--config", str(DEPLOY / "Caddyfile"), "--adapter", "caddyfile"],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr
    return json.loads(check.stdout)


def handlers(node: object, name: str) -> list[dict]:
    """Every handler called ``name`` anywhere in a Caddy JSON config."""
    if isinstance(node, dict):
        found = [node] if node.get("handler") == name else []
        return found + [h for value in node.values() for h in handlers(value, name)]
    if isinstance(node, list):
        return [h for value in node for h in handlers(value, name)]
    return []


@needs("caddy")
def test_caddy_accepts_the_caddyfile():
    """The file names the Caddy versions it is written for; the installed one must be among them."""
    version = subprocess.run(["caddy", "version"], capture_output=True, text=True, check=True).stdout
    caddyfile = (DEPLOY / "Caddyfile").read_text()
    assert "Written for Caddy 2.6 and 2.7" in caddyfile
    assert re.match(r"v?2\.[67]\.", version), f"deploy/Caddyfile is written for Caddy 2.6 and 2.7, not {version}"
    (body_limit,) = handlers(adapted_caddyfile(), "request_body")
    assert body_limit["max_size"] == 1024 * 1024


@needs("caddy")
def test_caddy_reads_whole_requests_before_the_app_sees_them():
    """Bodies buffered past the body limit (so no accepted body streams), and read timeouts set."""
    config = adapted_caddyfile()
    (body_limit,) = handlers(config, "request_body")
    (proxy,) = handlers(config, "reverse_proxy")
    assert proxy["buffer_requests"] is True
    assert proxy["max_buffer_size"] > body_limit["max_size"]
    for server in config["apps"]["http"]["servers"].values():
        assert 0 < server["read_header_timeout"] <= 10 * 10**9
        assert 0 < server["read_timeout"] <= 60 * 10**9


def load_bench():
    """scripts/benchlib/servers.py, whose helpers start the site and nginx exactly as `make bench` does."""
    return importlib.import_module("scripts.benchlib.servers")


def post_status(port: int, body: bytes, headers: dict[str, str]) -> urllib.error.HTTPError:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/contact", data=body, headers=headers)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    return refused.value


@pytest.mark.slow
@needs("nginx")
def test_documented_nginx_caches_pages_and_never_the_contact_form(tmp_path):
    """deploy/nginx-site-common.conf in front of the site, over loopback, as `make bench` runs it."""
    bench = load_bench()
    blackhole = bench.Blackhole()
    app_port, proxy_port = bench.free_port(), bench.free_port()
    app = bench.start_app(tmp_path, app_port, blackhole.port, f"http://127.0.0.1:{proxy_port}")
    nginx = None
    try:
        bench.wait_http(f"http://127.0.0.1:{app_port}/healthz", app)
        nginx = bench.proxy_nginx(tmp_path / "proxy", proxy_port, app_port)
        bench.wait_http(f"http://127.0.0.1:{proxy_port}/healthz", nginx)

        def get(path, encoding="gzip"):
            return bench.fetch(f"http://127.0.0.1:{proxy_port}{path}", {"Accept-Encoding": encoding})

        _, first, body = get("/overdose")
        _, again, cached = get("/overdose")
        assert (first["X-Cache"], again["X-Cache"]) == ("MISS", "HIT")
        assert cached == body and again["Content-Encoding"] == "gzip" and again["ETag"] == first["ETag"]
        assert again["Vary"] == "Accept-Encoding" and "Content-Security-Policy" in again
        _, brotli, _ = get("/overdose", "gzip, deflate, br")
        assert brotli["Content-Encoding"] == "br" and brotli["X-Cache"] == "MISS"
        _, plain, _ = get("/overdose", "identity")
        assert "Content-Encoding" not in plain

        for _ in range(2):
            _, contact, _ = get("/contact")
            assert "X-Cache" not in contact
            assert contact["Cache-Control"] == "no-store" and "Set-Cookie" in contact
        _, health, _ = get("/healthz")
        assert "X-Cache" not in health

        # Over the app's limit: the app's own 413, which tells htmx to leave the form alone.
        too_long = post_status(proxy_port, b"x" * (MAX_BODY + 1000), {"HX-Request": "true"})
        assert too_long.code == 413 and too_long.headers["HX-Retarget"] == "#send-status"
        # Far over it: nginx stops the body before it reaches the app.
        abuse = post_status(proxy_port, b"x" * (1024 * 1024 + 100_000), {})
        assert abuse.code == 413 and "HX-Retarget" not in abuse.headers
    finally:
        if nginx is not None:
            bench.stop(nginx)
        bench.stop(app)
        blackhole.close()


@needs("caddy")
def test_every_caddy_log_masks_every_address_field_it_may_write():
    """2.6 logs the peer as remote_ip; 2.7 and later also as client_ip (the address it trusts)."""
    logs = adapted_caddyfile()["logging"]["logs"]
    assert set(logs) == {"default", "log0"}, "a log without the filter would keep full addresses"
    for name, log in logs.items():
        fields = log["encoder"]["fields"]
        for field in ("request>remote_ip", "request>client_ip"):
            assert fields[field] == {"filter": "ip_mask", "ipv4_cidr": 24, "ipv6_cidr": 48}, (name, field)
        assert fields["request>headers"] == {"filter": "delete"}, name
