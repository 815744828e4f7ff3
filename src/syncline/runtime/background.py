"""A small thread pool for request-initiated background work (query-runner queries).

Work submitted here must own its resources: it opens its own store session and never touches objects
of the request that started it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

log = logging.getLogger("syncline.runtime")


class Background:
    def __init__(self, workers: int = 4) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="syncline-bg")

    def submit(self, job: Callable[[], Any], *, name: str) -> Future[Any]:
        future = self._pool.submit(job)
        future.add_done_callback(lambda done: _log_failure(done, name))
        return future

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)


def _log_failure(future: Future[Any], name: str) -> None:
    error = future.exception()
    if error is not None:
        log.error("background job failed", extra={"job": name, "error": repr(error)})
