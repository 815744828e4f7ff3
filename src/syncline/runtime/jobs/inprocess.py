"""The in-process executor: a bounded pool of worker threads, fair across organizations.

Threads:
    worker (N)     take the next job from the `FairQueue` (per-organization FIFOs served round-robin, at
                   most `per_org_limit` running jobs per organization), claim it, run its handler, record
                   the outcome.
    housekeeping   every `heartbeat_seconds` refreshes the heartbeat of the running jobs (and delivers
                   cancellation requests to them); every `reconcile_seconds` marks other workers' stale
                   jobs `interrupted`.

`start()` reconciles once, starts the threads and resumes the jobs left `queued` in the table.
`shutdown()` stops taking work, asks running handlers to stop, waits the grace period and marks what is
still running `interrupted`; queued jobs stay `queued` in the table and the next `start()` resumes them.
"""

from __future__ import annotations

import logging
import math
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Generic, Self

from syncline.connectors.errors import category_of
from syncline.runtime.jobs.errors import JobCanceled, JobError, KindMismatch
from syncline.runtime.jobs.executor import Executor
from syncline.runtime.jobs.fairness import FairQueue
from syncline.runtime.jobs.kinds import JobKinds, default_kinds
from syncline.runtime.jobs.run import JobRun, RuntimeT
from syncline.runtime.jobs.states import JobStatus
from syncline.runtime.jobs.store import Clock, JobRecord, JobStore
from syncline.store.db import Store
from syncline.store.types import utcnow

log = logging.getLogger("syncline.runtime.jobs")

SHUTDOWN_REASON = "the server shut down before the job finished; requeue it to run it again"


