"""The `jobs` table, read and changed through one object: create, claim, heartbeat, finish, cancel, reconcile.

Every status change goes through `states.transition` (a conditional UPDATE), so two executors racing for
one job cannot both win. Methods open their own short session and return `JobRecord` snapshots, never
ORM rows, so that records can cross threads.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from syncline.runtime.jobs.errors import IllegalTransition, JobConflict, JobError, JobLost, JobNotFound
from syncline.runtime.jobs.states import JobStatus, transition
from syncline.store.db import Store
from syncline.store.tables import Job
from syncline.store.types import utcnow

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class JobRecord:
    """A job as read from the table at one moment."""

    id: str
    organization_id: str
    kind: str
    subject_id: str | None
    payload: dict[str, Any]
    status: JobStatus
    owner: str | None
    attempts: int
    heartbeat_at: datetime | None
    progress: Any
    checkpoint: Any
    result: Any
    error: str | None
    cancel_requested: bool
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, row: Job) -> JobRecord:
        return cls(
            id=row.id,
            organization_id=row.organization_id,
            kind=row.kind,
            subject_id=row.subject_id,
            payload=dict(row.payload or {}),
            status=JobStatus(row.status),
            owner=row.owner,
            attempts=row.attempts,
            heartbeat_at=row.heartbeat_at,
            progress=row.progress,
            checkpoint=row.checkpoint,
            result=row.result,
            error=row.error,
            cancel_requested=bool(row.cancel_requested),
            created_at=row.created_at,
            started_at=row.started_at,
            finished_at=row.finished_at,
        )


def add_job(
    session: Session,
    kind: str,
    organization_id: str,
    payload: dict[str, Any] | None = None,
    *,
    subject_id: str | None = None,
    now: datetime | None = None,
) -> str:
    """Add a queued job in the caller's transaction and return its id; submit it only after the commit."""
    payload = payload or {}
    try:
        json.dumps(payload)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"the payload of a {kind} job must be JSON-serializable: {exc}") from None
    job = Job(
        organization_id=organization_id,
        kind=kind,
        subject_id=subject_id,
        payload=payload,
        status=str(JobStatus.QUEUED),
        attempts=0,
        cancel_requested=False,
        created_at=now or utcnow(),
    )
    session.add(job)
    session.flush()
    return job.id


