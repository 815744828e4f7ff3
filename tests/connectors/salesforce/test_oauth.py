"""Every connect mode end to end against sfemu, and the errors a wrong setting produces."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from sfemu.config import DEFAULT_CLIENT_ID, DEFAULT_USERNAME
from syncline.connectors.salesforce.client import (
    ClientOptions,
    OAuthApp,
    SalesforceClient,
    begin_authorization,
    complete_authorization,
    parse_callback,
)
from syncline.connectors.salesforce.config import SalesforceConfig
from syncline.connectors.salesforce.errors import (
    AuthorizationFailed,
    DomainUnreachable,
    InvalidClientCredentials,
    InvalidDomain,
    MissingCredentials,
    ReauthorizationRequired,
)
from tests.connectors.salesforce.helpers import DEMO_ACCOUNTS, DEMO_CONTACTS, FAST_RETRY, REDIRECT_URI, Org
from tests.support.server import free_port


def test_client_credentials_mode_reads_the_org(org: Org) -> None:
    with org.client("clientcredentials") as sf:
        assert sf.username() == DEFAULT_USERNAME
        assert len(list(sf.rest.query("SELECT Id FROM Account"))) == DEMO_ACCOUNTS
        assert sf.tokens.instance_url == org.server.base_url


def test_api_mode_refreshes_with_the_configured_refresh_token(org: Org) -> None:
    refresh_token = org.refresh_token()
    with org.client("api", settings={"oauth_refresh_token": refresh_token}) as sf:
        assert len(list(sf.rest.query("SELECT Id FROM Contact"))) == DEMO_CONTACTS
        assert sf.tokens.renewals == 1


def test_browser_flow_uses_pkce_and_yields_a_refresh_token_and_the_username(org: Org) -> None:
    config = org.config("browser")
    pending = begin_authorization(config, REDIRECT_URI)
    query = {key: values[0] for key, values in parse_qs(urlsplit(pending.url).query).items()}
    assert query["code_challenge_method"] == "S256"
    assert query["scope"] == "api refresh_token offline_access"
    assert query["state"] == pending.state
    assert query["redirect_uri"] == REDIRECT_URI

    with org.server.client() as browser:  # the user's browser, minus the browser
        redirect = browser.get(pending.url)
    assert redirect.headers["location"].startswith(REDIRECT_URI)
    done = complete_authorization(config, pending, callback_url=redirect.headers["location"])

    assert done.username == DEFAULT_USERNAME
    assert done.tokens.refresh_token
    with org.client("api", settings={"oauth_refresh_token": done.tokens.refresh_token}) as sf:
        assert sf.rest.limits()["DailyApiRequests"]["Max"] > 0


def test_code_mode_exchanges_a_pasted_code_for_a_public_client(org: Org) -> None:
    config = org.config("code", client_secret=None)
    pending = begin_authorization(config, REDIRECT_URI)
    with org.server.client() as browser:
        code = parse_callback(browser.get(pending.url).headers["location"], pending.state)
    done = complete_authorization(config, pending, code=code)  # no secret: PKCE alone proves the client
    assert done.tokens.refresh_token


def test_a_wrong_pkce_verifier_is_refused(org: Org) -> None:
    config = org.config("browser")
    pending = begin_authorization(config, REDIRECT_URI)
    other = begin_authorization(config, REDIRECT_URI)
    with org.server.client() as browser:
        code = parse_callback(browser.get(pending.url).headers["location"], pending.state)
    with pytest.raises(AuthorizationFailed) as info:
        complete_authorization(config, other, code=code)
    assert info.value.error == "invalid_grant"


def test_a_callback_with_another_state_is_refused(org: Org) -> None:
    pending = begin_authorization(org.config("browser"), REDIRECT_URI)
    with pytest.raises(AuthorizationFailed) as info:
        parse_callback(f"{REDIRECT_URI}?code=abc&state=forged", pending.state)
    assert info.value.error == "state_mismatch"


def test_a_denied_authorization_says_so(org: Org) -> None:
    pending = begin_authorization(org.config("browser"), REDIRECT_URI)
    with org.server.client() as browser:
        location = browser.get(pending.url + "&emulator_deny=1").headers["location"]
    with pytest.raises(AuthorizationFailed) as info:
        parse_callback(location, pending.state)
    assert info.value.error == "access_denied"


def test_a_wrong_secret_names_client_id_and_secret(org: Org) -> None:
    with (
        org.client(settings={"client_secret": "not-the-secret"}) as sf,
        pytest.raises(InvalidClientCredentials) as info,
    ):
        sf.rest.limits()
    assert info.value.error == "invalid_client"
    assert "client_secret" in str(info.value)
    assert org.stats()["api_calls"] == 0  # nothing reached the data API


def test_an_unknown_client_id_names_client_id(org: Org) -> None:
    with org.client(settings={"client_id": "nobody"}) as sf, pytest.raises(InvalidClientCredentials) as info:
        sf.rest.limits()
    assert info.value.error == "invalid_client_id"
    assert "client_id" in str(info.value)


def test_a_missing_client_id_is_reported_before_any_call() -> None:
    config = SalesforceConfig(domain="acme", connect_mode="clientcredentials", client_secret="s")
    with pytest.raises(MissingCredentials) as info:
        SalesforceClient.from_config(config)
    assert (info.value.setting, info.value.connect_mode) == ("client_id", "clientcredentials")


def test_api_mode_without_a_refresh_token_says_which_setting(org: Org) -> None:
    with org.client("api") as sf, pytest.raises(MissingCredentials) as info:
        sf.rest.limits()
    assert info.value.setting == "oauth_refresh_token"


def test_an_unreachable_domain_says_to_check_the_domain() -> None:
    config = SalesforceConfig(
        domain=f"http://127.0.0.1:{free_port()}",
        connect_mode="clientcredentials",
        client_id="a",
        client_secret="b",
    )
    options = ClientOptions(retry=FAST_RETRY)
    with (
        SalesforceClient.from_config(config, options=options) as sf,
        pytest.raises(DomainUnreachable) as info,
    ):
        sf.rest.limits()
    assert "Check the domain setting" in str(info.value)
    assert info.value.url == config.domain


def test_a_host_that_is_not_salesforce_says_to_check_the_domain() -> None:
    not_salesforce = httpx.MockTransport(lambda _request: httpx.Response(404, html="<h1>Not Found</h1>"))
    config = SalesforceConfig(
        domain="intranet.example.com", connect_mode="clientcredentials", client_id="a", client_secret="b"
    )
    options = ClientOptions(transport=not_salesforce)
    with (
        SalesforceClient.from_config(config, options=options) as sf,
        pytest.raises(DomainUnreachable) as info,
    ):
        sf.rest.limits()
    assert "is this a Salesforce login host?" in str(info.value)


def test_client_credentials_on_the_legacy_login_host_is_refused_without_a_call() -> None:
    config = SalesforceConfig(
        domain="login", connect_mode="clientcredentials", client_id="a", client_secret="b"
    )
    with SalesforceClient.from_config(config) as sf, pytest.raises(InvalidDomain) as info:
        sf.rest.limits()
    assert "My Domain" in str(info.value)


def test_a_revoked_refresh_token_asks_to_reconnect(org: Org) -> None:
    refresh_token = org.refresh_token()
    org.admin("POST", "tokens/revoke-refresh")
    with (
        org.client("api", settings={"oauth_refresh_token": refresh_token}) as sf,
        pytest.raises(ReauthorizationRequired) as info,
    ):
        sf.rest.limits()
    assert info.value.description == "expired access/refresh token"
    assert "Reconnect the connection" in str(info.value)


def test_the_platform_app_overrides_the_configured_one_in_browser_mode(org: Org) -> None:
    config = SalesforceConfig(domain=org.domain, connect_mode="browser")  # no client_id of its own
    pending = begin_authorization(config, REDIRECT_URI, app=OAuthApp(DEFAULT_CLIENT_ID))
    assert f"client_id={DEFAULT_CLIENT_ID}" in pending.url
    with pytest.raises(MissingCredentials):
        begin_authorization(config, REDIRECT_URI)
