"""Bulk 1.0 on the wire: jobInfo, batchInfo, result lists and errors as XML or JSON.

Which format a response uses:

- job resources (create, info, close) answer in the request's `Content-Type` (the singer tap sends
  `application/json` even on GET), falling back to the job's content type;
- batch resources answer JSON for JSON jobs and XML for CSV and XML jobs, whatever the request says
  (the tap reads batchInfo of its CSV jobs with xmltodict);
- errors are `{"exceptionCode", "exceptionMessage"}` with Content-Type exactly `application/json`, or
  `<error>` in XML.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from typing import Any
from xml.sax.saxutils import escape

from starlette.requests import Request
from starlette.responses import Response

NS = "http://www.force.com/2009/06/asyncapi/dataload"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
JSON_TYPE = "application/json"
XML_TYPE = "application/xml"
# Element order of the XML forms, as the asyncapi schema declares it.
JOB_FIELDS = (
    "id",
    "operation",
    "object",
    "createdById",
    "createdDate",
    "systemModstamp",
    "state",
    "externalIdFieldName",
    "concurrencyMode",
    "contentType",
    "numberBatchesQueued",
    "numberBatchesInProgress",
    "numberBatchesCompleted",
    "numberBatchesFailed",
    "numberBatchesTotal",
    "numberRecordsProcessed",
    "numberRetries",
    "apiVersion",
    "numberRecordsFailed",
    "totalProcessingTime",
    "apiActiveProcessingTime",
    "apexProcessingTime",
)
BATCH_FIELDS = (
    "id",
    "jobId",
    "state",
    "stateMessage",
    "createdDate",
    "systemModstamp",
    "numberRecordsProcessed",
    "numberRecordsFailed",
    "totalProcessingTime",
    "apiActiveProcessingTime",
    "apexProcessingTime",
)


class BulkError(Exception):
    """A Bulk 1.0 exception: `exceptionCode` (InvalidJob, InvalidBatch, ...) and its message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def response(self, as_json: bool) -> Response:
        if as_json:
            body = json.dumps({"exceptionCode": self.code, "exceptionMessage": self.message})
            return Response(body, status_code=self.status, media_type=JSON_TYPE)
        text = (
            f'<?xml version="1.0" encoding="UTF-8"?><error xmlns="{NS}">'
            f"<exceptionCode>{escape(self.code)}</exceptionCode>"
            f"<exceptionMessage>{escape(self.message)}</exceptionMessage></error>"
        )
        return Response(text, status_code=self.status, media_type=XML_TYPE)


def request_is_json(request: Request) -> bool | None:
    """True/False when the request's Content-Type says JSON/XML; None when it says neither."""
    content_type = request.headers.get("content-type", "").lower()
    if "json" in content_type:
        return True
    if "xml" in content_type:
        return False
    return None


def json_stamp(stamp: str) -> str:
    """Bulk 1.0 JSON dates read `...000+0000`; XML keeps the storage form `...000Z`."""
    return stamp[:-1] + "+0000" if stamp.endswith("Z") else stamp


def _shown(info: dict[str, Any], names: Sequence[str], as_json: bool) -> dict[str, Any]:
    shown = {}
    for name in names:
        value = info.get(name)
        if value is None and name in {"externalIdFieldName", "stateMessage"}:
            continue
        if as_json and name in {"createdDate", "systemModstamp"} and isinstance(value, str):
            value = json_stamp(value)
        shown[name] = value
    return shown


def _xml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(str(value))


def _xml_element(tag: str, fields: dict[str, Any], *, root: bool) -> str:
    inner = "".join(f"<{k}>{_xml_value(v)}</{k}>" for k, v in fields.items() if v is not None)
    head = f'<?xml version="1.0" encoding="UTF-8"?><{tag} xmlns="{NS}">' if root else f"<{tag}>"
    return f"{head}{inner}</{tag}>"


def job_response(info: dict[str, Any], as_json: bool, status: int = 200) -> Response:
    shown = _shown(info, JOB_FIELDS, as_json)
    if as_json:
        return Response(json.dumps(shown), status_code=status, media_type=JSON_TYPE)
    return Response(_xml_element("jobInfo", shown, root=True), status_code=status, media_type=XML_TYPE)


