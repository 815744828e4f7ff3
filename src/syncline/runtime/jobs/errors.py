"""Errors of the jobs runtime, grouped by what the caller does next.

JobError                    any error of the jobs runtime
├── UnknownJobKind          no handler is registered under the name: register it, or fix the name
├── InvalidJobKind          a registration was refused (bad name, closure, name taken by another handler)
├── JobNotFound             no job has this id (or its row is not committed yet)
├── KindMismatch            a job was submitted under another kind than its row names
├── IllegalTransition       the state machine forbids this status change (e.g. completed → running)
├── JobConflict             the job changed under the caller: another process moved it first
│   └── JobLost             this worker no longer owns the running job (interrupted, or claimed again)
└── JobCanceled             raised by a handler (`JobRun.raise_if_canceled`) to stop: the job ends canceled
"""

from __future__ import annotations


class JobError(Exception):
    """Any error of the jobs runtime."""


class UnknownJobKind(JobError):
    def __init__(self, kind: str, known: list[str]) -> None:
        self.kind = kind
        self.known = known
        listed = ", ".join(known) or "none"
        super().__init__(
            f"no job kind {kind!r} is registered (registered: {listed}); import the module that registers "
            "it with register_kind() before creating or running such jobs"
        )


class InvalidJobKind(JobError):
    def __init__(self, kind: str, reason: str) -> None:
        self.kind = kind
        self.reason = reason
        super().__init__(f"job kind {kind!r} cannot be registered: {reason}")


class JobNotFound(JobError):
    def __init__(self, job_id: str) -> None:
        self.job_id = job_id
        super().__init__(
            f"job {job_id} does not exist; create it with JobStore.create() and commit before submitting it"
        )


class KindMismatch(JobError):
    def __init__(self, job_id: str, submitted: str, actual: str) -> None:
        self.job_id = job_id
        self.submitted = submitted
        self.actual = actual
        super().__init__(f"job {job_id} is of kind {actual}, not {submitted}; submit it under its own kind")


class IllegalTransition(JobError):
    def __init__(self, job_id: str | None, current: str, target: str) -> None:
        self.job_id = job_id
        self.current = current
        self.target = target
        which = f"job {job_id}" if job_id else "a job"
        super().__init__(
            f"{which} cannot go from {current} to {target}; see syncline.runtime.jobs.states.TRANSITIONS"
        )


class JobConflict(JobError):
    def __init__(self, job_id: str, message: str) -> None:
        self.job_id = job_id
        super().__init__(f"job {job_id}: {message}")


class JobLost(JobConflict):
    """The running job is no longer this worker's: stop working on it, its outcome will not be recorded."""

    def __init__(self, job_id: str, owner: str, status: str, current_owner: str | None) -> None:
        self.owner = owner
        self.status = status
        self.current_owner = current_owner
        super().__init__(
            job_id,
            f"worker {owner} no longer owns it (status {status}, owner {current_owner}); "
            "stop working on it, another worker or the reconciler has taken over",
        )


class JobCanceled(JobError):
    """Raised inside a handler to stop early; the executor ends the job `canceled` (or `interrupted` on
    shutdown). Raise it through `JobRun.raise_if_canceled()`; do not swallow it in a broad `except`."""

    def __init__(self, job_id: str, message: str = "canceled") -> None:
        self.job_id = job_id
        super().__init__(message)
