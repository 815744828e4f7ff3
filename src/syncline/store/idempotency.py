"""Stored outcomes of requests sent with an `Idempotency-Key`.

The primary key (caller scope, key) makes `begin` race-free: of two concurrent first requests exactly one
inserts the in-flight row; the other sees it and is told to back off.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from syncline.store.crypto import SecretBox
from syncline.store.db import Store
from syncline.store.tables import IdempotencyRecord
from syncline.store.types import utcnow

RETENTION = timedelta(hours=24)
# A request still "in flight" after this long belongs to a process that died; its key is free again.
ABANDONED_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    headers: list[tuple[str, str]]
    body: bytes


class InFlight(Exception):
    """Another request with the same key has not finished yet."""


class KeyReused(Exception):
    """The key was used for a different request (method, path, query or body)."""


class IdempotencyRecords:
    """Stored outcomes; bodies are encrypted with `box` (a key minted under an Idempotency-Key is in one)."""

    def __init__(self, store: Store, box: SecretBox) -> None:
        self.store = store
        self.box = box

    def begin(self, scope: str, key: str, method: str, path: str, request_hash: str) -> StoredResponse | None:
        """Claim the key. Returns the stored response to replay, or None when this request runs first.

        Raises:
            InFlight: The first request with this key has not finished.
            KeyReused: The key answered a different request.
        """
        now = utcnow()
        for _ in range(3):
            with self.store.session() as session:
                record = session.get(IdempotencyRecord, (scope, key))
                if record is not None:
                    if record.expires_at <= now or (
                        record.state == "in_flight" and now - record.created_at > ABANDONED_AFTER
                    ):
                        session.delete(record)
                    elif record.request_hash != request_hash:
                        raise KeyReused
                    elif record.state == "in_flight":
                        raise InFlight
                    else:
                        return StoredResponse(
                            record.status_code or 500,
                            [(str(k), str(v)) for k, v in record.headers],
                            self.box.unseal(record.body) if record.body else b"",
                        )
            try:
                with self.store.session() as session:
                    session.add(
                        IdempotencyRecord(
                            scope=scope,
                            key=key,
                            method=method,
                            path=path[:2048],
                            request_hash=request_hash,
                            state="in_flight",
                            expires_at=now + RETENTION,
                            created_at=now,
                        )
                    )
                return None
            except IntegrityError:
                continue  # somebody claimed it between our read and our insert: read again
        raise InFlight

    def finish(self, scope: str, key: str, response: StoredResponse) -> None:
        with self.store.session() as session:
            record = session.get(IdempotencyRecord, (scope, key))
            if record is None:
                return
            record.state = "complete"
            record.status_code = response.status_code
            record.headers = [list(h) for h in response.headers]
            record.body = self.box.seal(response.body)

    def release(self, scope: str, key: str) -> None:
        with self.store.session() as session:
            session.execute(
                delete(IdempotencyRecord).where(
                    IdempotencyRecord.scope == scope, IdempotencyRecord.key == key
                )
            )

    def purge_expired(self) -> None:
        with self.store.session() as session:
            session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.expires_at <= utcnow()))
