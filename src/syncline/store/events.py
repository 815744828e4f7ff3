"""The organization's event log (Polytomic's `GET /api/events`), kept for 48 hours.

`record_event` is the one call that executions use to announce what happened; webhooks read the same rows.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from syncline.store.tables import Event
from syncline.store.types import utcnow

RETENTION = timedelta(hours=48)
MAX_LIMIT = 100

EVENT_TYPES = (
    "sync.running",
    "sync.completed",
    "sync.failed",
    "sync.canceled",
    "sync.completed_with_errors",
    "bulk_sync.running",
    "bulk_sync.completed",
    "bulk_sync.canceled",
    "bulk_sync.failed",
    "bulk_sync.completed_with_error",
)


class UnknownEventType(ValueError):
    def __init__(self, event_type: str) -> None:
        self.event_type = event_type
        super().__init__(f"unknown event type {event_type!r}; known types: {', '.join(EVENT_TYPES)}")


def record_event(
    session: Session,
    organization_id: str,
    event_type: str,
    payload: dict[str, Any],
    *,
    at: datetime | None = None,
) -> Event:
    """Append one event; `organization_id` is added to the payload as Polytomic's payloads carry it."""
    if event_type not in EVENT_TYPES:
        raise UnknownEventType(event_type)
    event = Event(
        organization_id=organization_id,
        type=event_type,
        payload={**payload, "organization_id": organization_id},
        created_at=at or utcnow(),
    )
    session.add(event)
    session.flush()
    return event


def list_events(
    session: Session,
    organization_id: str,
    *,
    event_types: list[str] | None = None,
    starting_after: datetime | None = None,
    ending_before: datetime | None = None,
    limit: int = 10,
) -> list[Event]:
    """Newest first, within the retention window and the given bounds (both exclusive)."""
    floor = utcnow() - RETENTION
    query = select(Event).where(Event.organization_id == organization_id, Event.created_at > floor)
    if event_types:
        query = query.where(Event.type.in_(event_types))
    if starting_after is not None:
        query = query.where(Event.created_at > starting_after)
    if ending_before is not None:
        query = query.where(Event.created_at < ending_before)
    query = query.order_by(Event.created_at.desc(), Event.id.desc()).limit(min(limit, MAX_LIMIT))
    return list(session.scalars(query))


def purge_expired_events(session: Session) -> int:
    result = session.execute(delete(Event).where(Event.created_at <= utcnow() - RETENTION))
    return int(getattr(result, "rowcount", 0) or 0)  # a DML result's row count (CursorResult)
