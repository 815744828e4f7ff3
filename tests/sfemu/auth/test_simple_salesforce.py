"""simple-salesforce (from PyPI, unchanged) logs in to the TLS emulator by every route it has.

It hard-codes `https://{domain}.salesforce.com` for login; `emulator_session` sends those requests to
the emulator (as `/etc/hosts` would) and trusts the emulator's CA. After login, the client calls the
URL the emulator returned (`serverUrl` or `instance_url`) itself, over verified TLS.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sfemu.auth.tokens import tokens_of
from sfemu.auth.users import security_token
from sfemu.config import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_PASSWORD, DEFAULT_USERNAME
from tests.sfemu.auth.helpers import access_token
from tests.support.sfemu import EmulatorServer

simple_salesforce = pytest.importorskip("simple_salesforce")
requests = pytest.importorskip("requests")

from tests.support.sfemu_clients import emulator_session  # noqa: E402 - needs requests, as simple-salesforce

Salesforce = simple_salesforce.Salesforce
AuthenticationFailed = simple_salesforce.SalesforceAuthenticationFailed
USER = {"username": DEFAULT_USERNAME, "password": DEFAULT_PASSWORD}
APP = {"consumer_key": DEFAULT_CLIENT_ID, "consumer_secret": DEFAULT_CLIENT_SECRET}


@pytest.fixture
def server(sfemu_tls_server: EmulatorServer) -> EmulatorServer:
    return sfemu_tls_server


@pytest.fixture
def session(server: EmulatorServer) -> Iterator[requests.Session]:
    """The client's HTTP session, closed before the server stops so no connection outlives the test."""
    with emulator_session(server) as value:
        yield value


def instance(server: EmulatorServer) -> str:
    return server.base_url.removeprefix("https://")


def test_soap_login_with_empty_security_token(server: EmulatorServer, session: requests.Session) -> None:
    sf = Salesforce(**USER, security_token="", domain="login", session=session)
    assert sf.sf_instance == instance(server)
    assert sf.oauth2("userinfo")["preferred_username"] == DEFAULT_USERNAME


def test_soap_login_with_the_security_token(server: EmulatorServer, session: requests.Session) -> None:
    token = security_token(server.org.config)
    sf = Salesforce(**USER, security_token=token, domain="test", session=session)
    assert sf.oauth2("userinfo")["user_id"] == server.org.user_id


def test_soap_login_with_organization_id(server: EmulatorServer, session: requests.Session) -> None:
    sf = Salesforce(**USER, organizationId=server.org.org_id[:15], session=session)
    assert sf.oauth2("userinfo")["organization_id"] == server.org.org_id


def test_soap_login_failure_raises_invalid_login(session: requests.Session) -> None:
    with pytest.raises(AuthenticationFailed) as failure:
        Salesforce(username=DEFAULT_USERNAME, password="wrong", security_token="", session=session)
    assert failure.value.code == "INVALID_LOGIN"
    assert failure.value.auth_message.startswith("Invalid username, password, security token")


def test_expired_session_makes_the_client_log_in_again(
    server: EmulatorServer, session: requests.Session
) -> None:
    sf = Salesforce(**USER, security_token="", session=session)
    first_session = sf.session_id
    tokens_of(server.org).expire_access_tokens()
    assert sf.oauth2("userinfo")["user_id"] == server.org.user_id
    assert sf.session_id != first_session


def test_oauth_password_flow_with_consumer_key(server: EmulatorServer, session: requests.Session) -> None:
    sf = Salesforce(**USER, **APP, session=session)
    assert sf.sf_instance == instance(server)
    assert sf.oauth2("userinfo")["preferred_username"] == DEFAULT_USERNAME


def test_oauth_password_flow_failure_raises_the_oauth_error(session: requests.Session) -> None:
    with pytest.raises(AuthenticationFailed) as failure:
        Salesforce(**USER, consumer_key=DEFAULT_CLIENT_ID, consumer_secret="wrong", session=session)
    assert failure.value.code == "invalid_client"
    assert failure.value.auth_message == "invalid client credentials"


def test_client_credentials_flow_on_a_my_domain(server: EmulatorServer, session: requests.Session) -> None:
    sf = Salesforce(**APP, domain="sfemu.my", session=session)
    assert sf.oauth2("userinfo")["user_id"] == server.org.user_id


def test_jwt_bearer_flow_with_a_private_key(session: requests.Session, tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file = tmp_path / "server.key"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    sf = Salesforce(
        username=DEFAULT_USERNAME,
        consumer_key=DEFAULT_CLIENT_ID,
        privatekey_file=str(key_file),
        session=session,
    )
    assert sf.oauth2("userinfo")["preferred_username"] == DEFAULT_USERNAME


def test_session_id_and_instance_url_need_no_login(
    server: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with server.client() as client:
        token = access_token(client)
    # The setup `sfemu serve --tls` prints: trust the CA through the environment, change nothing else.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(server.ca_path))
    sf = Salesforce(instance_url=server.base_url, session_id=token)
    with sf.session:
        assert sf.sf_instance == instance(server)
        assert sf.oauth2("userinfo")["user_id"] == server.org.user_id


def test_unknown_session_id_raises_expired_session(
    server: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(server.ca_path))
    sf = Salesforce(instance_url=server.base_url, session_id="00Dbogus!AQbogus")
    with sf.session, pytest.raises(simple_salesforce.SalesforceExpiredSession) as failure:
        sf.oauth2("userinfo")
    assert failure.value.content[0]["errorCode"] == "INVALID_SESSION_ID"
