"""The in-process executor: fairness across organizations, cancellation, heartbeats, shutdown, resume.

Handlers synchronize with the test through `Events` on the runtime object; nothing waits on timing, and the
timeouts below only bound a failing run."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from syncline.runtime.jobs import (
    InProcessExecutor,
    JobCanceled,
    JobKinds,
    JobRun,
    JobStatus,
    JobStore,
    KindMismatch,
    UnknownJobKind,
)
from syncline.store.db import Store
from tests.runtime.jobs_support import FakeClock, migrated_store, new_org

TIMEOUT = 30


class Gates:
    """The runtime handed to the test handlers: one `started` event per job name, one `release`."""

    def __init__(self) -> None:
        self._started: dict[str, threading.Event] = defaultdict(threading.Event)
        self._lock = threading.Lock()
        self.release = threading.Event()
        self.ran: list[str] = []

    def started(self, name: str) -> threading.Event:
        with self._lock:
            return self._started[name]

    def mark(self, name: str) -> None:
        with self._lock:
            self.ran.append(name)
        self.started(name).set()


def blocking(run: JobRun[Gates]) -> dict[str, Any]:
    """Runs until released, ignoring cancellation until then; then honours it."""
    run.runtime.mark(run.payload["name"])
    assert run.runtime.release.wait(TIMEOUT)
    run.raise_if_canceled()
    return {"name": run.payload["name"]}


def quick(run: JobRun[Gates]) -> dict[str, Any]:
    run.runtime.mark(run.payload["name"])
    return {"name": run.payload["name"], "attempt": run.attempt}


def cooperative(run: JobRun[Gates]) -> None:
    """Sleeps until asked to stop, as a handler in a backoff would."""
    run.runtime.mark(run.payload["name"])
    if run.wait(TIMEOUT):
        raise JobCanceled(run.job_id)


def failing(run: JobRun[Gates]) -> None:
    del run
    raise ValueError("the upstream said no")


def reporting(run: JobRun[Gates]) -> dict[str, Any]:
    run.progress({"done": 1, "total": 2})
    run.checkpoint({"cursor": "abc"})
    return {"resumed_from": run.resume_from}


def not_json(run: JobRun[Gates]) -> object:
    del run
    return object()


KINDS = JobKinds()
for _name, _handler in [
    ("test.blocking", blocking),
    ("test.quick", quick),
    ("test.cooperative", cooperative),
    ("test.failing", failing),
    ("test.reporting", reporting),
    ("test.not-json", not_json),
]:
    KINDS.register(_name, _handler)

Factory = Callable[..., InProcessExecutor[Gates]]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with migrated_store(request.param, tmp_path_factory.mktemp("executor")) as store:
        yield store


@pytest.fixture
def gates() -> Iterator[Gates]:
    gates = Gates()
    yield gates
    gates.release.set()  # free any handler a failed test left blocked


@pytest.fixture
def executor(store: Store, gates: Gates) -> Iterator[Factory]:
    """Build started executors (2 workers unless told); all are shut down after the test."""
    made: list[InProcessExecutor[Gates]] = []

    def make(**options: Any) -> InProcessExecutor[Gates]:
        options.setdefault("workers", 2)
        options.setdefault("heartbeat_seconds", 3600)  # tests call beat() themselves
        options.setdefault("stale_after_seconds", 7200)
        made.append(InProcessExecutor(store, gates, kinds=KINDS, **options).start())
        return made[-1]

    yield make
    gates.release.set()
    for each in made:
        each.shutdown(grace_seconds=TIMEOUT)
    cleanup = JobStore(store)
    for job in cleanup.queued():  # the store is shared by the module: the next executor must not run these
        cleanup.request_cancel(job.id)


def submit(ex: InProcessExecutor[Gates], org: str, kind: str, name: str) -> str:
    job_id = ex.jobs.create(kind, org, {"name": name})
    ex.submit(kind, job_id)
    return job_id


def test_a_completed_job_keeps_its_result(executor: Factory, store: Store) -> None:
    ex = executor()
    job_id = submit(ex, new_org(store), "test.quick", "q")
    job = ex.wait(job_id, TIMEOUT)
    assert (job.status, job.result, job.owner) == (JobStatus.COMPLETED, {"name": "q", "attempt": 1}, ex.owner)


def test_one_organizations_backlog_does_not_hold_the_others(
    executor: Factory, store: Store, gates: Gates
) -> None:
    ex = executor(workers=2)  # per-organization limit: ceil(2 / 2) = 1
    busy, other = new_org(store, "busy"), new_org(store, "other")
    backlog = [submit(ex, busy, "test.blocking", f"a{n}") for n in range(10)]
    assert gates.started("a0").wait(TIMEOUT)

    late = submit(ex, other, "test.quick", "b")
    assert ex.wait(late, TIMEOUT).status is JobStatus.COMPLETED
    statuses = [ex.jobs.require(job_id).status for job_id in backlog]
    assert statuses == [JobStatus.RUNNING] + [JobStatus.QUEUED] * 9

    gates.release.set()
    assert [ex.wait(job_id, TIMEOUT).status for job_id in backlog] == [JobStatus.COMPLETED] * 10
    assert gates.ran == [f"a{n}" for n in range(1)] + ["b"] + [f"a{n}" for n in range(1, 10)]


def test_a_handler_exception_fails_the_job_with_its_message(executor: Factory, store: Store) -> None:
    ex = executor()
    job = ex.wait(submit(ex, new_org(store), "test.failing", "f"), TIMEOUT)
    assert (job.status, job.error) == (JobStatus.FAILED, "the upstream said no")


def test_a_result_that_is_not_json_fails_the_job(executor: Factory, store: Store) -> None:
    ex = executor()
    job = ex.wait(submit(ex, new_org(store), "test.not-json", "n"), TIMEOUT)
    assert job.status is JobStatus.FAILED
    assert job.error is not None
    assert "could not be stored" in job.error


def test_progress_and_checkpoint_are_saved(executor: Factory, store: Store) -> None:
    ex = executor()
    job = ex.wait(submit(ex, new_org(store), "test.reporting", "r"), TIMEOUT)
    assert job.status is JobStatus.COMPLETED
    assert (job.progress, job.checkpoint, job.result) == (
        {"done": 1, "total": 2},
        {"cursor": "abc"},
        {"resumed_from": None},
    )


def test_canceling_a_running_job_ends_it_canceled(executor: Factory, store: Store, gates: Gates) -> None:
    ex = executor(cancel_check_seconds=0)
    job_id = submit(ex, new_org(store), "test.blocking", "c")
    assert gates.started("c").wait(TIMEOUT)
    assert ex.jobs.request_cancel(job_id) is JobStatus.RUNNING
    gates.release.set()
    job = ex.wait(job_id, TIMEOUT)
    assert job.status is JobStatus.CANCELED
    assert job.result is None


def test_the_heartbeat_delivers_a_cancellation_to_a_waiting_handler(
    executor: Factory, store: Store, gates: Gates
) -> None:
    ex = executor(cancel_check_seconds=3600)  # only the heartbeat can tell the handler
    job_id = submit(ex, new_org(store), "test.cooperative", "w")
    assert gates.started("w").wait(TIMEOUT)
    ex.jobs.request_cancel(job_id)
    ex.beat()
    assert ex.wait(job_id, TIMEOUT).status is JobStatus.CANCELED


def test_a_job_canceled_while_queued_never_runs(executor: Factory, store: Store, gates: Gates) -> None:
    ex = executor(workers=1)
    org = new_org(store)
    first = submit(ex, org, "test.blocking", "first")
    second = submit(ex, org, "test.quick", "second")
    assert gates.started("first").wait(TIMEOUT)
    assert ex.jobs.request_cancel(second) is JobStatus.CANCELED
    gates.release.set()
    assert ex.wait(first, TIMEOUT).status is JobStatus.COMPLETED
    assert ex.wait(second, TIMEOUT).status is JobStatus.CANCELED
    assert "second" not in gates.ran


def test_the_heartbeat_keeps_a_long_job_from_being_reconciled(
    executor: Factory, store: Store, gates: Gates
) -> None:
    clock = FakeClock()
    ex = executor(clock=clock, heartbeat_seconds=3600, stale_after_seconds=7200)
    job_id = submit(ex, new_org(store), "test.blocking", "long")
    assert gates.started("long").wait(TIMEOUT)
    for _ in range(3):
        clock.advance(5000)
        ex.beat()
        assert job_id not in {job.id for job in ex.reconcile()}
    assert ex.jobs.require(job_id).heartbeat_at == clock.now
    clock.advance(7201)  # no beat: the job looks dead
    assert job_id in {job.id for job in ex.reconcile()}
    gates.release.set()
    assert ex.wait(job_id, TIMEOUT).status is JobStatus.INTERRUPTED  # its late outcome is dropped


class ObservedClock(FakeClock):
    """A fake clock that counts the reads made by the housekeeping thread."""

    def __init__(self) -> None:
        super().__init__()
        self.housekeeping_reads = 0
        self.read = threading.Condition()

    def __call__(self) -> Any:
        if threading.current_thread().name == "syncline-job-housekeeping":
            with self.read:
                self.housekeeping_reads += 1
                self.read.notify_all()
        return super().__call__()


def test_the_housekeeping_thread_refreshes_heartbeats(executor: Factory, store: Store, gates: Gates) -> None:
    clock = ObservedClock()
    ex = executor(clock=clock, heartbeat_seconds=0.01, stale_after_seconds=3600, reconcile_seconds=3600)
    job_id = submit(ex, new_org(store), "test.blocking", "beating")
    assert gates.started("beating").wait(TIMEOUT)
    clock.advance(100)
    with clock.read:
        seen = clock.housekeeping_reads
        # two more beats: the first read the new time, and its write was committed before the second
        assert clock.read.wait_for(lambda: clock.housekeeping_reads >= seen + 2, TIMEOUT)
    assert ex.jobs.require(job_id).heartbeat_at == clock.now


def test_start_interrupts_jobs_of_a_worker_that_died(executor: Factory, store: Store) -> None:
    clock = FakeClock()
    dead = JobStore(store, clock=clock)
    job_id = dead.create("test.quick", new_org(store), {"name": "orphan"})
    dead.claim(job_id, "crashed-worker")
    clock.advance(7201)
    executor(clock=clock)
    job = dead.require(job_id)
    assert job.status is JobStatus.INTERRUPTED
    assert job.error is not None
    assert "crashed-worker stopped sending heartbeats" in job.error


def test_shutdown_interrupts_a_job_that_outlives_the_grace_period(
    executor: Factory, store: Store, gates: Gates
) -> None:
    ex = executor(workers=1)
    org = new_org(store)
    stuck = submit(ex, org, "test.blocking", "stuck")
    waiting = submit(ex, org, "test.quick", "waiting")
    assert gates.started("stuck").wait(TIMEOUT)
    ex.shutdown(grace_seconds=0.1)
    job = ex.jobs.require(stuck)
    assert job.status is JobStatus.INTERRUPTED
    assert job.error is not None
    assert "shut down" in job.error
    assert ex.jobs.require(waiting).status is JobStatus.QUEUED  # left for the next start
    gates.release.set()  # the abandoned handler finishes; its outcome is dropped
    assert ex.wait(stuck, TIMEOUT).status is JobStatus.INTERRUPTED


def test_shutdown_stops_a_cooperative_job_as_interrupted_not_canceled(
    executor: Factory, store: Store, gates: Gates
) -> None:
    ex = executor()
    job_id = submit(ex, new_org(store), "test.cooperative", "coop")
    assert gates.started("coop").wait(TIMEOUT)
    ex.shutdown(grace_seconds=TIMEOUT)  # returns as soon as the handler stopped
    job = ex.jobs.require(job_id)
    assert job.status is JobStatus.INTERRUPTED
    assert job.error is not None
    assert "shut down" in job.error


def test_the_next_start_resumes_jobs_left_queued(executor: Factory, store: Store, gates: Gates) -> None:
    org = new_org(store)
    first = executor(workers=1)
    blocker = submit(first, org, "test.blocking", "blocker")
    left = submit(first, org, "test.quick", "left")
    assert gates.started("blocker").wait(TIMEOUT)
    first.shutdown(grace_seconds=0)
    assert first.jobs.require(left).status is JobStatus.QUEUED
    gates.release.set()

    second = executor(workers=1)
    assert second.wait(left, TIMEOUT).status is JobStatus.COMPLETED
    assert second.jobs.require(blocker).status is JobStatus.INTERRUPTED


def test_submitting_after_shutdown_leaves_the_job_queued(executor: Factory, store: Store) -> None:
    ex = executor()
    ex.shutdown(grace_seconds=0)
    job_id = submit(ex, new_org(store), "test.quick", "late")
    assert ex.jobs.require(job_id).status is JobStatus.QUEUED


def test_an_unknown_kind_is_refused_at_submit(executor: Factory, store: Store) -> None:
    ex = executor()
    job_id = ex.jobs.create("test.nobody", new_org(store))
    with pytest.raises(UnknownJobKind):
        ex.submit("test.nobody", job_id)


def test_a_job_submitted_under_another_kind_is_refused(executor: Factory, store: Store) -> None:
    ex = executor()
    job_id = ex.jobs.create("test.quick", new_org(store), {"name": "x"})
    with pytest.raises(KindMismatch):
        ex.submit("test.failing", job_id)


def test_settings_that_would_interrupt_live_jobs_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="stale_after_seconds"):
        InProcessExecutor(store, None, heartbeat_seconds=30, stale_after_seconds=30)


def test_the_per_organization_limit_defaults_to_half_the_workers(store: Store, tmp_path: Path) -> None:
    del tmp_path
    assert InProcessExecutor(store, None, workers=5).per_org_limit == 3
    assert InProcessExecutor(store, None, workers=1).per_org_limit == 1
    assert InProcessExecutor(store, None, workers=4, per_org_limit=4).per_org_limit == 4
