"""The deployment's secret key, checked against what the store holds.

At start, so that a wrong or lost key stops the process with one line instead of answering 500 on every
read of a secret, and so that a key is never generated beside secrets written with another one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select

from syncline.store.crypto import KEY_FILE, SecretKeyError, load_or_create_key
from syncline.store.db import Store
from syncline.store.tables import Connection, ConnectionTokens, IdempotencyRecord, OAuthSession, Organization

# Every column that holds a Fernet token. One token of each is tried: they were all written with the
# deployment's one key, and one per column stays cheap however large the store grows.
ENCRYPTED_COLUMNS: tuple[Any, ...] = (
    Connection.secrets,
    ConnectionTokens.tokens,
    Organization.oidc_client_secret,
    OAuthSession.code_verifier,
    IdempotencyRecord.body,
)


def stored_tokens(store: Store) -> list[bytes]:
    """One encrypted value of each kind the store holds (none on a fresh store)."""
    tokens: list[bytes] = []
    with store.session() as session:
        for column in ENCRYPTED_COLUMNS:
            value = session.scalars(select(column).where(column.is_not(None)).limit(1)).first()
            if value:
                tokens.append(value if isinstance(value, bytes) else value.encode())
    return tokens


def opens_all(key: bytes, tokens: list[bytes]) -> bool:
    """Whether `key` decrypts every one of `tokens`."""
    fernet = Fernet(key)
    try:
        for token in tokens:
            fernet.decrypt(token)
    except InvalidToken:
        return False
    return True


def deployment_key(store: Store, configured: str | None, data_dir: Path) -> bytes:
    """The key that opens the store's secrets: `SYNCLINE_SECRET_KEY`, else the data dir's key file, else
    (on a store without secrets only) a new one.

    Raises:
        SecretKeyError: one line naming SYNCLINE_SECRET_KEY: the key is malformed, missing while the store
            holds secrets, or does not decrypt them.
    """
    tokens = stored_tokens(store)
    key = load_or_create_key(configured, data_dir, may_create=not tokens)
    if not opens_all(key, tokens):
        source = "this key" if configured else f"unset, and the key in {data_dir / KEY_FILE}"
        raise SecretKeyError(
            f"SYNCLINE_SECRET_KEY: {source} cannot decrypt the secrets already in the metadata store; "
            "set SYNCLINE_SECRET_KEY to the key they were written with"
        )
    return key
