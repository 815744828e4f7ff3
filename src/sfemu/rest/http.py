"""The REST API's routes: `/services/data` discovery, sObjects, query, composite, Tooling and actions."""

from __future__ import annotations

from starlette.routing import BaseRoute

from sfemu.rest import composite, discovery, query, sobjects, tooling
from sfemu.routing import route

V = "/services/data/{version}"


def routes() -> list[BaseRoute]:
    # Order matters: fixed path segments (describe, updated, deleted) before the {id} catch-alls.
    return [
        route("/services/data", discovery.versions, methods=["GET"]),
        route(V, discovery.resources, methods=["GET"]),
        route(f"{V}/limits", discovery.limits, methods=["GET"]),
        route(f"{V}/actions/standard/convertLead", discovery.convert_lead_action, methods=["POST"]),
        route(f"{V}/query", query.run, methods=["GET"]),
        route(f"{V}/queryAll", query.run_all, methods=["GET"]),
        route(f"{V}/query/{{locator}}", query.next_page, methods=["GET"]),
        route(f"{V}/queryAll/{{locator}}", query.next_page, methods=["GET"]),
        route(f"{V}/composite/sobjects", composite.create, methods=["POST"]),
        route(f"{V}/composite/sobjects", composite.update, methods=["PATCH"]),
        route(f"{V}/composite/sobjects", composite.delete, methods=["DELETE"]),
        route(f"{V}/composite/sobjects/{{name}}", composite.retrieve, methods=["GET", "POST"]),
        route(f"{V}/composite/sobjects/{{name}}/{{field}}", composite.upsert, methods=["PATCH"]),
        route(f"{V}/sobjects", sobjects.list_sobjects, methods=["GET"]),
        route(f"{V}/sobjects/{{name}}", sobjects.sobject_info, methods=["GET"]),
        route(f"{V}/sobjects/{{name}}", sobjects.create, methods=["POST"]),
        route(f"{V}/sobjects/{{name}}/describe", sobjects.describe_sobject, methods=["GET"]),
        route(f"{V}/sobjects/{{name}}/updated", sobjects.updated, methods=["GET"]),
        route(f"{V}/sobjects/{{name}}/deleted", sobjects.deleted, methods=["GET"]),
        route(f"{V}/sobjects/{{name}}/{{id}}", sobjects.record, methods=["GET", "PATCH", "DELETE"]),
        route(
            f"{V}/sobjects/{{name}}/{{field}}/{{value}}",
            sobjects.by_external_id,
            methods=["GET", "PATCH", "POST", "DELETE"],
        ),
        *tooling.routes(V),
    ]
