"""Background jobs as the API shows them: one organization's job of one kind."""

from __future__ import annotations

from sqlalchemy.orm import Session

from syncline.store.tables import Job


def find(session: Session, organization_id: str, kind: str, job_id: str) -> Job | None:
    """The organization's job with this id and kind; None for another organization's, kind's or none."""
    job = session.get(Job, job_id)
    if job is None or job.organization_id != organization_id or job.kind != kind:
        return None
    return job
