"""API keys: minted here, shown once, stored only as SHA-256 hashes.

Keys are 256-bit random tokens, so a plain hash is enough; a slow password hash would only add latency
to every request.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from syncline.logs import secrets as log_secrets
from syncline.store.tables import ApiKey
from syncline.store.types import utcnow

KEY_PREFIX = "sl_"


def hash_key(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def generate_key() -> str:
    value = KEY_PREFIX + secrets.token_urlsafe(32)
    log_secrets.add(value)
    return value


def find_active_key(session: Session, value: str) -> ApiKey | None:
    return session.scalars(
        select(ApiKey).where(ApiKey.key_hash == hash_key(value), ApiKey.revoked_at.is_(None))
    ).first()


def active_user_key(session: Session, user_id: str) -> ApiKey | None:
    return session.scalars(
        select(ApiKey).where(ApiKey.user_id == user_id, ApiKey.revoked_at.is_(None))
    ).first()


def issue_key(
    session: Session, organization_id: str, *, kind: str, user_id: str | None = None, value: str | None = None
) -> str:
    """Store a key (a new random one unless `value` is given) and return its plaintext, once."""
    value = value or generate_key()
    session.add(ApiKey(organization_id=organization_id, user_id=user_id, kind=kind, key_hash=hash_key(value)))
    session.flush()
    return value


def revoke_user_keys(session: Session, user_id: str) -> None:
    session.execute(
        update(ApiKey)
        .where(ApiKey.user_id == user_id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
