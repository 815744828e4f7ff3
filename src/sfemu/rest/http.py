"""The REST API's routes: `/services/data` discovery, sObjects, query, composite, Tooling and actions."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from sfemu.rest import composite, discovery, query, sobjects, tooling

V = "/services/data/{version}"


def routes() -> list[BaseRoute]:
    # Order matters: fixed path segments (describe, updated, deleted) before the {id} catch-alls.
    return [
        Route("/services/data", discovery.versions, methods=["GET"]),
        Route(V, discovery.resources, methods=["GET"]),
        Route(f"{V}/limits", discovery.limits, methods=["GET"]),
        Route(f"{V}/actions/standard/convertLead", discovery.convert_lead_action, methods=["POST"]),
        Route(f"{V}/query", query.run, methods=["GET"]),
        Route(f"{V}/queryAll", query.run_all, methods=["GET"]),
        Route(f"{V}/query/{{locator}}", query.next_page, methods=["GET"]),
        Route(f"{V}/queryAll/{{locator}}", query.next_page, methods=["GET"]),
        Route(f"{V}/composite/sobjects", composite.create, methods=["POST"]),
        Route(f"{V}/composite/sobjects", composite.update, methods=["PATCH"]),
        Route(f"{V}/composite/sobjects", composite.delete, methods=["DELETE"]),
        Route(f"{V}/composite/sobjects/{{name}}", composite.retrieve, methods=["GET", "POST"]),
        Route(f"{V}/composite/sobjects/{{name}}/{{field}}", composite.upsert, methods=["PATCH"]),
        Route(f"{V}/sobjects", sobjects.list_sobjects, methods=["GET"]),
        Route(f"{V}/sobjects/{{name}}", sobjects.sobject_info, methods=["GET"]),
        Route(f"{V}/sobjects/{{name}}", sobjects.create, methods=["POST"]),
        Route(f"{V}/sobjects/{{name}}/describe", sobjects.describe_sobject, methods=["GET"]),
        Route(f"{V}/sobjects/{{name}}/updated", sobjects.updated, methods=["GET"]),
        Route(f"{V}/sobjects/{{name}}/deleted", sobjects.deleted, methods=["GET"]),
        Route(f"{V}/sobjects/{{name}}/{{id}}", sobjects.record, methods=["GET", "PATCH", "DELETE"]),
        Route(
            f"{V}/sobjects/{{name}}/{{field}}/{{value}}",
            sobjects.by_external_id,
            methods=["GET", "PATCH", "POST", "DELETE"],
        ),
        *tooling.routes(V),
    ]
