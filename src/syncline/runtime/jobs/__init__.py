"""Background jobs: one table, one state machine, kinds registered by name, executors behind `submit`.

```
jobs = JobStore(store)                      # or add_job(session, ...) inside a larger transaction
job_id = jobs.create("query", org_id, {"connection_id": c, "query": q}, subject_id=c)
executor.submit("query", job_id)            # after the row is committed
```
"""

from syncline.runtime.jobs.errors import (
    IllegalTransition,
    InvalidJobKind,
    JobCanceled,
    JobConflict,
    JobError,
    JobLost,
    JobNotFound,
    KindMismatch,
    UnknownJobKind,
)
from syncline.runtime.jobs.executor import Executor
from syncline.runtime.jobs.fairness import FairQueue
from syncline.runtime.jobs.inprocess import InProcessExecutor
from syncline.runtime.jobs.kinds import Handler, JobKinds, default_kinds, job_kind, register_kind
from syncline.runtime.jobs.run import JobRun
from syncline.runtime.jobs.states import TERMINAL, TRANSITIONS, JobStatus, check_transition, transition
from syncline.runtime.jobs.store import Clock, JobRecord, JobStore, add_job

__all__ = [
    "TERMINAL",
    "TRANSITIONS",
    "Clock",
    "Executor",
    "FairQueue",
    "Handler",
    "IllegalTransition",
    "InProcessExecutor",
    "InvalidJobKind",
    "JobCanceled",
    "JobConflict",
    "JobError",
    "JobKinds",
    "JobLost",
    "JobNotFound",
    "JobRecord",
    "JobRun",
    "JobStatus",
    "JobStore",
    "KindMismatch",
    "UnknownJobKind",
    "add_job",
    "check_transition",
    "default_kinds",
    "job_kind",
    "register_kind",
    "transition",
]