class JobStore:
    """The jobs table over a metadata `Store`; `clock` is injectable so tests need not sleep."""

    def __init__(self, store: Store, *, clock: Clock = utcnow) -> None:
        self.store = store
        self.clock = clock

    # --- reading ---------------------------------------------------------------------------------

    def get(self, job_id: str) -> JobRecord | None:
        with self.store.session() as session:
            row = session.get(Job, job_id)
            return JobRecord.of(row) if row is not None else None

    def require(self, job_id: str) -> JobRecord:
        record = self.get(job_id)
        if record is None:
            raise JobNotFound(job_id)
        return record

    def queued(self, *, organization_id: str | None = None, limit: int | None = None) -> list[JobRecord]:
        """Queued jobs, oldest first (of one organization when given)."""
        stmt = select(Job).where(Job.status == str(JobStatus.QUEUED)).order_by(Job.created_at, Job.id)
        if organization_id is not None:
            stmt = stmt.where(Job.organization_id == organization_id)
        if limit is not None:
            stmt = stmt.limit(limit)
        with self.store.session() as session:
            return [JobRecord.of(row) for row in session.scalars(stmt)]

    # --- creating and claiming -------------------------------------------------------------------

    def create(
        self,
        kind: str,
        organization_id: str,
        payload: dict[str, Any] | None = None,
        *,
        subject_id: str | None = None,
    ) -> str:
        """Create a queued job in its own committed transaction; returns its id, ready to submit."""
        with self.store.session() as session:
            return add_job(session, kind, organization_id, payload, subject_id=subject_id, now=self.clock())

    def claim(self, job_id: str, owner: str) -> JobRecord | None:
        """queued → running for `owner`, or None when the job is no longer queued (claimed elsewhere,
        canceled). Exclusive: of two concurrent claims exactly one succeeds."""
        now = self.clock()
        stmt = (
            update(Job)
            .where(Job.id == job_id, Job.status == str(JobStatus.QUEUED))
            .values(
                status=str(JobStatus.RUNNING),
                owner=owner,
                started_at=now,
                heartbeat_at=now,
                attempts=Job.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        with self.store.session() as session:
            if cast(CursorResult[Any], session.execute(stmt)).rowcount != 1:
                return None
            row = session.get(Job, job_id)
            assert row is not None
            return JobRecord.of(row)

    # --- while running ---------------------------------------------------------------------------

    def heartbeat(self, job_ids: Iterable[str], owner: str) -> set[str]:
        """Refresh `heartbeat_at` of `owner`'s running jobs; return those whose cancellation was requested."""
        ids = list(job_ids)
        if not ids:
            return set()
        mine = (Job.id.in_(ids), Job.status == str(JobStatus.RUNNING), Job.owner == owner)
        with self.store.session() as session:
            session.execute(
                update(Job)
                .where(*mine)
                .values(heartbeat_at=self.clock())
                .execution_options(synchronize_session=False)
            )
            return set(session.scalars(select(Job.id).where(*mine, Job.cancel_requested.is_(True))))

    def should_stop(self, job_id: str, owner: str) -> bool:
        """True when the running job's cancellation was requested, or it is no longer `owner`'s."""
        with self.store.session() as session:
            row = session.execute(
                select(Job.status, Job.owner, Job.cancel_requested).where(Job.id == job_id)
            ).one_or_none()
        if row is None or row.status != JobStatus.RUNNING or row.owner != owner:
            return True
        return bool(row.cancel_requested)

    def set_progress(self, job_id: str, progress: Any, *, owner: str | None = None) -> None:
        """Record progress (any JSON value); ignored once the job is no longer running."""
        self._update_running(job_id, owner, progress=progress)

    def set_checkpoint(self, job_id: str, checkpoint: Any, *, owner: str | None = None) -> None:
        """Record where a resumed run should continue; raises `JobLost` if `owner` lost the job."""
        if not self._update_running(job_id, owner, checkpoint=checkpoint) and owner is not None:
            record = self.require(job_id)
            raise JobLost(job_id, owner, record.status, record.owner)

    def _update_running(self, job_id: str, owner: str | None, **values: Any) -> bool:
        conditions = [Job.id == job_id, Job.status == str(JobStatus.RUNNING)]
        if owner is not None:
            conditions.append(Job.owner == owner)
        stmt = (
            update(Job)
            .where(*conditions)
            .values(heartbeat_at=self.clock(), **values)
            .execution_options(synchronize_session=False)
        )
        with self.store.session() as session:
            return cast(CursorResult[Any], session.execute(stmt)).rowcount == 1

    # --- finishing -------------------------------------------------------------------------------

    def complete(self, job_id: str, result: Any = None, *, owner: str | None = None) -> None:
        self._move(job_id, JobStatus.COMPLETED, owner, result=result, error=None)

    def fail(self, job_id: str, error: str, *, owner: str | None = None) -> None:
        self._move(job_id, JobStatus.FAILED, owner, error=error)

    def finish_canceled(self, job_id: str, *, owner: str | None = None) -> None:
        """running → canceled, once the handler stopped after a cancellation request."""
        self._move(job_id, JobStatus.CANCELED, owner, error="canceled while running, as requested")

    def interrupt(self, job_id: str, reason: str, *, owner: str | None = None) -> None:
        """running → interrupted: the job stopped without an outcome; `requeue` runs it again."""
        self._move(job_id, JobStatus.INTERRUPTED, owner, error=f"interrupted: {reason}")

    def request_cancel(self, job_id: str) -> JobStatus:
        """Cancel a job: a queued one is canceled at once; a running one is flagged and its handler ends
        it `canceled` when it next checks. Returns the status after the request (terminal: unchanged)."""
        for _ in range(3):  # the job may be claimed between our two statements; then flag the running job
            record = self.require(job_id)
            if record.status is JobStatus.QUEUED:
                try:
                    with self.store.session() as session:
                        transition(
                            session,
                            job_id,
                            JobStatus.CANCELED,
                            now=self.clock(),
                            cancel_requested=True,
                            error="canceled before it started, as requested",
                        )
                    return JobStatus.CANCELED
                except (IllegalTransition, JobConflict):
                    continue  # claimed (or canceled) meanwhile: look again
            elif record.status is JobStatus.RUNNING:
                if self._update_running(job_id, None, cancel_requested=True):
                    return JobStatus.RUNNING
            else:
                return record.status
        return self.require(job_id).status

    def requeue(self, job_id: str) -> None:
        """interrupted → queued, keeping the checkpoint so that the next run can resume from it."""
        with self.store.session() as session:
            transition(
                session,
                job_id,
                JobStatus.QUEUED,
                now=self.clock(),
                owner=None,
                heartbeat_at=None,
                started_at=None,
                cancel_requested=False,
                error=None,
                result=None,
            )

    def reconcile(self, stale_after: timedelta) -> list[JobRecord]:
        """Mark running jobs whose heartbeat is older than `stale_after` interrupted; return them."""
        now = self.clock()
        cutoff = now - stale_after
        stale = (Job.status == str(JobStatus.RUNNING), Job.heartbeat_at < cutoff)
        with self.store.session() as session:
            candidates = session.execute(select(Job.id, Job.owner, Job.heartbeat_at).where(*stale)).all()
        interrupted = []
        for job_id, owner, beat in candidates:
            reason = (
                f"the worker {owner} stopped sending heartbeats (last at {beat}); "
                "requeue the job to run it again"
            )
            try:
                with self.store.session() as session:
                    transition(
                        session,
                        job_id,
                        JobStatus.INTERRUPTED,
                        now=now,
                        guard=Job.heartbeat_at < cutoff,  # a heartbeat that arrived meanwhile wins
                        error=f"interrupted: {reason}",
                    )
            except JobError:
                continue
            interrupted.append(self.require(job_id))
        return interrupted

    def _move(self, job_id: str, target: JobStatus, owner: str | None, **values: Any) -> None:
        with self.store.session() as session:
            transition(session, job_id, target, now=self.clock(), expect_owner=owner, **values)
