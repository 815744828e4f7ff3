"""SOAP login, `POST /services/Soap/u/{version}`, on the wire: envelopes in, results and faults out."""

from __future__ import annotations

from collections.abc import Callable
from xml.dom import minidom

import pytest

from sfemu.auth.soap import SoapFault, parse_login
from sfemu.auth.users import security_token
from sfemu.config import DEFAULT_PASSWORD, DEFAULT_USERNAME
from tests.sfemu.auth.helpers import bearer
from tests.support.sfemu import EmulatorServer

TOKEN_ENVELOPE = """<?xml version="1.0" encoding="utf-8" ?>
<env:Envelope xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
        xmlns:env="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:partner.soap.sforce.com">
    <env:Header><urn:CallOptions><urn:client>simple-salesforce</urn:client>
        <urn:defaultNamespace>sf</urn:defaultNamespace></urn:CallOptions></env:Header>
    <env:Body><n1:login xmlns:n1="urn:partner.soap.sforce.com">
        <n1:username>{username}</n1:username><n1:password>{password}</n1:password>
    </n1:login></env:Body>
</env:Envelope>"""

ORG_ENVELOPE = """<?xml version="1.0" encoding="utf-8" ?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
        xmlns:urn="urn:partner.soap.sforce.com">
    <soapenv:Header><urn:CallOptions><urn:client>simple-salesforce</urn:client>
        <urn:defaultNamespace>sf</urn:defaultNamespace></urn:CallOptions>
        <urn:LoginScopeHeader><urn:organizationId>{org_id}</urn:organizationId></urn:LoginScopeHeader>
    </soapenv:Header>
    <soapenv:Body><urn:login><urn:username>{username}</urn:username><urn:password>{password}</urn:password>
    </urn:login></soapenv:Body>
</soapenv:Envelope>"""

Factory = Callable[..., EmulatorServer]
HEADERS = {"content-type": "text/xml", "charset": "UTF-8", "SOAPAction": "login"}


def login(server: EmulatorServer, body: str, version: str = "59.0") -> tuple[int, minidom.Document]:
    with server.client() as client:
        response = client.post(f"/services/Soap/u/{version}", content=body.encode(), headers=HEADERS)
    assert response.headers["content-type"].startswith("text/xml")
    return response.status_code, minidom.parseString(response.content)


def text(document: minidom.Document, tag: str) -> str:
    node = document.getElementsByTagName(tag)[0]  # the first: userId is also inside userInfo
    return "".join(child.data for child in node.childNodes if child.nodeType == child.TEXT_NODE)


def test_soap_login_answers_session_and_server_url(sfemu_server: EmulatorServer) -> None:
    org, base = sfemu_server.org, sfemu_server.base_url
    status, document = login(
        sfemu_server, TOKEN_ENVELOPE.format(username=DEFAULT_USERNAME, password=DEFAULT_PASSWORD)
    )
    assert status == 200
    # simple-salesforce matches these unprefixed tag names literally.
    assert text(document, "serverUrl") == f"{base}/services/Soap/u/59.0/{org.org_id[:15]}"
    assert text(document, "metadataServerUrl") == f"{base}/services/Soap/m/59.0/{org.org_id[:15]}"
    assert text(document, "userId") == org.user_id
    assert text(document, "organizationId") == org.org_id
    assert text(document, "userName") == DEFAULT_USERNAME
    assert text(document, "organizationMultiCurrency") == "true"
    assert text(document, "sessionSecondsValid") == str(org.config.token_ttl_seconds)
    assert text(document, "passwordExpired") == "false"
    session_id = text(document, "sessionId")
    with sfemu_server.client() as client:
        assert client.get("/services/oauth2/userinfo", headers=bearer(session_id)).status_code == 200


def test_soap_login_reports_a_single_currency_org(sfemu_server_factory: Factory) -> None:
    server = sfemu_server_factory(multicurrency=False)
    _, document = login(server, TOKEN_ENVELOPE.format(username=DEFAULT_USERNAME, password=DEFAULT_PASSWORD))
    assert text(document, "organizationMultiCurrency") == "false"
    assert text(document, "orgDefaultCurrencyIsoCode") == "USD"


def test_soap_login_accepts_the_password_with_security_token(sfemu_server: EmulatorServer) -> None:
    password = DEFAULT_PASSWORD + security_token(sfemu_server.org.config)
    status, _ = login(sfemu_server, TOKEN_ENVELOPE.format(username=DEFAULT_USERNAME, password=password))
    assert status == 200


def test_soap_login_with_organization_id(sfemu_server: EmulatorServer) -> None:
    body = ORG_ENVELOPE.format(
        org_id=sfemu_server.org.org_id[:15], username=DEFAULT_USERNAME, password=DEFAULT_PASSWORD
    )
    status, _ = login(sfemu_server, body)
    assert status == 200


@pytest.mark.parametrize(
    "body",
    [
        TOKEN_ENVELOPE.format(username=DEFAULT_USERNAME, password="wrong"),
        TOKEN_ENVELOPE.format(username="nobody@example.com", password=DEFAULT_PASSWORD),
        ORG_ENVELOPE.format(org_id="00D000000000001", username=DEFAULT_USERNAME, password=DEFAULT_PASSWORD),
    ],
    ids=["wrong-password", "unknown-user", "wrong-org"],
)
def test_bad_credentials_get_an_invalid_login_fault(sfemu_server: EmulatorServer, body: str) -> None:
    status, document = login(sfemu_server, body)
    assert status == 500
    assert text(document, "faultcode") == "sf:INVALID_LOGIN"
    # simple-salesforce reads these `sf:`-prefixed names literally.
    assert text(document, "sf:exceptionCode") == "INVALID_LOGIN"
    assert text(document, "sf:exceptionMessage") == (
        "Invalid username, password, security token; or user locked out."
    )


def test_soap_login_unescapes_xml_in_credentials(sfemu_server_factory: Factory) -> None:
    server = sfemu_server_factory(password="p&ss<word>")
    escaped = "p&amp;ss&lt;word&gt;"  # as simple-salesforce sends it
    status, _ = login(server, TOKEN_ENVELOPE.format(username=DEFAULT_USERNAME, password=escaped))
    assert status == 200


def test_soap_login_with_a_malformed_version_is_a_fault(sfemu_server: EmulatorServer) -> None:
    status, document = login(
        sfemu_server,
        TOKEN_ENVELOPE.format(username=DEFAULT_USERNAME, password=DEFAULT_PASSWORD),
        version="latest",
    )
    assert status == 500
    assert text(document, "sf:exceptionCode") == "UNSUPPORTED_API_VERSION"


def test_parse_login_reads_any_prefixes() -> None:
    login = parse_login(ORG_ENVELOPE.format(org_id="00D", username="u@x", password="p").encode())
    assert (login.username, login.password, login.organization_id, login.client) == (
        "u@x",
        "p",
        "00D",
        "simple-salesforce",
    )


@pytest.mark.parametrize(
    ("body", "code"),
    [
        pytest.param(b"<not xml", "INVALID_XML", id="malformed"),
        pytest.param(TOKEN_ENVELOPE.replace("login", "query").encode(), "INVALID_OPERATION", id="other-call"),
    ],
)
def test_parse_login_refuses_other_envelopes(body: bytes, code: str) -> None:
    with pytest.raises(SoapFault) as fault:
        parse_login(body)
    assert fault.value.code == code
