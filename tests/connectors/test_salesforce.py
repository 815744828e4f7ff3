from __future__ import annotations

import pytest

from syncline.connectors import (
    ConfigurationInvalid,
    ConnectionCheckFailed,
    ConnectorContext,
    get_connection_type,
)
from syncline.connectors.salesforce import SalesforceConfig

from .helpers import errors_of

SALESFORCE = get_connection_type("salesforce")

# The example request on Polytomic's Salesforce connection page.
SEED_EXAMPLE = {
    "client_id": "a45gadsfdsaf47byor2ugfbhsgllpf12gf56gfds",
    "client_secret": "ay8d5hdepz62px8lqeoakuea2ccl4rxm13i6tbyorxhu1i20kc8ruvksmzxq",
    "connect_mode": "api",
    "daily_api_calls": 0,
    "domain": "http://instance.my.salesforce.com",
    "enable_multicurrency_lookup": False,
    "enable_tooling": False,
    "enforce_api_limits": False,
    "oauth_refresh_token": "dasfdasz62px8lqeoakuea2ccl4rxm13i6tbyorxhu1i20kc8ruvksmzxq",
}


def test_the_seed_pages_example_is_valid() -> None:
    config = SALESFORCE.validate_config(SEED_EXAMPLE)
    assert isinstance(config, SalesforceConfig)
    assert config.connect_mode == "api"


def test_a_domain_alone_is_valid_and_gets_the_defaults() -> None:
    config = SALESFORCE.validate_config({"domain": "acmecorp.my.salesforce.com"})
    assert config.model_dump(exclude_none=True) == {
        "domain": "acmecorp.my.salesforce.com",
        **SALESFORCE.defaults(),
    }


def test_null_means_use_the_default() -> None:
    config = SALESFORCE.validate_config({"domain": "acme.my.salesforce.com", "connect_mode": None})
    assert config.connect_mode == "browser"


@pytest.mark.parametrize(
    "domain",
    [
        "acmecorp.my.salesforce.com",
        "foo--uat.sandbox.my.salesforce.com",
        "login.salesforce.com",
        "foocorp",
        "http://127.0.0.1:8443",
        "https://acme.my.salesforce.com/",
        "localhost:8443",
    ],
)
def test_domain_accepts_hosts_with_optional_scheme_and_port(domain: str) -> None:
    assert SALESFORCE.validate_config({"domain": domain}).domain == domain


@pytest.mark.parametrize(
    "domain",
    [
        pytest.param("acme corp.my.salesforce.com", id="space"),
        pytest.param("ftp://acme.my.salesforce.com", id="other-scheme"),
        pytest.param("https://acme.my.salesforce.com/services", id="path"),
        pytest.param("acme.my.salesforce.com:0", id="port-zero"),
        pytest.param("acme.my.salesforce.com:70000", id="port-too-big"),
        pytest.param("https://", id="scheme-only"),
    ],
)
def test_domain_rejects_what_is_not_a_host(domain: str) -> None:
    message = errors_of("salesforce", {"domain": domain})["domain"]
    assert message.startswith("must be a domain such as acmecorp.my.salesforce.com")
    assert "http://127.0.0.1:8443" in message


def test_empty_domain_is_reported_as_empty() -> None:
    assert errors_of("salesforce", {"domain": ""}) == {"domain": "must not be empty"}


def test_connect_mode_lists_the_allowed_modes() -> None:
    assert errors_of("salesforce", {"domain": "x.com", "connect_mode": "oauth"}) == {
        "connect_mode": 'must be one of: browser, clientcredentials, code, api (got "oauth")'
    }


@pytest.mark.parametrize(
    ("mode", "missing"),
    [
        pytest.param("clientcredentials", ["client_id", "client_secret"], id="clientcredentials"),
        pytest.param("api", ["client_id", "client_secret", "oauth_refresh_token"], id="api"),
    ],
)
def test_connect_mode_requires_credentials(mode: str, missing: list[str]) -> None:
    expected = dict.fromkeys(missing, f"is required when connect_mode is {mode}")
    assert errors_of("salesforce", {"domain": "x.com", "connect_mode": mode}) == expected


@pytest.mark.parametrize("mode", ["browser", "code"])
def test_browser_and_code_modes_need_no_credentials(mode: str) -> None:
    assert SALESFORCE.validate_config({"domain": "x.com", "connect_mode": mode}).client_id is None


def test_blank_credentials_count_as_missing() -> None:
    raw = {"domain": "x.com", "connect_mode": "clientcredentials", "client_id": "  ", "client_secret": "s"}
    assert errors_of("salesforce", raw) == {"client_id": "is required when connect_mode is clientcredentials"}


def test_enforced_api_limits_need_a_daily_cap() -> None:
    assert errors_of("salesforce", {"domain": "x.com", "enforce_api_limits": True}) == {
        "daily_api_calls": "is required when enforce_api_limits is true"
    }


@pytest.mark.parametrize("enforce", [True, "true"], ids=["bool", "string"])
def test_enforced_daily_cap_must_be_positive(enforce: object) -> None:
    raw = {"domain": "x.com", "enforce_api_limits": enforce, "daily_api_calls": 0}
    assert errors_of("salesforce", raw) == {
        "daily_api_calls": "must be at least 1 when enforce_api_limits is true (got 0)"
    }


def test_daily_cap_is_never_negative() -> None:
    assert errors_of("salesforce", {"domain": "x.com", "daily_api_calls": -5}) == {
        "daily_api_calls": "must be at least 0 (got -5)"
    }


def test_enforced_daily_cap_is_accepted() -> None:
    raw = {"domain": "x.com", "enforce_api_limits": True, "daily_api_calls": "5000"}
    assert SALESFORCE.validate_config(raw).daily_api_calls == 5000


def test_check_of_an_unauthorized_browser_connection_says_what_to_do(ctx: ConnectorContext) -> None:
    config = SALESFORCE.validate_config({"domain": "acme", "connect_mode": "browser"})
    with pytest.raises(ConnectionCheckFailed) as info:
        SALESFORCE.check(config, ctx)
    assert "not authorized yet" in str(info.value)
    assert "auth_url" in str(info.value)


def test_check_of_an_unreachable_domain_names_it(ctx: ConnectorContext) -> None:
    config = SALESFORCE.validate_config({**SEED_EXAMPLE, "domain": "http://127.0.0.1:1"})
    with pytest.raises(ConnectionCheckFailed) as info:
        SALESFORCE.check(config, ctx)
    assert "Could not reach Salesforce at http://127.0.0.1:1" in str(info.value)
    assert SEED_EXAMPLE["client_secret"] not in str(info.value)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("client_secret", 1234567890, id="number"),
        pytest.param("client_secret", {"value": "hunter2-secret"}, id="object"),
        pytest.param("oauth_refresh_token", ["hunter2-secret"], id="array"),
        pytest.param("client_id", True, id="boolean"),
    ],
)
def test_secrets_never_appear_in_messages(field: str, value: object) -> None:
    with pytest.raises(ConfigurationInvalid) as info:
        SALESFORCE.validate_config({"domain": "x.com", field: value})
    text = str(info.value)
    assert "must be a string" in text
    for fragment in ("1234567890", "hunter2", "True", "true"):
        assert fragment not in text
