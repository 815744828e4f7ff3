"""The Tooling API under `/services/data/vXX.X/tooling/`: same shapes as REST, its own objects."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from sfemu.rest import query
from sfemu.rest.common import caller, json_object, org_of, sobject, version_of
from sfemu.rest.describe import describe, describe_global
from sfemu.rest.reading import read_record
from sfemu.routing import route


def list_sobjects(request: Request) -> Response:
    caller(request)
    return JSONResponse(describe_global(org_of(request).schema, version_of(request), tooling=True))


def describe_sobject(request: Request) -> Response:
    caller(request)
    org = org_of(request)
    obj = sobject(org, request.path_params["name"], tooling=True)
    return JSONResponse(describe(org.schema, obj, version_of(request)))


def create(request: Request) -> Response:
    session = caller(request)
    org = org_of(request)
    obj = sobject(org, request.path_params["name"], tooling=True)
    record_id = org.records.create(obj, json_object(request), user_id=session.user_id)
    return JSONResponse({"id": record_id, "success": True, "errors": []}, status_code=201)


def record(request: Request) -> Response:
    session = caller(request)
    org = org_of(request)
    obj = sobject(org, request.path_params["name"], tooling=True)
    record_id = request.path_params["id"]
    if request.method == "GET":
        return JSONResponse(read_record(org, obj, record_id, None, version_of(request)))
    if request.method == "PATCH":
        org.records.update(obj, record_id, json_object(request), user_id=session.user_id)
    else:
        org.records.delete(obj, record_id, user_id=session.user_id)
    return Response(status_code=204)


def routes(prefix: str) -> list[BaseRoute]:
    t = f"{prefix}/tooling"
    return [
        route(f"{t}/query", query.run_tooling, methods=["GET"]),
        route(f"{t}/queryAll", query.run_tooling_all, methods=["GET"]),
        route(f"{t}/query/{{locator}}", query.next_page, methods=["GET"]),
        route(f"{t}/sobjects", list_sobjects, methods=["GET"]),
        route(f"{t}/sobjects/{{name}}", create, methods=["POST"]),
        route(f"{t}/sobjects/{{name}}/describe", describe_sobject, methods=["GET"]),
        route(f"{t}/sobjects/{{name}}/{{id}}", record, methods=["GET", "PATCH", "DELETE"]),
    ]
