"""The clock stamps as Salesforce does: commit times, never ahead of the wall clock, never backwards.

An incremental reader bounded by "now" (`WHERE SystemModstamp <= :now`) must see every committed row.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from sfemu.clock import Clock, format_storage, parse_storage
from sfemu.seed import seed
from tests.sfemu.bulk.helpers import attach
from tests.support.sfemu import EmulatorServer

V = "/services/data/v62.0"


class Wall:
    """A wall clock the test moves (milliseconds since the epoch)."""

    def __init__(self, now: int) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


def test_writes_share_milliseconds_and_never_run_ahead_of_the_wall_clock() -> None:
    wall = Wall(1_700_000_000_000)
    clock = Clock(wall)
    stamps = [clock.stamp() for _ in range(1000)]
    assert set(stamps) == {format_storage(datetime.fromtimestamp(wall.now / 1000, UTC))}
    wall.now += 5
    assert parse_storage(clock.stamp()) == datetime.fromtimestamp(wall.now / 1000, UTC)


def test_stamps_never_go_backwards_when_the_wall_clock_does() -> None:
    wall = Wall(1_700_000_000_000)
    clock = Clock(wall)
    first = clock.stamp()
    wall.now -= 2000  # NTP steps the clock back
    assert clock.stamp() == first


def test_a_backdated_load_ends_before_it_started_with_rows_sharing_milliseconds() -> None:
    wall = Wall(1_700_000_000_000)
    clock = Clock(wall)
    started = format_storage(datetime.fromtimestamp(wall.now / 1000, UTC))
    with clock.backdated(1000, per_ms=20):
        loaded = [clock.stamp() for _ in range(1200)]  # more than announced: the rest share the last ms
    assert loaded == sorted(loaded)
    assert loaded[-1] < started
    assert len(set(loaded)) == 50
    assert clock.stamp() == started  # live writes are wall-clock again


def _query_all(client: httpx.Client, soql: str) -> list[dict[str, object]]:
    response = client.get(f"{V}/query", params={"q": soql})
    assert response.status_code == 200, response.text
    body = response.json()
    records = list(body["records"])
    while not body["done"]:
        body = client.get(body["nextRecordsUrl"]).json()
        records.extend(body["records"])
    return records


def test_a_reader_bounded_by_now_sees_every_seeded_and_live_row(sfemu_server: EmulatorServer) -> None:
    bulk_org = attach(sfemu_server)
    seed(bulk_org.server.org, "300")
    with bulk_org.client() as client:
        for start in range(0, 400, 200):  # a burst of live writes, as an app makes them
            response = client.post(
                f"{V}/composite/sobjects",
                json={
                    "records": [
                        {"attributes": {"type": "Account"}, "Name": f"Live {n}"}
                        for n in range(start, start + 200)
                    ]
                },
            )
            assert response.status_code == 200, response.text
        now = datetime.now(UTC)
        bound = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
        everything = _query_all(client, "SELECT Id, SystemModstamp FROM Account")
        up_to_now = _query_all(client, f"SELECT Id FROM Account WHERE SystemModstamp <= {bound}")
    assert len(everything) == 700
    latest = max(datetime.strptime(str(r["SystemModstamp"]), "%Y-%m-%dT%H:%M:%S.%f%z") for r in everything)
    assert latest <= now
    assert {r["Id"] for r in up_to_now} == {r["Id"] for r in everything}
    shared = len(everything) - len({r["SystemModstamp"] for r in everything})
    assert shared > 0  # a bulk load gives many rows the same millisecond, as Salesforce does
    assert now - latest < timedelta(minutes=1)
