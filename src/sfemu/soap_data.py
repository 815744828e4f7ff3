"""The SOAP API's recycle-bin calls, `undelete` and `emptyRecycleBin`, which REST does not offer.

Same endpoint as `login` (`POST /services/Soap/u/{version}`), authenticated by the `SessionHeader`.
"""

from __future__ import annotations

from xml.etree import ElementTree
from xml.sax.saxutils import escape

from starlette.responses import Response

from sfemu import ids
from sfemu.auth.session import session_for
from sfemu.errors import MalformedId, SalesforceError
from sfemu.org import Org

CALLS = ("undelete", "emptyRecycleBin")
_XML = "text/xml; charset=utf-8"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(element: ElementTree.Element, name: str) -> list[ElementTree.Element]:
    return [child for child in element.iter() if _local(child.tag) == name]


def handle(org: Org, root: ElementTree.Element, call: ElementTree.Element) -> Response:
    session_ids = [e.text or "" for e in _find(root, "sessionId")]
    try:
        session = session_for(org, session_ids[0] if session_ids else None)
    except SalesforceError:
        return _fault("INVALID_SESSION_ID", "Invalid Session ID found in SessionHeader: Illegal Session")
    name = _local(call.tag)
    results = [_one(org, name, (e.text or "").strip(), session.user_id) for e in _find(call, "ids")]
    body = "".join(results)
    return Response(
        '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
        'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com">'
        f"<soapenv:Body><{name}Response>{body}</{name}Response></soapenv:Body></soapenv:Envelope>",
        media_type=_XML,
    )


def _one(org: Org, call: str, record_id: str, user_id: str) -> str:
    try:
        normalized = ids.normalize(record_id)
        obj = org.schema.by_prefix(record_id[:3]) if normalized else None
        if obj is None or normalized is None:
            raise MalformedId(f"malformed id {record_id}")
        if call == "undelete":
            org.records.undelete(obj, normalized, user_id=user_id)
        else:
            org.records.empty_recycle_bin(obj, [normalized])
    except SalesforceError as error:
        return (
            f"<result><errors><message>{escape(error.message)}</message><statusCode>{error.code}</statusCode>"
            f"</errors><id>{escape(record_id)}</id><success>false</success></result>"
        )
    return f"<result><id>{normalized}</id><success>true</success></result>"


def _fault(code: str, message: str) -> Response:
    return Response(
        '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
        'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:sf="urn:fault.partner.soap.sforce.com"><soapenv:Body><soapenv:Fault>'
        f"<faultcode>sf:{code}</faultcode><faultstring>{code}: {escape(message)}</faultstring>"
        "</soapenv:Fault></soapenv:Body></soapenv:Envelope>",
        status_code=500,
        media_type=_XML,
    )
