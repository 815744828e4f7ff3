"""Versions, resources, limits and the lead-conversion action."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sfemu.errors import JsonParserError, RequiredFieldMissing, SalesforceError
from sfemu.rest.common import caller, json_object, org_of, version_of
from sfemu.store.conversion import CONVERTED_STATUS, convert_lead

# Release labels: v59.0 was Winter '24, and each release since adds one version (Spring, Summer, Winter).
_SEASONS = ("Winter", "Spring", "Summer")


def _label(major: int) -> str:
    steps = major - 59
    return f"{_SEASONS[steps % 3]} '{24 + steps // 3:02d}"


VERSIONS = [{"label": _label(v), "url": f"/services/data/v{v}.0", "version": f"{v}.0"} for v in range(31, 66)]


def versions(_request: Request) -> Response:
    return JSONResponse(VERSIONS)


def resources(request: Request) -> Response:
    caller(request)
    version = version_of(request)
    org = org_of(request)
    base = f"/services/data/v{version}"
    names = (
        "sobjects",
        "query",
        "queryAll",
        "limits",
        "composite",
        "tooling",
        "jobs",
        "search",
        "recent",
        "actions",
    )
    body: dict[str, Any] = {name: f"{base}/{name}" for name in names}
    body["identity"] = f"{org.config.base_url}/id/{org.org_id}/{org.user_id}"
    return JSONResponse(body)


def limits(request: Request) -> Response:
    caller(request)
    org = org_of(request)
    maximum = org.config.daily_api_limit
    used = org.stats.api_usage

    def limit(total: int, spent: int = 0) -> dict[str, int]:
        return {"Max": total, "Remaining": max(total - spent, 0)}

    return JSONResponse(
        {
            "DailyApiRequests": limit(maximum, used),
            "DailyBulkApiBatches": limit(
                15000, org.stats.by_kind.get("bulk1", 0) + org.stats.by_kind.get("bulk2.ingest", 0)
            ),
            "DailyBulkV2QueryJobs": limit(10000, org.stats.by_kind.get("bulk2.query", 0)),
            "DailyBulkV2QueryFileStorageMB": limit(976562),
            "DailyAsyncApexExecutions": limit(250000),
            "ConcurrentAsyncGetReportInstances": limit(200),
            "DataStorageMB": limit(1024),
            "FileStorageMB": limit(1024),
            "HourlyODataCallout": limit(10000),
            "SingleEmail": limit(15),
        }
    )


def convert_lead_action(request: Request) -> Response:
    """`POST /services/data/vXX.X/actions/standard/convertLead` with `{"inputs": [{leadId, ...}]}`."""
    session = caller(request)
    org = org_of(request)
    body = json_object(request)
    inputs = body.get("inputs")
    if not isinstance(inputs, list) or not inputs:
        raise JsonParserError("inputs: a list of conversion requests is required")
    results: list[dict[str, Any]] = []
    for item in inputs:
        try:
            if not isinstance(item, dict) or not item.get("leadId"):
                raise RequiredFieldMissing("leadId is required", ["leadId"])
            done = convert_lead(
                org.records,
                org.schema,
                item["leadId"],
                user_id=session.user_id,
                converted_status=item.get("convertedStatus") or CONVERTED_STATUS,
                account_id=item.get("accountId"),
                contact_id=item.get("contactId"),
                create_opportunity=not item.get("doNotCreateOpportunity", False),
                opportunity_name=item.get("opportunityName"),
            )
            results.append(
                {
                    "actionName": "convertLead",
                    "errors": None,
                    "isSuccess": True,
                    "outputValues": {
                        "leadId": done.lead_id,
                        "accountId": done.account_id,
                        "contactId": done.contact_id,
                        "opportunityId": done.opportunity_id,
                    },
                }
            )
        except SalesforceError as error:
            results.append(
                {
                    "actionName": "convertLead",
                    "isSuccess": False,
                    "outputValues": None,
                    "errors": [
                        {"statusCode": error.code, "message": error.message, "fields": error.fields or []}
                    ],
                }
            )
    return JSONResponse(results)
