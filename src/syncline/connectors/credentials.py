"""Where an OAuth connection's tokens live between calls, processes and restarts.

With Refresh Token Rotation on, each refresh returns a new single-use refresh token and retires the old
one; presenting a retired token revokes the whole grant. So every refresh of one connection must be
serialised (across threads *and* processes), must start from the latest stored token, and must store the
new one before anyone else refreshes. `CredentialStore` is that seam: the store layer implements it with
the database (a row lock or advisory lock per connection); `InMemoryCredentialStore` serves one process.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

__all__ = ["CredentialStore", "InMemoryCredentialStore", "StoredTokens"]


@dataclass(frozen=True)
class StoredTokens:
    """A connection's OAuth state.

    Attributes:
        refresh_token: The current refresh token (None for client-credentials connections).
        access_token: The last access token issued, shared so other workers need not refresh.
        instance_url: The org's instance URL from the token response.
        issued_at: When the access token was issued, seconds since the epoch.
        id_url: The identity URL from the token response.
    """

    refresh_token: str | None = None
    access_token: str | None = None
    instance_url: str | None = None
    issued_at: float | None = None
    id_url: str | None = None


@runtime_checkable
class CredentialStore(Protocol):
    """Persistence of one connection's tokens.

    The token manager refreshes as: `with store.lock(): current = store.load(); <refresh unless another
    worker already did>; store.save(new)`.
    """

    def lock(self) -> AbstractContextManager[None]:
        """One lock per connection, held across threads and processes while a refresh runs."""
        ...

    def load(self) -> StoredTokens:
        """The latest saved tokens (read inside the lock, so another process's save is seen)."""
        ...

    def save(self, tokens: StoredTokens) -> None:
        """Persist `tokens` durably before returning; called inside the lock."""
        ...


class InMemoryCredentialStore:
    """A `CredentialStore` for one process: a thread lock and a variable. For tests and one-off runs.

    Attributes:
        saves: How many times `save` was called.
    """

    def __init__(self, tokens: StoredTokens | None = None) -> None:
        self._tokens = tokens or StoredTokens()
        self._lock = threading.Lock()
        self.saves = 0

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with self._lock:
            yield

    def lock(self) -> AbstractContextManager[None]:
        return self._locked()

    def load(self) -> StoredTokens:
        return self._tokens

    def save(self, tokens: StoredTokens) -> None:
        self._tokens = tokens
        self.saves += 1
