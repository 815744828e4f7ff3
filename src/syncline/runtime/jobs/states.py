"""The one state machine of background work, and the one function that changes a job's status.

```
   queued ──claim──▶ running ──complete────────▶ completed
     │  ▲               ├──────fail────────────▶ failed
     │  │               ├──────cancel──────────▶ canceled
     │  │               └──heartbeat lost,─────▶ interrupted
     │  │                  shutdown                  │
     │  └───────────────requeue─────────────────────┘
     └──────────────────cancel─────────────────▶ canceled
```

`completed`, `failed`, `canceled` and `interrupted` are terminal: they set `finished_at`. Only an
explicit `requeue` moves an interrupted job back to `queued` (keeping its checkpoint).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from syncline.runtime.jobs.errors import IllegalTransition, JobConflict, JobLost, JobNotFound
from syncline.store.tables import Job


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELED = "canceled"
    INTERRUPTED = "interrupted"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL


TERMINAL = frozenset({JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELED, JobStatus.INTERRUPTED})

TRANSITIONS: dict[JobStatus, frozenset[JobStatus]] = {
    JobStatus.QUEUED: frozenset({JobStatus.RUNNING, JobStatus.CANCELED}),
    JobStatus.RUNNING: frozenset(
        {JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELED, JobStatus.INTERRUPTED}
    ),
    JobStatus.INTERRUPTED: frozenset({JobStatus.QUEUED}),
    JobStatus.COMPLETED: frozenset(),
    JobStatus.FAILED: frozenset(),
    JobStatus.CANCELED: frozenset(),
}


def can_transition(current: JobStatus, target: JobStatus) -> bool:
    return target in TRANSITIONS[current]


def check_transition(current: JobStatus, target: JobStatus, job_id: str | None = None) -> None:
    """Raise `IllegalTransition` unless the state machine allows `current → target`."""
    if not can_transition(current, target):
        raise IllegalTransition(job_id, current, target)


def sources(target: JobStatus) -> frozenset[JobStatus]:
    """The statuses a job may be in to move to `target`."""
    return frozenset(current for current, targets in TRANSITIONS.items() if target in targets)


def transition(
    session: Session,
    job_id: str,
    target: JobStatus,
    *,
    now: datetime,
    expect_owner: str | None = None,
    guard: Any = None,
    **values: Any,
) -> None:
    """Move a job to `target` atomically, setting `values` as well; refuse what the state machine forbids.

    One conditional UPDATE (`WHERE status IN sources(target)`, plus `owner = :expect_owner` when given,
    plus an optional SQL `guard`) makes the change, so two processes racing for the same job cannot both win:
    the loser gets `IllegalTransition` (its move is no longer legal), `JobLost` (the job is running
    under another owner) or `JobConflict` (the guard no longer holds). Terminal states set
    `finished_at`; `queued` clears it.
    """
    allowed = sources(target)
    conditions = [Job.id == job_id, Job.status.in_([str(s) for s in allowed])]
    if expect_owner is not None:
        conditions.append(Job.owner == expect_owner)
    if guard is not None:
        conditions.append(guard)
    values["status"] = str(target)
    if target.is_terminal:
        values["finished_at"] = now
    elif target is JobStatus.QUEUED:
        values["finished_at"] = None
    stmt = update(Job).where(*conditions).values(**values).execution_options(synchronize_session=False)
    if cast(CursorResult[Any], session.execute(stmt)).rowcount == 1:
        return
    row = session.execute(select(Job.status, Job.owner).where(Job.id == job_id)).one_or_none()
    if row is None:
        raise JobNotFound(job_id)
    current = JobStatus(row.status)
    check_transition(current, target, job_id)
    if expect_owner is not None and row.owner != expect_owner:
        raise JobLost(job_id, expect_owner, current, row.owner)
    raise JobConflict(job_id, f"it changed while moving to {target}; read it again")
