"""A connection's OAuth tokens in the metadata store, shared by every request, job and process.

`DbCredentialStore` implements the connectors' `CredentialStore` seam, so that everything using one
connection shares one token chain (the API-call budget is `runtime/budget.py`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict
from pathlib import Path

from sqlalchemy.orm import Session

from syncline.connectors.credentials import StoredTokens
from syncline.store.crypto import SecretBox
from syncline.store.db import Store
from syncline.store.locks import locked_session
from syncline.store.tables import Connection, ConnectionTokens


class DbCredentialStore:
    """The connection's refresh token (in its encrypted secrets) and access token (connection_tokens)."""

    def __init__(self, store: Store, box: SecretBox, lock_dir: Path, connection_id: str) -> None:
        self.store = store
        self.box = box
        self.lock_dir = lock_dir
        self.connection_id = connection_id
        self._held = threading.local()  # the locked session of this thread, while it holds the lock

    def lock(self) -> AbstractContextManager[None]:
        return self._locked()

    @contextmanager
    def _locked(self) -> Iterator[None]:
        # Loads and saves made under the lock run in the lock's own session: one pooled connection,
        # and what is saved commits as the lock is released.
        with locked_session(self.store, self.lock_dir, f"tokens:{self.connection_id}") as session:
            self._held.session = session
            try:
                yield
            finally:
                self._held.session = None

    @contextmanager
    def _session(self) -> Iterator[Session]:
        held: Session | None = getattr(self._held, "session", None)
        if held is not None:
            yield held
            return
        with self.store.session() as session:
            yield session

    def load(self) -> StoredTokens:
        with self._session() as session:
            connection = session.get(Connection, self.connection_id)
            secrets = self.box.decrypt(connection.secrets) if connection and connection.secrets else {}
            row = session.get(ConnectionTokens, self.connection_id)
            shared = self.box.decrypt(row.tokens) if row else {}
        return StoredTokens(refresh_token=secrets.get("oauth_refresh_token"), **shared)

    def save(self, tokens: StoredTokens) -> None:
        """Refresh token into the connection's secrets, the rest into connection_tokens: one transaction
        (the lock's, when called under the lock)."""
        with self._session() as session:
            self.save_in(session, tokens)
            session.flush()

    def save_in(self, session: Session, tokens: StoredTokens) -> None:
        """`save` inside the caller's transaction (e.g. the one creating the connection)."""
        connection = session.get(Connection, self.connection_id)
        if connection is None:
            return
        secrets = self.box.decrypt(connection.secrets) if connection.secrets else {}
        if tokens.refresh_token and secrets.get("oauth_refresh_token") != tokens.refresh_token:
            secrets["oauth_refresh_token"] = tokens.refresh_token
            connection.secrets = self.box.encrypt(secrets)
        shared = {k: v for k, v in asdict(tokens).items() if k != "refresh_token"}
        row = session.get(ConnectionTokens, self.connection_id)
        if row is None:
            session.add(ConnectionTokens(connection_id=self.connection_id, tokens=self.box.encrypt(shared)))
        else:
            row.tokens = self.box.encrypt(shared)
