from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from syncline.api.deps import CallerDep
from syncline.api.errors import NotFound
from syncline.connectors.errors import UnknownConnectionType
from syncline.connectors.registry import all_connection_types, get_connection_type

router = APIRouter(prefix="/api", tags=["connection types"])


@router.get("/connection_types")
def list_connection_types(_caller: CallerDep) -> dict[str, Any]:
    return {"data": [ctype.describe() for ctype in all_connection_types()]}


@router.get("/connection_types/{type_id}")
def get_connection_type_schema(type_id: str, _caller: CallerDep) -> dict[str, Any]:
    """The bare JSON Schema of the type's configuration: no `data` envelope, as Polytomic serves it."""
    try:
        return get_connection_type(type_id).json_schema()
    except UnknownConnectionType as exc:
        raise NotFound(str(exc), metadata={"id": type_id}) from None
