"""SOAP `login` on the partner endpoint, `POST /services/Soap/u/{version}`, as simple-salesforce calls it.

The request is parsed namespace-aware by local name (clients use `env:`/`n1:` or `soapenv:`/`urn:`
prefixes). The response keeps `sessionId` and `serverUrl` unprefixed in the default namespace, and
faults carry `sf:`-prefixed detail elements: simple-salesforce matches both by literal tag name.
Besides `login`, the recycle-bin calls `undelete` and `emptyRecycleBin` are served (`sfemu.soap_data`);
any other operation gets an `INVALID_OPERATION` fault.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from starlette.requests import Request
from starlette.responses import Response

from sfemu import ids, soap_data
from sfemu.auth.tokens import AccessToken, Grant, tokens_of
from sfemu.auth.users import User, check_password, find_user
from sfemu.org import ORG_NAME, Org
from sfemu.routing import body_of

PROFILE_ID = ids.make_id("00e", 1)
INVALID_LOGIN = "Invalid username, password, security token; or user locked out."
_VERSION = re.compile(r"^\d{2,3}\.\d$")
_XML = "text/xml; charset=utf-8"


@dataclass(frozen=True)
class LoginRequest:
    username: str
    password: str
    organization_id: str | None = None
    client: str | None = None  # CallOptions/client, e.g. `simple-salesforce`


class SoapFault(Exception):
    """A fault to answer with (HTTP 500, as Salesforce does)."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        fault_type: str = "UnexpectedErrorFault",
        faultcode: str | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.fault_type = fault_type
        self.faultcode = faultcode or f"sf:{code}"

    def response(self) -> Response:
        return Response(render_fault(self), status_code=500, media_type=_XML)


def soap_login(request: Request) -> Response:
    org: Org = request.app.state.org
    try:
        version = request.path_params["version"]
        if not _VERSION.match(version):
            raise SoapFault("UNSUPPORTED_API_VERSION", f"Invalid Api version specified on URL: {version}")
        raw = body_of(request)
        data_call = _data_call(raw)
        if data_call is not None:  # undelete / emptyRecycleBin share the endpoint
            return soap_data.handle(org, *data_call)
        login = parse_login(raw)
        user = _authenticate(org, login)
    except SoapFault as fault:
        return fault.response()
    access = tokens_of(org).issue_access_token(Grant(user.id, login.client or "SOAP API", "api web"))
    return Response(render_login(org, user, access, version), media_type=_XML)


def _data_call(body: bytes) -> tuple[ElementTree.Element, ElementTree.Element] | None:
    """(envelope, call) when the body is one of the recycle-bin calls, else None."""
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return None
    envelope_body = _child(root, "Body")
    call = next(iter(envelope_body), None) if envelope_body is not None else None
    if call is not None and _local(call.tag) in soap_data.CALLS:
        return root, call
    return None


def parse_login(body: bytes) -> LoginRequest:
    """The credentials of a SOAP `login` envelope, whatever its namespace prefixes.

    Raises:
        SoapFault: for XML that does not parse, or an envelope whose body is not a `login` call.
    """
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise SoapFault(
            "INVALID_XML", f"Unable to parse the request: {exc}", faultcode="soapenv:Client"
        ) from exc
    header = _child(root, "Header")
    envelope_body = _child(root, "Body")
    call = next(iter(envelope_body), None) if envelope_body is not None else None
    if call is None or _local(call.tag) != "login":
        operation = _local(call.tag) if call is not None else "(none)"
        raise SoapFault(
            "INVALID_OPERATION",
            f"sfemu serves the login, undelete and emptyRecycleBin SOAP calls only, not {operation}",
        )
    return LoginRequest(
        username=_text(call, "username"),
        password=_text(call, "password"),
        organization_id=_text(header, "organizationId") or None,
        client=_text(header, "client") or None,
    )


def render_login(org: Org, user: User, access: AccessToken, version: str) -> str:
    base = org.config.base_url
    org15 = org.org_id[:15]
    multicurrency = org.config.multicurrency
    nil = ' xsi:nil="true"/'
    info = {
        "accessibilityMode": "false",
        "chatterExternal": "false",
        "currencySymbol": None if multicurrency else "$",
        "orgAttachmentFileSizeLimit": "5242880",
        "orgDefaultCurrencyIsoCode": None if multicurrency else "USD",
        "orgDefaultCurrencyLocale": None if multicurrency else "en_US",
        "orgDisallowHtmlAttachments": "false",
        "orgHasPersonAccounts": "false",
        "organizationId": org.org_id,
        "organizationMultiCurrency": "true" if multicurrency else "false",
        "organizationName": ORG_NAME,
        "profileId": PROFILE_ID,
        "roleId": None,
        "sessionSecondsValid": str(org.config.token_ttl_seconds),
        "userDefaultCurrencyIsoCode": "USD" if multicurrency else None,
        "userEmail": user.email,
        "userFullName": user.full_name,
        "userId": user.id,
        "userLanguage": "en_US",
        "userLocale": "en_US",
        "userName": user.username,
        "userTimeZone": user.time_zone,
        "userType": "Standard",
        "userUiSkin": "Theme3",
    }
    user_info = "".join(
        f"<{name}{nil}>" if value is None else f"<{name}>{escape(value)}</{name}>"
        for name, value in info.items()
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<soapenv:Body><loginResponse><result>"
        f"<metadataServerUrl>{escape(base)}/services/Soap/m/{version}/{org15}</metadataServerUrl>"
        "<passwordExpired>false</passwordExpired>"
        "<sandbox>false</sandbox>"
        f"<serverUrl>{escape(base)}/services/Soap/u/{version}/{org15}</serverUrl>"
        f"<sessionId>{escape(access.value)}</sessionId>"
        f"<userId>{user.id}</userId>"
        f"<userInfo>{user_info}</userInfo>"
        "</result></loginResponse></soapenv:Body></soapenv:Envelope>"
    )


def render_fault(fault: SoapFault) -> str:
    message = escape(fault.message)
    detail = ""
    if fault.faultcode.startswith("sf:"):
        detail = (
            f'<detail><sf:{fault.fault_type} xsi:type="sf:{fault.fault_type}">'
            f"<sf:exceptionCode>{fault.code}</sf:exceptionCode>"
            f"<sf:exceptionMessage>{message}</sf:exceptionMessage>"
            f"</sf:{fault.fault_type}></detail>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:sf="urn:fault.partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<soapenv:Body><soapenv:Fault>"
        f"<faultcode>{fault.faultcode}</faultcode>"
        f"<faultstring>{escape(fault.code)}: {message}</faultstring>"
        f"{detail}</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    )


def _authenticate(org: Org, login: LoginRequest) -> User:
    wrong_org = login.organization_id is not None and ids.normalize(login.organization_id) != org.org_id
    user = find_user(org, username=login.username)
    if wrong_org or user is None or not check_password(org.config, login.username, login.password):
        raise SoapFault("INVALID_LOGIN", INVALID_LOGIN, fault_type="LoginFault")
    return user


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: ElementTree.Element, name: str) -> ElementTree.Element | None:
    return next((child for child in element if _local(child.tag) == name), None)


def _text(element: ElementTree.Element | None, name: str) -> str:
    if element is None:
        return ""
    found = next((node for node in element.iter() if _local(node.tag) == name), None)
    return (found.text or "") if found is not None else ""
