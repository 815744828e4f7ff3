from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from syncline.api.deps import CallerDep
from syncline.api.errors import NotFound, Unprocessable, field_errors
from syncline.api.models.connections import (
    ConnectionParameterValuesResponseEnvelope,
    ConnectionTypeResponseEnvelope,
)
from syncline.api.routing import api_router
from syncline.connectors.base import ConnectionType
from syncline.connectors.errors import UnknownConnectionType
from syncline.connectors.registry import all_connection_types, get_connection_type

router = api_router(tags=["connection types"])


@router.get("/connection_types", response_model=ConnectionTypeResponseEnvelope)
def list_connection_types(_caller: CallerDep) -> dict[str, Any]:
    return {"data": [ctype.describe() for ctype in all_connection_types()]}


@router.get(
    "/connection_types/{type_id}",
    response_model=dict[str, Any],
    response_description="The JSON Schema (draft 2020-12) of the type's configuration, without an envelope",
)
def get_connection_type_schema(type_id: str, _caller: CallerDep) -> dict[str, Any]:
    """The bare JSON Schema of the type's configuration: no `data` envelope, as Polytomic serves it."""
    try:
        return get_connection_type(type_id).json_schema()
    except UnknownConnectionType as exc:
        raise NotFound(str(exc), metadata={"id": type_id}) from None


class ParameterValuesRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    field: str
    parameters: dict[str, Any] | None = None
    connection_id: str | None = None
    query: str | None = None


def parameter_values(ctype: ConnectionType[Any], field: str, query: str | None = None) -> dict[str, Any]:
    """Completion values of one setting: its enum values (or true/false), filtered by `query`."""
    schema = ctype.json_schema()["properties"].get(field)
    if schema is None:
        allowed = ", ".join(ctype.json_schema()["properties"])
        raise Unprocessable(
            f"field: {ctype.id} has no setting {field!r}; settings: {allowed}",
            metadata=field_errors([("field", "unknown setting")]),
        )
    options = schema.get("enum") or ([True, False] if schema.get("type") == "boolean" else [])
    values = [
        {"label": str(v).lower() if isinstance(v, bool) else str(v), "value": v, "path": field}
        for v in options
        if not query or query.lower() in str(v).lower()
    ]
    return {"allows_creation": False, "values": values}


@router.post(
    "/connection_types/{type_id}/parameter_values", response_model=ConnectionParameterValuesResponseEnvelope
)
def type_parameter_values(type_id: str, body: ParameterValuesRequest, _caller: CallerDep) -> dict[str, Any]:
    try:
        ctype = get_connection_type(type_id)
    except UnknownConnectionType as exc:
        raise NotFound(str(exc), metadata={"id": type_id}) from None
    return {"data": {body.field: parameter_values(ctype, body.field, body.query)}}
