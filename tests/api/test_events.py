"""Events: recorded by the internal call, listed through the SDK, kept 48 hours."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from polytomic import Polytomic
from polytomic.errors import UnprocessableEntityError

from syncline.store.db import Store
from syncline.store.events import EVENT_TYPES, UnknownEventType, record_event
from tests.support.server import ServerProcess


@pytest.fixture
def store(server: ServerProcess) -> Iterator[Store]:
    """The running server's own metadata store, opened beside it as a worker process would."""
    store = Store(server.database_url)
    yield store
    store.dispose()


def test_event_types_are_the_ten_documented(sdk: Polytomic) -> None:
    assert sdk.events.get_types().data == list(EVENT_TYPES)
    assert len(EVENT_TYPES) == 10
    assert "bulk_sync.completed_with_error" in EVENT_TYPES


def test_recorded_events_are_listed_newest_first(
    sdk: Polytomic, store: Store, other_org_sdk: Polytomic
) -> None:
    org_id = sdk.identity.get().data.organization_id
    base = datetime.now(UTC) - timedelta(minutes=30)
    with store.session() as session:
        for minute, kind in enumerate(["sync.running", "sync.completed", "bulk_sync.failed"]):
            record_event(
                session,
                org_id,
                kind,
                {"sync_id": f"s{minute}", "execution_id": f"e{minute}"},
                at=base + timedelta(minutes=minute),
            )
    window = {"starting_after": base - timedelta(seconds=1), "ending_before": base + timedelta(minutes=5)}
    events = sdk.events.list(**window).data
    assert [e.type for e in events] == ["bulk_sync.failed", "sync.completed", "sync.running"]
    assert events[-1].event.sync_id == "s0"
    assert events[-1].organization_id == org_id

    only = sdk.events.list(type="sync.completed", **window).data
    assert [e.event.sync_id for e in only] == ["s1"]
    assert len(sdk.events.list(limit=1, **window).data) == 1
    later = sdk.events.list(
        starting_after=base + timedelta(seconds=30), ending_before=base + timedelta(minutes=5)
    ).data
    assert [e.type for e in later] == ["bulk_sync.failed", "sync.completed"]
    assert other_org_sdk.events.list(**window).data == []  # another organization sees none of them


def test_events_older_than_48_hours_are_not_listed(sdk: Polytomic, store: Store) -> None:
    org_id = sdk.identity.get().data.organization_id
    old = datetime.now(UTC) - timedelta(hours=49)
    with store.session() as session:
        record_event(session, org_id, "sync.failed", {"sync_id": "ancient"}, at=old)
    listed = sdk.events.list(starting_after=old - timedelta(hours=1), limit=100).data
    assert "ancient" not in [e.event.sync_id for e in listed if e.type == "sync.failed"]


def test_unknown_event_type_cannot_be_recorded(store: Store, sdk: Polytomic) -> None:
    with store.session() as session, pytest.raises(UnknownEventType):
        record_event(session, sdk.identity.get().data.organization_id, "sync.exploded", {})


@pytest.mark.parametrize(
    ("params", "field"),
    [
        pytest.param({"type": "sync.exploded"}, "type", id="unknown-type"),
        pytest.param({"limit": 101}, "limit", id="limit-over-100"),
        pytest.param({"limit": 0}, "limit", id="limit-zero"),
    ],
)
def test_bad_event_queries_are_rejected(sdk: Polytomic, params: dict[str, object], field: str) -> None:
    with pytest.raises(UnprocessableEntityError) as err:
        sdk.events.list(**params)
    assert field in [e["field"] for e in err.value.body.metadata["errors"]]


@pytest.mark.parametrize(
    "bound",
    [
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59.999999Z",
        "0001-01-01T00:00:00+01:00",  # before year 1 in UTC: clamped to the calendar's first instant
        "9999-12-31T23:59:59-01:00",  # after year 9999 in UTC: clamped to its last
        "0001-01-01T00:00:00.000001-23:59",
    ],
)
def test_bounds_at_the_calendars_edges_are_clamped(
    sdk: Polytomic, http: httpx.Client, store: Store, bound: str
) -> None:
    org_id = sdk.identity.get().data.organization_id
    with store.session() as session:
        event = record_event(session, org_id, "sync.completed", {"sync_id": f"edge-{bound}"})
    for name in ("starting_after", "ending_before"):
        answer = http.get("/api/events", params={name: bound, "limit": 100})
        assert answer.status_code == 200, answer.text
        listed = [e["id"] for e in answer.json()["data"]]
        # the event is after any bound in year 1 and before any in year 9999
        assert (event.id in listed) == ((name == "starting_after") == bound.startswith("0001")), name


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("0000-01-01T00:00:00Z", "RFC 3339"),
        ("10000-01-01T00:00:00Z", "RFC 3339"),
        ("2025-01-01T00:00:00+25:00", "RFC 3339"),
        ("2025-01-01T00:00:00", "time zone"),
    ],
)
def test_bounds_outside_the_calendar_name_the_field(http: httpx.Client, value: str, says: str) -> None:
    for name in ("starting_after", "ending_before"):
        answer = http.get("/api/events", params={name: value})
        assert answer.status_code == 422, answer.text
        assert answer.json()["metadata"]["errors"][0]["field"] == name
        assert says in answer.json()["message"]
