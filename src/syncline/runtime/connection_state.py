"""A connection's OAuth tokens in the metadata store, shared by every request, job and process.

`DbCredentialStore` implements the connectors' `CredentialStore` seam, so that everything using one
connection shares one token chain (the API-call budget is `runtime/budget.py`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict
from pathlib import Path

from sqlalchemy.orm import Session

from syncline.connectors.credentials import StoredTokens
from syncline.store.crypto import SecretBox
from syncline.store.db import Store
from syncline.store.locks import named_lock
from syncline.store.tables import Connection, ConnectionTokens


class DbCredentialStore:
    """The connection's refresh token (in its encrypted secrets) and access token (connection_tokens)."""

    def __init__(self, store: Store, box: SecretBox, lock_dir: Path, connection_id: str) -> None:
        self.store = store
        self.box = box
        self.lock_dir = lock_dir
        self.connection_id = connection_id

    def lock(self) -> AbstractContextManager[None]:
        return self._locked()

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with named_lock(self.store, self.lock_dir, f"tokens:{self.connection_id}"):
            yield

    def load(self) -> StoredTokens:
        with self.store.session() as session:
            connection = session.get(Connection, self.connection_id)
            secrets = self.box.decrypt(connection.secrets) if connection and connection.secrets else {}
            row = session.get(ConnectionTokens, self.connection_id)
            shared = self.box.decrypt(row.tokens) if row else {}
        return StoredTokens(refresh_token=secrets.get("oauth_refresh_token"), **shared)

    def save(self, tokens: StoredTokens) -> None:
        """Refresh token into the connection's secrets, the rest into connection_tokens: one transaction."""
        with self.store.session() as session:
            self.save_in(session, tokens)

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
