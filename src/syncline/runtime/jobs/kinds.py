"""Job kinds, registered by name: a job row names its kind, and any process that imported the module
registering it can run it. Handlers are therefore plain module-level functions, never closures or lambdas.

```
@job_kind("query")
def run_query(run: JobRun[Runtime]) -> dict[str, Any]:
    ...
```
"""

from __future__ import annotations

import inspect
import re
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from syncline.runtime.jobs.errors import InvalidJobKind, UnknownJobKind

if TYPE_CHECKING:
    from syncline.runtime.jobs.run import JobRun

Handler = Callable[["JobRun[Any]"], Any]
"""Runs one job and returns its JSON result; raises to fail it, `JobCanceled` to end it canceled."""

H = TypeVar("H", bound=Callable[..., Any])

_NAME = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")


class JobKinds:
    """A registry of job kinds: name → handler."""

    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}
        self._lock = threading.Lock()

    def register(self, name: str, handler: Handler) -> Handler:
        """Register `handler` under `name`; registering the same function again is harmless."""
        if not _NAME.match(name):
            raise InvalidJobKind(name, "names are 1-64 characters of a-z, 0-9, '_', '.', '-', starting a-z")
        if not inspect.isfunction(handler) or "<" in handler.__qualname__:
            where = getattr(handler, "__qualname__", repr(handler))
            raise InvalidJobKind(
                name,
                f"{where} is not a module-level function; define the handler at the top level of a module "
                "so that another process can import it by name",
            )
        with self._lock:
            known = self._handlers.get(name)
            if known is not None and _path(known) != _path(handler):
                raise InvalidJobKind(name, f"already registered to {_path(known)}; choose another name")
            self._handlers[name] = handler
        return handler

    def kind(self, name: str) -> Callable[[H], H]:
        """Decorator form of `register`."""

        def decorate(handler: H) -> H:
            self.register(name, handler)
            return handler

        return decorate

    def get(self, name: str) -> Handler:
        with self._lock:
            handler = self._handlers.get(name)
        if handler is None:
            raise UnknownJobKind(name, self.names())
        return handler

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._handlers)

    def __contains__(self, name: object) -> bool:
        with self._lock:
            return name in self._handlers


def _path(handler: Handler) -> str:
    return f"{handler.__module__}:{handler.__qualname__}"


default_kinds = JobKinds()
"""The process-wide registry that `register_kind` and `job_kind` fill and executors use by default."""


def register_kind(name: str, handler: Handler) -> Handler:
    return default_kinds.register(name, handler)


def job_kind(name: str) -> Callable[[H], H]:
    return default_kinds.kind(name)
