"""`Idempotency-Key`: the first outcome of a keyed request (status, headers, body) is replayed for 24 h.

Errors are replayed too, as Polytomic documents; only 401s are not stored, since they belong to nobody.
A concurrent request with a key still in flight gets 409.
"""

from __future__ import annotations

import hashlib
import re

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from syncline.api.errors import error_response
from syncline.store.idempotency import IdempotencyRecords, InFlight, KeyReused, StoredResponse

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,255}$")
KEYED_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
REPLAY_HEADER = "idempotent-replayed"
# Headers added by outer middleware on every response; storing them would duplicate them on replay.
_NOT_STORED = {b"x-polytomic-version", b"x-request-id", b"content-length"}


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, records: IdempotencyRecords) -> None:
        self.app = app
        self.records = records

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _header(scope, b"idempotency-key")
        if scope["type"] != "http" or key is None or scope["method"] not in KEYED_METHODS:
            await self.app(scope, receive, send)
            return
        if not KEY_PATTERN.match(key):
            response = error_response(
                400,
                "invalid_idempotency_key",
                "Idempotency-Key must be 8 to 255 characters of letters, digits, '_' and '-'",
                {"header": "Idempotency-Key"},
            )
            await response(scope, receive, send)
            return
        caller = _caller_scope(_header(scope, b"authorization"))
        # The whole body is read first (the body limit outside bounds it), to tie the key to the request.
        request_body, rest = await _read_body(receive)
        fingerprint = _fingerprint(scope, request_body)
        try:
            stored = await anyio.to_thread.run_sync(
                self.records.begin, caller, key, scope["method"], scope["path"], fingerprint
            )
        except KeyReused:
            response = error_response(
                422,
                "idempotency_key_reused",
                "this Idempotency-Key was used for a different request (method, path, query or body); "
                "send a new key for a new request",
                {"header": "Idempotency-Key"},
            )
            await response(scope, rest, send)
            return
        except InFlight:
            response = error_response(
                409,
                "idempotency_key_in_flight",
                "a request with this Idempotency-Key is still being processed; retry after it finishes",
                {"header": "Idempotency-Key"},
                headers={"Retry-After": "1"},
            )
            await response(scope, receive, send)
            return
        if stored is not None:
            await _send(stored, send, replayed=True)
            return
        await self._run_first(scope, _replaying(request_body, rest), send, caller, key)

    async def _run_first(self, scope: Scope, receive: Receive, send: Send, caller: str, key: str) -> None:
        status = 500
        headers: list[tuple[str, str]] = []
        body = bytearray()

        # Buffer the whole response and store it before sending: a client that retries the moment it
        # reads the answer must get the replay, not a 409 for a request that has already finished.
        async def capture(message: Message) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [
                    (k.decode("latin-1"), v.decode("latin-1"))
                    for k, v in message.get("headers", [])
                    if k.lower() not in _NOT_STORED
                ]
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))

        try:
            await self.app(scope, receive, capture)
        except BaseException:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(self.records.release, caller, key)
            raise
        outcome = StoredResponse(status, headers, bytes(body))
        with anyio.CancelScope(shield=True):
            if status == 401:
                await anyio.to_thread.run_sync(self.records.release, caller, key)
            else:
                await anyio.to_thread.run_sync(self.records.finish, caller, key, outcome)
        await _send(outcome, send, replayed=False)


async def _read_body(receive: Receive) -> tuple[bytes, Receive]:
    """The request body, and a receive for what follows it (a disconnect)."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break  # the client went away: what was read is the body
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks), receive


def _replaying(body: bytes, rest: Receive) -> Receive:
    """A receive that hands the app the body already read, then whatever comes next."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await rest()

    return receive


def _fingerprint(scope: Scope, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (scope["method"].encode(), scope["path"].encode(), scope.get("query_string", b""), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


async def _send(response: StoredResponse, send: Send, *, replayed: bool) -> None:
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers]
    headers.append((b"content-length", str(len(response.body)).encode()))
    if replayed:
        headers.append((REPLAY_HEADER.encode(), b"true"))
    await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})


def _caller_scope(authorization: str | None) -> str:
    """Keys are scoped to the API key: `Bearer k` and `bearer  k` are the same caller."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    credential = f"{scheme.lower()} {token.strip()}" if token else scheme
    return hashlib.sha256(credential.encode()).hexdigest()


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None