def batch_response(info: dict[str, Any], as_json: bool, status: int = 200) -> Response:
    shown = _shown(info, BATCH_FIELDS, as_json)
    if as_json:
        return Response(json.dumps(shown), status_code=status, media_type=JSON_TYPE)
    return Response(_xml_element("batchInfo", shown, root=True), status_code=status, media_type=XML_TYPE)


def batch_list_response(batches: Iterable[dict[str, Any]], as_json: bool) -> Response:
    if as_json:
        body = {"batchInfo": [_shown(b, BATCH_FIELDS, True) for b in batches]}
        return Response(json.dumps(body), media_type=JSON_TYPE)
    inner = "".join(_xml_element("batchInfo", _shown(b, BATCH_FIELDS, False), root=False) for b in batches)
    text = f'<?xml version="1.0" encoding="UTF-8"?><batchInfoList xmlns="{NS}">{inner}</batchInfoList>'
    return Response(text, media_type=XML_TYPE)


def result_list_response(result_ids: Sequence[str], as_json: bool) -> Response:
    if as_json:
        return Response(json.dumps(list(result_ids)), media_type=JSON_TYPE)
    inner = "".join(f"<result>{escape(r)}</result>" for r in result_ids)
    text = f'<?xml version="1.0" encoding="UTF-8"?><result-list xmlns="{NS}">{inner}</result-list>'
    return Response(text, media_type=XML_TYPE)


def parse_error(error: str | None) -> dict[str, Any] | None:
    """`CODE:message:fields --` back into `{statusCode, message, fields}`."""
    if error is None:
        return None
    code, _, rest = error.partition(":")
    rest = rest.removesuffix(" --")
    message, _, fields = rest.rpartition(":")
    return {"statusCode": code, "message": message, "fields": [f for f in fields.split(",") if f]}


def ingest_results_json(results: Iterable[tuple[str | None, bool, str | None]]) -> str:
    rows = []
    for record_id, created, error in results:
        parsed = parse_error(error)
        rows.append(
            {
                "success": parsed is None,
                "created": created,
                "id": record_id,
                "errors": [] if parsed is None else [parsed],
            }
        )
    return json.dumps(rows)


def ingest_results_xml(results: Iterable[tuple[str | None, bool, str | None]]) -> str:
    parts = [f'<?xml version="1.0" encoding="UTF-8"?><results xmlns="{NS}">']
    for record_id, created, error in results:
        parsed = parse_error(error)
        parts.append("<result>")
        if parsed is not None:
            fields = "".join(f"<fields>{escape(f)}</fields>" for f in parsed["fields"])
            parts.append(
                f"<errors>{fields}<message>{escape(parsed['message'])}</message>"
                f"<statusCode>{escape(parsed['statusCode'])}</statusCode></errors>"
            )
        identity = f"<id>{escape(record_id)}</id>" if record_id else f'<id xmlns:xsi="{XSI}" xsi:nil="true"/>'
        parts.append(
            f"{identity}<success>{_xml_value(parsed is None)}</success>"
            f"<created>{_xml_value(created)}</created></result>"
        )
    parts.append("</results>")
    return "".join(parts)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_job_xml(body: bytes) -> dict[str, str]:
    """`<jobInfo><operation>insert</operation>...` → {"operation": "insert", ...}."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise BulkError(400, "XMLParserError", f"Unable to parse the jobInfo: {exc}") from None
    return {_local(child.tag): (child.text or "").strip() for child in root}


def parse_records_xml(body: bytes) -> list[dict[str, Any]]:
    """`<sObjects><sObject><Name>x</Name><Account><Ext__c>K</Ext__c></Account></sObject>...`."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise BulkError(400, "InvalidBatch", f"Unable to parse the batch XML: {exc}") from None
    records = []
    for element in root:
        record: dict[str, Any] = {}
        for child in element:
            name = _local(child.tag)
            if len(child):
                record[name] = {
                    _local(grand.tag): grand.text or "" for grand in child if _local(grand.tag) != "type"
                }
            elif child.get(f"{{{XSI}}}nil") == "true":
                record[name] = None
            else:
                record[name] = child.text or ""
        records.append(record)
    return records