def default_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class InProcessExecutor(Executor, Generic[RuntimeT]):
    """Runs jobs on `workers` threads of this process.

    Args:
        store: the metadata store holding the `jobs` table.
        runtime: the dependency container handed to every handler as `run.runtime`.
        workers: worker threads.
        per_org_limit: most jobs of one organization running at once; default ceil(workers / 2).
        heartbeat_seconds: how often running jobs' `heartbeat_at` is refreshed.
        stale_after_seconds: a running job whose heartbeat is older is presumed dead (`interrupted`).
        reconcile_seconds: how often to look for such jobs; default `stale_after_seconds / 2`.
        grace_seconds: how long `shutdown()` waits for running jobs to stop.
        cancel_check_seconds: how often `JobRun.cancel_requested()` may read the store.
        clock: the time written to the table (injected by tests).
        kinds: the registry of job kinds; default the process-wide one.
        owner: this executor's name in `jobs.owner`; default host:pid:random.
    """

    def __init__(
        self,
        store: Store,
        runtime: RuntimeT,
        *,
        workers: int = 4,
        per_org_limit: int | None = None,
        heartbeat_seconds: float = 10.0,
        stale_after_seconds: float = 60.0,
        reconcile_seconds: float | None = None,
        grace_seconds: float = 10.0,
        cancel_check_seconds: float = 1.0,
        clock: Clock = utcnow,
        kinds: JobKinds = default_kinds,
        owner: str | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, not {workers}")
        if stale_after_seconds <= heartbeat_seconds:
            raise ValueError(
                f"stale_after_seconds ({stale_after_seconds}) must exceed heartbeat_seconds "
                f"({heartbeat_seconds}), or live jobs would be marked interrupted"
            )
        self.jobs = JobStore(store, clock=clock)
        self.runtime = runtime
        self.workers = workers
        self.per_org_limit = per_org_limit or math.ceil(workers / 2)
        self.heartbeat_seconds = heartbeat_seconds
        self.stale_after = timedelta(seconds=stale_after_seconds)
        self.reconcile_seconds = reconcile_seconds or stale_after_seconds / 2
        self.grace_seconds = grace_seconds
        self.cancel_check_seconds = cancel_check_seconds
        self.kinds = kinds
        self.owner = owner or default_owner()
        self._queue: FairQueue[str] = FairQueue(self.per_org_limit)
        self._lock = threading.Lock()
        self._known: set[str] = set()  # job ids queued in memory or running here
        self._running: dict[str, JobRun[RuntimeT]] = {}
        self._waiters: dict[str, set[threading.Event]] = {}
        self._workers: list[threading.Thread] = []
        self._housekeeper: threading.Thread | None = None
        self._stopping = threading.Event()
        self._started = False
        self._closed = False

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> Self:
        """Reconcile stale jobs, start the threads, and resume the jobs queued in the table."""
        with self._lock:
            if self._started:
                return self
            self._started = True
        self.reconcile()
        # Daemon threads: a handler that ignores the shutdown must not keep the process alive.
        for n in range(self.workers):
            worker = threading.Thread(target=self._work, name=f"syncline-job-{n}", daemon=True)
            worker.start()
            self._workers.append(worker)
        self._housekeeper = threading.Thread(
            target=self._housekeeping, name="syncline-job-housekeeping", daemon=True
        )
        self._housekeeper.start()
        self.resume()
        return self

    def resume(self) -> int:
        """Submit the jobs `queued` in the table (e.g. left by a restart); returns how many were new here."""
        count = 0
        for record in self.jobs.queued():
            if record.kind not in self.kinds:
                log.warning("queued job of an unknown kind left queued", extra={"job_id": record.id})
                continue
            count += self._enqueue(record)
        return count

    def shutdown(self, grace_seconds: float | None = None) -> None:
        grace = self.grace_seconds if grace_seconds is None else grace_seconds
        with self._lock:
            if self._closed:
                return
            self._closed = True
            running = list(self._running.values())
        left = self._queue.close()
        for run in running:
            run.signal_stop(by_request=False)
        deadline = time.monotonic() + grace
        for worker in self._workers:  # idle workers leave at once: the queue is closed
            worker.join(max(0.0, deadline - time.monotonic()))
        self._stopping.set()  # heartbeats continued during the grace period; now they stop
        if self._housekeeper is not None:
            self._housekeeper.join()
        with self._lock:
            abandoned = list(self._running)
        for job_id in abandoned:
            try:
                self.jobs.interrupt(job_id, SHUTDOWN_REASON, owner=self.owner)
            except JobError as exc:
                log.info("job already finished at shutdown", extra={"job_id": job_id, "error": str(exc)})
            self._notify(job_id)
        for _org, job_id in left:
            self._notify(job_id)  # still queued: waiters learn it did not run
        log.info(
            "job executor stopped",
            extra={"interrupted": len(abandoned), "left_queued": len(left), "owner": self.owner},
        )

    # --- submitting and waiting ------------------------------------------------------------------

    def submit(self, kind: str, job_id: str) -> None:
        self.kinds.get(kind)  # raises UnknownJobKind now rather than in a worker
        record = self.jobs.require(job_id)
        if record.kind != kind:
            raise KindMismatch(job_id, kind, record.kind)
        if record.status is not JobStatus.QUEUED:
            log.info("submitted job is not queued", extra={"job_id": job_id, "status": str(record.status)})
            return
        self._enqueue(record)

    def _enqueue(self, record: JobRecord) -> int:
        with self._lock:
            if self._closed:
                log.info("executor stopped; job left queued for the next start", extra={"job_id": record.id})
                return 0
            if record.id in self._known:
                return 0
            self._known.add(record.id)
            self._queue.put(record.organization_id, record.id)  # under the lock: shutdown closes the queue
        return 1

    def wait(self, job_id: str, timeout: float | None = None) -> JobRecord:
        """Block until the job is terminal (or `timeout` passes, or the executor stops); return it as it is.

        Only this executor's work wakes the wait early; a job run elsewhere is seen at the timeout."""
        event = threading.Event()
        with self._lock:
            self._waiters.setdefault(job_id, set()).add(event)
        try:
            record = self.jobs.require(job_id)
            if not record.status.is_terminal:
                event.wait(timeout)
                record = self.jobs.require(job_id)
            return record
        finally:
            with self._lock:
                waiting = self._waiters.get(job_id)
                if waiting is not None:
                    waiting.discard(event)
                    if not waiting:
                        del self._waiters[job_id]

    def _notify(self, job_id: str) -> None:
        with self._lock:
            self._known.discard(job_id)
            events = self._waiters.pop(job_id, set())
        for event in events:
            event.set()

    # --- workers ---------------------------------------------------------------------------------

    def _work(self) -> None:
        while (taken := self._queue.take()) is not None:
            org, job_id = taken
            try:
                self._run_one(job_id)
            except Exception:  # a broken store must not kill the worker thread
                log.exception("job runner failed", extra={"job_id": job_id})
            finally:
                with self._lock:
                    self._running.pop(job_id, None)
                self._queue.done(org)
                self._notify(job_id)

    def _run_one(self, job_id: str) -> None:
        if self._closed:
            return  # taken just before shutdown: leave it queued for the next start
        record = self.jobs.claim(job_id, self.owner)
        if record is None:
            return  # canceled while queued, or claimed by another executor
        run: JobRun[RuntimeT] = JobRun(
            record, self.runtime, self.jobs, self.owner, cancel_check_seconds=self.cancel_check_seconds
        )
        with self._lock:
            self._running[job_id] = run
            closing = self._closed
        if closing:
            run.signal_stop(by_request=False)
        try:
            handler = self.kinds.get(record.kind)
            result = handler(run)
        except JobCanceled:
            if run.stop_requested_by_user or not self._closed:
                self._finish(job_id, self.jobs.finish_canceled, job_id, owner=self.owner)
            else:
                self._finish(job_id, self.jobs.interrupt, job_id, SHUTDOWN_REASON, owner=self.owner)
        except Exception as exc:
            _log_failure(job_id, record.kind, exc)
            self._finish(job_id, self.jobs.fail, job_id, _describe(exc), owner=self.owner)
        else:
            try:
                self.jobs.complete(job_id, result, owner=self.owner)
            except JobError as exc:
                log.info("job outcome dropped", extra={"job_id": job_id, "error": str(exc)})
            except Exception as exc:  # e.g. a result that is not JSON
                self._finish(
                    job_id,
                    self.jobs.fail,
                    job_id,
                    f"the {record.kind} handler returned a result that could not be stored: {exc}",
                    owner=self.owner,
                )

    def _finish(self, job_id: str, move: Callable[..., None], *args: Any, **kwargs: Any) -> None:
        try:
            move(*args, **kwargs)
        except JobError as exc:  # the reconciler or a shutdown got there first
            log.info("job outcome dropped", extra={"job_id": job_id, "error": str(exc)})

    # --- heartbeat and reconciliation ------------------------------------------------------------

    def beat(self) -> None:
        """Refresh the heartbeat of this executor's running jobs; deliver cancellation requests."""
        with self._lock:
            runs = dict(self._running)
        for job_id in self.jobs.heartbeat(runs, self.owner):
            runs[job_id].signal_stop(by_request=True)

    def reconcile(self) -> list[JobRecord]:
        """Mark running jobs with a stale heartbeat `interrupted` (whoever ran them); return them."""
        stale = self.jobs.reconcile(self.stale_after)
        for record in stale:
            log.warning(
                "job interrupted: its worker stopped", extra={"job_id": record.id, "owner": record.owner}
            )
        return stale

    def _housekeeping(self) -> None:
        next_reconcile = time.monotonic() + self.reconcile_seconds
        while not self._stopping.wait(self.heartbeat_seconds):
            try:
                self.beat()
                if time.monotonic() >= next_reconcile:
                    next_reconcile = time.monotonic() + self.reconcile_seconds
                    self.reconcile()
            except Exception:
                log.exception("job housekeeping failed; retrying at the next heartbeat")


def _log_failure(job_id: str, kind: str, exc: Exception) -> None:
    """A bug is logged with its traceback; an upstream's refusal by its kind only: its message (kept in the
    job for its owner) may quote the user's query, SOQL or SQL, which is not the log's to keep."""
    category = category_of(exc)
    if category is None:
        log.info("job failed", extra={"job_id": job_id, "kind": kind}, exc_info=True)
    else:
        extra = {"job_id": job_id, "kind": kind, "error_type": type(exc).__name__, "category": str(category)}
        log.info("job failed", extra=extra)


def _describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
