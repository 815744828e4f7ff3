"""Audit events (48 h) and the list of event types."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from syncline.api.deps import CallerDep, SessionDep
from syncline.api.errors import Unprocessable
from syncline.api.models.common import UtcTimestamp
from syncline.api.models.jobs import EventsEnvelope, EventTypesEnvelope
from syncline.api.routing import api_router
from syncline.store.events import EVENT_TYPES, list_events
from syncline.store.tables import Event

router = api_router(tags=["events"])


def event_out(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "type": event.type,
        "organization_id": event.organization_id,
        "created_at": event.created_at.isoformat().replace("+00:00", "Z"),
        "event": event.payload,
    }


@router.get("/events", response_model=EventsEnvelope)
def get_events(
    caller: CallerDep,
    session: SessionDep,
    event_type: Annotated[
        list[str] | None, Query(alias="type", description="repeat to ask for several")
    ] = None,
    starting_after: Annotated[UtcTimestamp | None, Query()] = None,
    ending_before: Annotated[UtcTimestamp | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    organization_id: Annotated[str | None, Query(description="partner callers only")] = None,
) -> dict[str, Any]:
    """Newest first. `starting_after`/`ending_before` bound the window (exclusive); 48 h are kept."""
    for one_type in event_type or []:
        if one_type not in EVENT_TYPES:
            raise Unprocessable(
                f"type: unknown event type {one_type!r}; allowed: {', '.join(EVENT_TYPES)}",
                metadata={"errors": [{"field": "type", "message": "unknown event type"}]},
            )
    org_id = caller.target_organization(session, organization_id)
    events = list_events(
        session,
        org_id,
        event_types=event_type,
        starting_after=starting_after,
        ending_before=ending_before,
        limit=limit,
    )
    return {"data": [event_out(event) for event in events]}


@router.get("/events_types", response_model=EventTypesEnvelope)
def get_event_types(_caller: CallerDep) -> dict[str, Any]:
    return {"data": list(EVENT_TYPES)}
