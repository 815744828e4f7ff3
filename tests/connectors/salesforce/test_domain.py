from __future__ import annotations

import pytest

from syncline.connectors.salesforce.client import login_base_url, login_endpoints
from syncline.connectors.salesforce.client.domain import is_legacy_login_host
from syncline.connectors.salesforce.errors import InvalidDomain


@pytest.mark.parametrize(
    ("domain", "base_url"),
    [
        pytest.param("acme", "https://acme.my.salesforce.com", id="my-domain-id"),
        pytest.param("ACME", "https://acme.my.salesforce.com", id="my-domain-id-uppercase"),
        pytest.param("acme.my.salesforce.com", "https://acme.my.salesforce.com", id="my-domain"),
        pytest.param("https://acme.my.salesforce.com/", "https://acme.my.salesforce.com", id="https-slash"),
        pytest.param("http://acme.my.salesforce.com", "http://acme.my.salesforce.com", id="explicit-http"),
        pytest.param(
            "acme.my.salesforce.com/lightning/page/home", "https://acme.my.salesforce.com", id="path"
        ),
        pytest.param("acme--uat", "https://acme--uat.sandbox.my.salesforce.com", id="sandbox-id"),
        pytest.param(
            "acme--uat.sandbox.my.salesforce.com", "https://acme--uat.sandbox.my.salesforce.com", id="sandbox"
        ),
        pytest.param("login.salesforce.com", "https://login.salesforce.com", id="legacy-login"),
        pytest.param("test.salesforce.com", "https://test.salesforce.com", id="legacy-test"),
        pytest.param("login", "https://login.salesforce.com", id="login-shorthand"),
        pytest.param("test", "https://test.salesforce.com", id="test-shorthand"),
        pytest.param("http://127.0.0.1:8443", "http://127.0.0.1:8443", id="emulator"),
        pytest.param(
            "http://127.0.0.1:8443/services/oauth2/token?x=1", "http://127.0.0.1:8443", id="emulator-path"
        ),
        pytest.param("127.0.0.1:8443", "https://127.0.0.1:8443", id="no-scheme-port"),
        pytest.param("localhost", "https://localhost", id="localhost"),
        pytest.param("http://sfemu:8443", "http://sfemu:8443", id="dotless-host-with-port"),
        pytest.param("  acme.my.salesforce.com  ", "https://acme.my.salesforce.com", id="whitespace"),
        pytest.param("http://[::1]:8443", "http://[::1]:8443", id="ipv6"),
    ],
)
def test_domain_forms_normalise_to_a_login_base_url(domain: str, base_url: str) -> None:
    assert login_base_url(domain) == base_url


@pytest.mark.parametrize(
    "domain",
    [
        pytest.param("", id="empty"),
        pytest.param("ftp://acme.my.salesforce.com", id="ftp"),
        pytest.param("acme_corp.my.salesforce.com", id="underscore"),
        pytest.param("http://127.0.0.1:99999", id="port-out-of-range"),
        pytest.param("http://127.0.0.1:port", id="port-not-a-number"),
        pytest.param("https://", id="no-host"),
    ],
)
def test_unusable_domains_are_refused_with_the_domain_named(domain: str) -> None:
    with pytest.raises(InvalidDomain) as info:
        login_base_url(domain)
    assert info.value.domain == domain
    assert "acme.my.salesforce.com" in str(info.value)  # the message shows what a good value looks like


def test_endpoints_are_the_oauth_paths_of_the_login_host() -> None:
    endpoints = login_endpoints("acme")
    assert endpoints.token_url == "https://acme.my.salesforce.com/services/oauth2/token"
    assert endpoints.authorize_url == "https://acme.my.salesforce.com/services/oauth2/authorize"
    assert endpoints.userinfo_url == "https://acme.my.salesforce.com/services/oauth2/userinfo"


def test_only_login_and_test_hosts_are_legacy() -> None:
    assert is_legacy_login_host(login_base_url("login"))
    assert is_legacy_login_host("https://test.salesforce.com")
    assert not is_legacy_login_host(login_base_url("acme"))
