"""The one interface every executor implements: in-process threads now, Celery workers for scale-out later.

A job is created in the table first (`JobStore.create`, or `add_job` inside a larger transaction that
has committed), then submitted by kind and id. An executor never receives the job's input: it reads the
row, so a job can run in any process that registered its kind.
"""

from __future__ import annotations

from abc import ABC, abstractmethod


class Executor(ABC):
    @abstractmethod
    def submit(self, kind: str, job_id: str) -> None:
        """Run the queued job `job_id` of `kind` when a worker is free. Raises `UnknownJobKind` if no
        handler is registered under `kind`, `JobNotFound` if the row does not exist (or is uncommitted)."""

    @abstractmethod
    def shutdown(self, grace_seconds: float | None = None) -> None:
        """Stop taking work, ask running jobs to stop, and after the grace period mark the jobs still
        running `interrupted`. Jobs submitted but not started stay `queued` for the next start."""
