"""The jobs state machine, the job store over SQLite and PostgreSQL, and the registry of kinds."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from syncline.runtime.jobs import (
    TRANSITIONS,
    IllegalTransition,
    InvalidJobKind,
    JobKinds,
    JobLost,
    JobNotFound,
    JobRun,
    JobStatus,
    JobStore,
    UnknownJobKind,
    add_job,
    check_transition,
)
from syncline.store.db import Store
from tests.runtime.jobs_support import FakeClock, migrated_store, new_org

S = JobStatus
LEGAL = [
    (S.QUEUED, S.RUNNING),
    (S.QUEUED, S.CANCELED),
    (S.RUNNING, S.COMPLETED),
    (S.RUNNING, S.FAILED),
    (S.RUNNING, S.CANCELED),
    (S.RUNNING, S.INTERRUPTED),
    (S.INTERRUPTED, S.QUEUED),
]
ILLEGAL = [(a, b) for a in S for b in S if (a, b) not in LEGAL]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with migrated_store(request.param, tmp_path_factory.mktemp("jobs")) as store:
        yield store


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def jobs(store: Store, clock: FakeClock) -> JobStore:
    return JobStore(store, clock=clock)


@pytest.fixture
def org(store: Store) -> str:
    return new_org(store)


# --- the state machine ----------------------------------------------------------------------------


def test_the_table_of_transitions_is_the_documented_one() -> None:
    assert sorted((a, b) for a, targets in TRANSITIONS.items() for b in targets) == sorted(LEGAL)


@pytest.mark.parametrize(("current", "target"), LEGAL, ids=[f"{a}->{b}" for a, b in LEGAL])
def test_legal_transitions_are_allowed(current: JobStatus, target: JobStatus) -> None:
    check_transition(current, target)


@pytest.mark.parametrize(("current", "target"), ILLEGAL, ids=[f"{a}->{b}" for a, b in ILLEGAL])
def test_illegal_transitions_are_refused(current: JobStatus, target: JobStatus) -> None:
    with pytest.raises(IllegalTransition) as caught:
        check_transition(current, target, "j1")
    assert (caught.value.current, caught.value.target, caught.value.job_id) == (current, target, "j1")


def test_terminal_states_are_the_four_ends() -> None:
    assert {s for s in S if s.is_terminal} == {S.COMPLETED, S.FAILED, S.CANCELED, S.INTERRUPTED}


# --- the store ------------------------------------------------------------------------------------


def test_a_created_job_is_queued_with_its_input(jobs: JobStore, org: str) -> None:
    job_id = jobs.create("query", org, {"query": "SELECT 1"}, subject_id="conn-1")
    job = jobs.require(job_id)
    assert (job.status, job.kind, job.payload, job.subject_id) == (
        S.QUEUED,
        "query",
        {"query": "SELECT 1"},
        "conn-1",
    )
    assert (job.attempts, job.owner, job.started_at, job.finished_at) == (0, None, None, None)


def test_a_payload_that_is_not_json_is_refused(jobs: JobStore, org: str) -> None:
    with pytest.raises(ValueError, match="JSON"):
        jobs.create("query", org, {"when": object()})


def test_add_job_joins_the_callers_transaction(store: Store, jobs: JobStore, org: str) -> None:
    created: list[str] = []

    def failing_request() -> None:
        with store.session() as session:
            created.append(add_job(session, "query", org, {}))
            raise RuntimeError("the request failed")

    with pytest.raises(RuntimeError):
        failing_request()
    assert jobs.get(created[0]) is None


def test_claim_makes_the_job_running_for_its_owner(jobs: JobStore, org: str, clock: FakeClock) -> None:
    job_id = jobs.create("query", org)
    claimed = jobs.claim(job_id, "worker-1")
    assert claimed is not None
    assert (claimed.status, claimed.owner, claimed.attempts) == (S.RUNNING, "worker-1", 1)
    assert claimed.started_at == claimed.heartbeat_at == clock.now
    assert jobs.claim(job_id, "worker-2") is None


def test_claim_is_exclusive_under_concurrent_claims(store: Store, org: str) -> None:
    job_ids = [JobStore(store).create("query", org) for _ in range(20)]
    start = threading.Barrier(4)
    won: dict[str, list[str]] = {}

    def claim_all(worker: str) -> None:
        mine = JobStore(store)  # as another executor would
        start.wait()
        won[worker] = [job_id for job_id in job_ids if mine.claim(job_id, worker) is not None]

    threads = [threading.Thread(target=claim_all, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    claimed = [job_id for ids in won.values() for job_id in ids]
    assert sorted(claimed) == sorted(job_ids)  # every job once, none twice
    owners = {job_id: worker for worker, ids in won.items() for job_id in ids}
    assert all(JobStore(store).require(job_id).owner == owners[job_id] for job_id in job_ids)


def test_completing_sets_result_and_finished_at(jobs: JobStore, org: str, clock: FakeClock) -> None:
    job_id = jobs.create("query", org)
    jobs.claim(job_id, "w")
    clock.advance(5)
    jobs.complete(job_id, {"rows": 3}, owner="w")
    job = jobs.require(job_id)
    assert (job.status, job.result, job.finished_at) == (S.COMPLETED, {"rows": 3}, clock.now)


def test_a_finished_job_cannot_change_again(jobs: JobStore, org: str) -> None:
    job_id = jobs.create("query", org)
    jobs.claim(job_id, "w")
    jobs.fail(job_id, "boom", owner="w")
    with pytest.raises(IllegalTransition) as caught:
        jobs.complete(job_id, {}, owner="w")
    assert (caught.value.current, caught.value.target) == (S.FAILED, S.COMPLETED)
    assert jobs.require(job_id).error == "boom"


def test_a_queued_job_cannot_be_completed(jobs: JobStore, org: str) -> None:
    job_id = jobs.create("query", org)
    with pytest.raises(IllegalTransition):
        jobs.complete(job_id, {})


def test_moving_a_missing_job_says_it_does_not_exist(jobs: JobStore) -> None:
    with pytest.raises(JobNotFound):
        jobs.fail("no-such-job", "x")


def test_canceling_a_queued_job_cancels_it_at_once(jobs: JobStore, org: str, clock: FakeClock) -> None:
    job_id = jobs.create("query", org)
    assert jobs.request_cancel(job_id) is S.CANCELED
    job = jobs.require(job_id)
    assert (job.status, job.finished_at) == (S.CANCELED, clock.now)
    assert job.error is not None
    assert job.error.startswith("canceled")
    assert jobs.claim(job_id, "w") is None


def test_canceling_a_running_job_flags_it_until_its_handler_stops(jobs: JobStore, org: str) -> None:
    job_id = jobs.create("query", org)
    jobs.claim(job_id, "w")
    assert jobs.should_stop(job_id, "w") is False
    assert jobs.request_cancel(job_id) is S.RUNNING
    assert jobs.require(job_id).cancel_requested
    assert jobs.heartbeat([job_id], "w") == {job_id}
    assert jobs.should_stop(job_id, "w") is True
    jobs.finish_canceled(job_id, owner="w")
    assert jobs.require(job_id).status is S.CANCELED


def test_canceling_a_finished_job_changes_nothing(jobs: JobStore, org: str) -> None:
    job_id = jobs.create("query", org)
    jobs.claim(job_id, "w")
    jobs.complete(job_id, 1, owner="w")
    assert jobs.request_cancel(job_id) is S.COMPLETED
    assert jobs.require(job_id).status is S.COMPLETED


def test_reconcile_interrupts_only_jobs_with_a_stale_heartbeat(
    jobs: JobStore, org: str, clock: FakeClock
) -> None:
    dead, alive = jobs.create("query", org), jobs.create("query", org)
    jobs.claim(dead, "dead-worker")
    jobs.claim(alive, "live-worker")
    clock.advance(40)
    jobs.heartbeat([alive], "live-worker")
    clock.advance(40)
    interrupted = {job.id for job in jobs.reconcile(timedelta(seconds=60))}
    assert dead in interrupted  # (the store is shared: earlier tests' running jobs may be in it too)
    assert alive not in interrupted
    job = jobs.require(dead)
    assert (job.status, job.finished_at) == (S.INTERRUPTED, clock.now)
    assert job.error is not None
    assert "dead-worker stopped sending heartbeats" in job.error
    assert jobs.require(alive).status is S.RUNNING
    with pytest.raises(IllegalTransition):  # the dead worker's late outcome is refused
        jobs.complete(dead, {}, owner="dead-worker")


def test_requeue_runs_an_interrupted_job_again_from_its_checkpoint(jobs: JobStore, org: str) -> None:
    job_id = jobs.create("query", org)
    jobs.claim(job_id, "w1")
    jobs.set_checkpoint(job_id, {"cursor": 40}, owner="w1")
    jobs.interrupt(job_id, "test", owner="w1")
    jobs.requeue(job_id)
    queued = jobs.require(job_id)
    assert (queued.status, queued.owner, queued.finished_at, queued.error) == (S.QUEUED, None, None, None)
    again = jobs.claim(job_id, "w2")
    assert again is not None
    assert (again.attempts, again.checkpoint) == (2, {"cursor": 40})
    with pytest.raises(JobLost):  # the first worker may no longer write
        jobs.set_checkpoint(job_id, {"cursor": 50}, owner="w1")
    with pytest.raises(JobLost):
        jobs.complete(job_id, {}, owner="w1")


def test_only_interrupted_jobs_can_be_requeued(jobs: JobStore, org: str) -> None:
    job_id = jobs.create("query", org)
    jobs.claim(job_id, "w")
    jobs.fail(job_id, "no", owner="w")
    with pytest.raises(IllegalTransition):
        jobs.requeue(job_id)


def test_progress_is_recorded_while_running_only(jobs: JobStore, org: str) -> None:
    job_id = jobs.create("query", org)
    jobs.claim(job_id, "w")
    jobs.set_progress(job_id, {"done": 1, "total": 2}, owner="w")
    assert jobs.require(job_id).progress == {"done": 1, "total": 2}
    jobs.complete(job_id, None, owner="w")
    jobs.set_progress(job_id, {"done": 2, "total": 2}, owner="w")
    assert jobs.require(job_id).progress == {"done": 1, "total": 2}


def test_queued_lists_an_organizations_jobs_oldest_first(
    store: Store, jobs: JobStore, clock: FakeClock
) -> None:
    mine, other = new_org(store), new_org(store)
    first = jobs.create("query", mine)
    clock.advance(1)
    jobs.create("query", other)
    clock.advance(1)
    third = jobs.create("query", mine)
    running = jobs.create("query", mine)
    jobs.claim(running, "w")
    assert [job.id for job in jobs.queued(organization_id=mine)] == [first, third]


def test_a_job_run_sees_a_cancellation_request_through_the_store(jobs: JobStore, org: str) -> None:
    job_id = jobs.create("query", org)
    record = jobs.claim(job_id, "w")
    assert record is not None
    run: JobRun[None] = JobRun(record, None, jobs, "w", cancel_check_seconds=0)
    assert not run.cancel_requested()
    jobs.request_cancel(job_id)
    assert run.cancel_requested()
    assert run.stop_requested_by_user


# --- kinds ----------------------------------------------------------------------------------------


def handler_one(run: JobRun[Any]) -> None:
    del run


def handler_two(run: JobRun[Any]) -> None:
    del run


def test_kinds_are_registered_by_name() -> None:
    kinds = JobKinds()
    kinds.register("query", handler_one)
    kinds.register("query", handler_one)  # again: harmless (a module imported twice)
    assert kinds.get("query") is handler_one
    assert "query" in kinds
    assert kinds.names() == ["query"]


def test_the_decorator_registers_and_returns_the_function() -> None:
    kinds = JobKinds()
    assert kinds.kind("schema.refresh")(handler_two) is handler_two
    assert kinds.get("schema.refresh") is handler_two


def test_a_name_cannot_be_taken_by_another_handler() -> None:
    kinds = JobKinds()
    kinds.register("query", handler_one)
    with pytest.raises(InvalidJobKind, match="already registered"):
        kinds.register("query", handler_two)


def test_closures_and_lambdas_are_refused() -> None:
    kinds = JobKinds()

    def closure(run: JobRun[Any]) -> None:
        del run

    with pytest.raises(InvalidJobKind, match="module-level"):
        kinds.register("query", closure)
    with pytest.raises(InvalidJobKind, match="module-level"):
        kinds.register("query", lambda _run: None)


@pytest.mark.parametrize("name", ["", "Query", "1query", "with space", "x" * 65])
def test_badly_formed_names_are_refused(name: str) -> None:
    with pytest.raises(InvalidJobKind):
        JobKinds().register(name, handler_one)


def test_an_unknown_kind_lists_the_registered_ones() -> None:
    kinds = JobKinds()
    kinds.register("query", handler_one)
    with pytest.raises(UnknownJobKind) as caught:
        kinds.get("qeury")
    assert (caught.value.kind, caught.value.known) == ("qeury", ["query"])
