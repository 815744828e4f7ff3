"""What the wire looks like beyond the handlers: Salesforce's header casing, gzip, the `Date` header.

Starlette and uvicorn write header names in lower case. HTTP says case does not matter, but clients in
the field compare names case-sensitively (one widely used extractor reads `Sforce-Locator` from a plain
dict and crashes without it), so names leave in the casing Salesforce sends. h11 writes a name exactly
as the app gives it.
"""

from __future__ import annotations

from email.utils import formatdate

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Names whose Salesforce casing is not plain Title-Case.
_SPECIAL = {
    b"sforce-numberofrecords": b"Sforce-NumberOfRecords",
    b"etag": b"ETag",
    b"www-authenticate": b"WWW-Authenticate",
    b"x-sfdc-request-id": b"X-SFDC-Request-Id",
    b"x-content-type-options": b"X-Content-Type-Options",
    b"x-xss-protection": b"X-XSS-Protection",
}


def salesforce_case(name: bytes) -> bytes:
    """`sforce-limit-info` → `Sforce-Limit-Info`; `sforce-numberofrecords` → `Sforce-NumberOfRecords`."""
    lowered = name.lower()
    special = _SPECIAL.get(lowered)
    if special is not None:
        return special
    return b"-".join(part[:1].upper() + part[1:] for part in lowered.split(b"-"))


class SalesforceHeaders:
    """Outermost middleware: every response header name in Salesforce's casing, plus `Date` if asked.

    `date=True` when the server's own (lower-case) `date` header is turned off, as `sfemu serve` does.
    """

    def __init__(self, app: ASGIApp, *, date: bool = False) -> None:
        self.app = app
        self.date = date

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(salesforce_case(name), value) for name, value in message.get("headers", [])]
                if self.date:
                    headers.insert(0, (b"Date", formatdate(usegmt=True).encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, sending)
