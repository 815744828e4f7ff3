"""Access tokens for data calls: acquired per connect mode, refreshed before they expire and on 401.

Salesforce does not say when an access token expires (no `expires_in`); the session lifetime is an org
setting, two hours by default. `TokenManager` therefore assumes `issued_at + session_lifetime` and renews
`refresh_margin` seconds early, and renews at once when a call is answered `401 INVALID_SESSION_ID`.

Every renewal runs inside the connection's `CredentialStore` lock and starts from the stored tokens, so
with Refresh Token Rotation a retired refresh token is never sent: whoever takes the lock second finds the
new tokens saved by the first and uses them instead of refreshing again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from syncline.connectors.credentials import CredentialStore, StoredTokens
from syncline.connectors.salesforce.client.oauth import OAuthClient, TokenResponse
from syncline.connectors.salesforce.errors import MissingCredentials

__all__ = [
    "DEFAULT_REFRESH_MARGIN",
    "DEFAULT_SESSION_LIFETIME",
    "ClientCredentialsGrant",
    "RefreshTokenGrant",
    "Session",
    "TokenManager",
    "TokenSource",
]

DEFAULT_SESSION_LIFETIME = 2 * 60 * 60.0
DEFAULT_REFRESH_MARGIN = 5 * 60.0


class TokenSource(Protocol):
    """The grant that produces a new access token for a connect mode."""

    def fetch(self, refresh_token: str | None) -> TokenResponse:
        """A fresh token answer; `refresh_token` is the latest stored one (None if there is none)."""
        ...


@dataclass(frozen=True)
class RefreshTokenGrant:
    """`api` mode, and `browser`/`code` after the code exchange: the refresh-token grant."""

    oauth: OAuthClient
    connect_mode: str = "api"

    def fetch(self, refresh_token: str | None) -> TokenResponse:
        if not refresh_token:
            raise MissingCredentials("oauth_refresh_token", self.connect_mode)
        return self.oauth.refresh(refresh_token)


@dataclass(frozen=True)
class ClientCredentialsGrant:
    """`clientcredentials` mode: a new client-credentials grant each time (no refresh token exists)."""

    oauth: OAuthClient

    def fetch(self, refresh_token: str | None) -> TokenResponse:  # noqa: ARG002 - the protocol's shape
        return self.oauth.client_credentials()


@dataclass(frozen=True)
class Session:
    """What a data call needs: the token, where to send it, and until when we trust it.

    Attributes:
        access_token: For `Authorization: Bearer` (or `X-SFDC-Session` in Bulk 1.0).
        instance_url: Base URL of data calls (`instance_url_override` when set).
        expires_at: Seconds since the epoch after which the token is assumed dead.
    """

    access_token: str
    instance_url: str
    expires_at: float


class TokenManager:
    """The current access token of one connection, shared by every thread of a client.

    Args:
        source: The grant for the connect mode.
        store: Where tokens persist and the lock that serialises refreshes.
        session_lifetime: The org's session timeout in seconds (Salesforce does not report it).
        refresh_margin: Renew this many seconds before the assumed expiry.
        instance_url_override: Use this for data calls instead of the token's `instance_url`.
        fallback_refresh_token: Used when the store holds no refresh token yet (the configured one).
        clock: Seconds since the epoch; tests inject a fake one.

    Attributes:
        renewals: How many token grants this manager made (not counting tokens adopted from the store).
    """

    def __init__(
        self,
        source: TokenSource,
        store: CredentialStore,
        *,
        session_lifetime: float = DEFAULT_SESSION_LIFETIME,
        refresh_margin: float = DEFAULT_REFRESH_MARGIN,
        instance_url_override: str | None = None,
        fallback_refresh_token: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._source = source
        self._store = store
        self._lifetime = session_lifetime
        self._margin = min(refresh_margin, session_lifetime / 2)
        self._override = instance_url_override.rstrip("/") if instance_url_override else None
        self._fallback = fallback_refresh_token
        self._clock = clock
        self._lock = threading.Lock()
        self._current: Session | None = None
        self.renewals = 0

    def session(self) -> Session:
        """A session believed valid, renewed first if it is about to expire."""
        with self._lock:
            current = self._current
        if current is not None and current.expires_at - self._margin > self._clock():
            return current
        return self._renew(current.access_token if current else None)

    def access_token(self) -> str:
        return self.session().access_token

    @property
    def instance_url(self) -> str:
        return self.session().instance_url

    def invalidate(self, rejected: str) -> Session:
        """Salesforce refused `rejected` (401 INVALID_SESSION_ID): a session with another token.

        If another thread or process already replaced it, that token is used without a new grant.
        """
        return self._renew(rejected)

    def _renew(self, rejected: str | None) -> Session:
        with self._store.lock():
            stored = self._store.load()
            if stored.access_token and stored.access_token != rejected and self._fresh(stored):
                session = self._session_of(stored)  # someone renewed while we waited for the lock
            else:
                refresh_token = stored.refresh_token or self._fallback
                answer = self._source.fetch(refresh_token)
                now = self._clock()
                stored = StoredTokens(
                    refresh_token=answer.refresh_token or refresh_token,
                    access_token=answer.access_token,
                    instance_url=answer.instance_url,
                    # Our clock may lag Salesforce's: never believe a token was issued in our future.
                    issued_at=min(answer.issued_at, now) if answer.issued_at else now,
                    id_url=answer.id_url or stored.id_url,
                )
                self._store.save(stored)
                self.renewals += 1
                session = self._session_of(stored)
        with self._lock:
            self._current = session
        return session

    def _fresh(self, stored: StoredTokens) -> bool:
        if stored.issued_at is None or not stored.instance_url:
            return False
        return stored.issued_at + self._lifetime - self._margin > self._clock()

    def _session_of(self, stored: StoredTokens) -> Session:
        assert stored.access_token is not None
        assert stored.instance_url is not None
        return Session(
            access_token=stored.access_token,
            instance_url=self._override or stored.instance_url,
            expires_at=(stored.issued_at or self._clock()) + self._lifetime,
        )
