"""What a handler gets: its job's input, the runtime, and calls to report progress and see cancellation."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from syncline.runtime.jobs.errors import JobCanceled
from syncline.runtime.jobs.store import JobRecord, JobStore

RuntimeT = TypeVar("RuntimeT")


class JobRun(Generic[RuntimeT]):
    """One run of one job, handed to its kind's handler.

    Attributes:
        job_id, organization_id, kind, subject_id, payload: the job's row, as claimed.
        attempt: 1 for the first run, 2 after one requeue, ...
        resume_from: the checkpoint the previous run saved (None on a first run): continue from there.
        runtime: the executor's dependency container (store, settings, secret box, ...), as the caller
            that built the executor decided; handlers type it through `JobRun[TheirRuntime]`.

    The executor keeps the heartbeat; a handler only reports progress, saves checkpoints and checks for
    cancellation at safe points (`raise_if_canceled()`), or sleeps with `wait()` which wakes on it.
    """

    def __init__(
        self,
        record: JobRecord,
        runtime: RuntimeT,
        jobs: JobStore,
        owner: str,
        *,
        cancel_check_seconds: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.job_id = record.id
        self.organization_id = record.organization_id
        self.kind = record.kind
        self.subject_id = record.subject_id
        self.payload = record.payload
        self.attempt = record.attempts
        self.resume_from = record.checkpoint
        self.runtime = runtime
        self._jobs = jobs
        self._owner = owner
        self._cancel_check_seconds = cancel_check_seconds
        self._monotonic = monotonic
        self._last_check: float | None = None
        self._stop = threading.Event()
        self._by_request = False  # a user asked to cancel (as opposed to the executor shutting down)

    # --- for handlers ----------------------------------------------------------------------------

    def progress(self, value: Any) -> None:
        """Record progress (any JSON value, e.g. `{"done": 40, "total": 100}`); call it per batch."""
        self._jobs.set_progress(self.job_id, value, owner=self._owner)

    def checkpoint(self, state: Any) -> None:
        """Save where a rerun should resume (any JSON value); raises `JobLost` if no longer ours."""
        self._jobs.set_checkpoint(self.job_id, state, owner=self._owner)

    def cancel_requested(self) -> bool:
        """True once the job should stop: canceled by a user, lost, or the executor is shutting down.

        Checks the store at most every `cancel_check_seconds`; the executor's heartbeat also delivers it."""
        if self._stop.is_set():
            return True
        now = self._monotonic()
        if self._last_check is None or now - self._last_check >= self._cancel_check_seconds:
            self._last_check = now
            if self._jobs.should_stop(self.job_id, self._owner):
                self.signal_stop(by_request=True)
        return self._stop.is_set()

    def raise_if_canceled(self) -> None:
        """Raise `JobCanceled` if the job should stop; call it between batches, at safe points."""
        if self.cancel_requested():
            raise JobCanceled(self.job_id)

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds` (a backoff, a poll interval); True, early, if the job should stop."""
        if self.cancel_requested():
            return True
        return self._stop.wait(seconds)

    # --- for the executor ------------------------------------------------------------------------

    def signal_stop(self, *, by_request: bool) -> None:
        """Ask the handler to stop: `by_request` for a user's cancellation, False for a shutdown."""
        if by_request:
            self._by_request = True
        self._stop.set()

    @property
    def stop_requested_by_user(self) -> bool:
        return self._by_request
