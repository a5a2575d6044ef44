"""The documented reverse-proxy configs agree with the app and are accepted by nginx and Caddy."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

import settings
from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
MAX_BODY = next(s.default for s in settings.SETTINGS if s.name == "MAX_CONTENT_LENGTH")


def test_nginx_body_limit_matches_max_content_length():
    common = (DEPLOY / "nginx-site-common.conf").read_text()
    size = re.search(r"^client_max_body_size (\d+)k;", common, re.M)
    assert size and int(size[1]) * 1024 == MAX_BODY


def test_caddy_body_limit_matches_max_content_length():
    caddy = (DEPLOY / "Caddyfile").read_text()
    size = re.search(r"max_size (\d+)KiB", caddy)
    assert size and int(size[1]) * 1024 == MAX_BODY


def test_production_nginx_includes_the_rules_the_bench_runs():
    production = (DEPLOY / "nginx.conf").read_text()
    assert "include /srv/site/deploy/nginx-site-common.conf;" in production
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


@pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed")
def test_nginx_accepts_the_production_config(tmp_path):
    """``nginx -t`` on deploy/nginx.conf with its paths moved into a temporary folder."""
    site = (DEPLOY / "nginx.conf").read_text()
    site = site.replace("/srv/site/deploy", str(DEPLOY)).replace("/var/cache/nginx/site", str(tmp_path / "cache"))
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


@pytest.mark.skipif(not shutil.which("caddy"), reason="caddy is not installed")
def test_caddy_accepts_the_caddyfile():
    check = subprocess.run(
        ["caddy", "adapt", "--config", str(DEPLOY / "Caddyfile"), "--adapter", "caddyfile"],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr
    assert '"max_size":65536' in check.stdout
