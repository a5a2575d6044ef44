"""FLASK_PROXY_HOPS must be stated in production: both wrong guesses fail silently otherwise."""

from __future__ import annotations

import pytest
from flask import request

import settings
from tests.deploy_env import ENV_EXAMPLE, flask_in_process, production_env, read_env_file
from tests.test_headers import PRODUCTION


def assert_explains_both_mistakes(text: str) -> None:
    assert "FLASK_PROXY_HOPS" in text
    assert "one address" in text  # 0 behind a proxy: every visitor shares the proxy's address
    assert "X-Forwarded-For" in text and "fake" in text  # 1 with nothing in front


@pytest.mark.parametrize("value", [None, ""])
def test_check_config_refuses_an_unset_proxy_hops_and_explains_both_mistakes(tmp_path, value):
    env = production_env(tmp_path)
    if value is None:
        del env["FLASK_PROXY_HOPS"]
    else:
        env["FLASK_PROXY_HOPS"] = value
    result = flask_in_process(["check-config"], env)
    assert result.exit_code == 1, result.output
    assert_explains_both_mistakes(result.output)
    assert len([line for line in result.output.splitlines() if "FLASK_PROXY_HOPS" in line]) == 1, result.output
    assert "Traceback" not in result.output


def test_production_start_up_refuses_an_unset_proxy_hops(make_app):
    config = {key: value for key, value in PRODUCTION.items() if key != "PROXY_HOPS"}
    with pytest.raises(settings.ConfigError) as excinfo:
        make_app(**config, TESTING=False)
    assert_explains_both_mistakes(str(excinfo.value))


@pytest.mark.parametrize("hops", [0, 1, 2])
def test_production_accepts_any_explicit_hop_count(make_app, hops):
    app = make_app(**{**PRODUCTION, "PROXY_HOPS": hops}, TESTING=False)
    assert app.config["PROXY_HOPS"] == hops


def test_the_deploy_recipe_sets_it():
    assert read_env_file(ENV_EXAMPLE)["FLASK_PROXY_HOPS"] == "1"


def test_development_without_it_trusts_no_proxy(make_app):
    app = make_app()
    app.add_url_rule("/_whoami", "whoami", lambda: request.remote_addr or "-")
    response = app.test_client().get(
        "/_whoami", headers={"X-Forwarded-For": "6.6.6.6"}, environ_base={"REMOTE_ADDR": "127.0.0.1"}
    )
    assert response.get_data(as_text=True) == "127.0.0.1"


def remote_addr_app(make_app, hops: int):
    app = make_app(PROXY_HOPS=hops)
    app.add_url_rule("/_whoami", "whoami", lambda: request.remote_addr or "-")
    return app


def test_proxy_hops_1_trusts_the_proxy_s_x_forwarded_for(make_app):
    client = remote_addr_app(make_app, 1).test_client()
    response = client.get(
        "/_whoami", headers={"X-Forwarded-For": "198.51.100.23"}, environ_base={"REMOTE_ADDR": "127.0.0.1"}
    )
    assert response.get_data(as_text=True) == "198.51.100.23"
    # Only the hop the proxy appended is trusted, not an address the client made up before it.
    response = client.get(
        "/_whoami", headers={"X-Forwarded-For": "6.6.6.6, 198.51.100.23"}, environ_base={"REMOTE_ADDR": "127.0.0.1"}
    )
    assert response.get_data(as_text=True) == "198.51.100.23"


def test_proxy_hops_0_ignores_x_forwarded_for(make_app):
    client = remote_addr_app(make_app, 0).test_client()
    response = client.get(
        "/_whoami", headers={"X-Forwarded-For": "198.51.100.23"}, environ_base={"REMOTE_ADDR": "127.0.0.1"}
    )
    assert response.get_data(as_text=True) == "127.0.0.1"
