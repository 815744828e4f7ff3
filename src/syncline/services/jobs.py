"""Background jobs as the API shows them: one organization's job of one kind."""

from __future__ import annotations

from sqlalchemy.orm import Session

from syncline.store.tables import Job


def find(session: Session, kind: str, job_id: str) -> Job | None:
    """The job with this id and kind; None for another kind's or none (the caller checks its organization)."""
    job = session.get(Job, job_id)
    if job is None or job.kind != kind:
        return None
    return job
