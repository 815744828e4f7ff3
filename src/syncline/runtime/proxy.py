"""The Connection Proxy's rules: its request contract, request validation, rate limits and call log.

A proxied call is checked here (`prepare_request`), admitted by the rate limiter (`reserve_call`, which
also logs it in `proxy_calls`), sent upstream by the connection type's `proxy` capability, and
its outcome recorded (`finish_call`). Every refusal is a `ProxyError` carrying the HTTP status, error key,
message and (for validation) the offending field, which the router answers as a Polytomic error body.

Limits come from the process settings (`SYNCLINE_PROXY_RATE_LIMIT_PER_MINUTE`,
`SYNCLINE_PROXY_ORG_RATE_LIMIT_PER_MINUTE`, `SYNCLINE_PROXY_TIMEOUT_MS`; tests set them per process).
"""

from __future__ import annotations

import base64
import codecs
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes

import httpx
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from syncline.connectors.base import ConnectionConfig, ConnectionType
from syncline.connectors.capabilities import LeftInstance, ProxiedRequest, UpstreamAnswer, UpstreamTimeout
from syncline.connectors.errors import BudgetExhausted, ConnectorError, ErrorCategory
from syncline.connectors.upstreams import PRIVATE_UPSTREAMS_SETTING, UpstreamNotAllowed
from syncline.runtime.budget import calls_last_24_hours
from syncline.runtime.context import connector_context, lock_dir
from syncline.settings import Settings
from syncline.store.crypto import SecretBox
from syncline.store.db import Store
from syncline.store.locks import locked_session
from syncline.store.tables import ProxyCall, ProxySettings
from syncline.store.types import utcnow

MAX_REQUEST_BODY_BYTES = 256 * 1024
MAX_RESPONSE_BODY_BYTES = 1024 * 1024
MAX_PATH_LENGTH = 4096
MAX_RAW_QUERY_LENGTH = 16_384
MAX_HEADERS = 50
MAX_HEADER_VALUE_LENGTH = 8192

ALLOWED_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Credentials, routing and framing are syncline's to set; a caller who sends one gets a 422.
BLOCKED_REQUEST_HEADERS = (
    "Authorization",
    "Proxy-Authorization",
    "Cookie",
    "Host",
    "X-SFDC-Session",
    "Content-Length",
    "Transfer-Encoding",
    "Connection",
    "Keep-Alive",
    "Proxy-Connection",
    "Upgrade",
    "TE",
    "Trailer",
    "Expect",
    "Accept-Encoding",
    "Forwarded",
    "X-Forwarded-For",
    "X-Forwarded-Host",
    "X-Forwarded-Proto",
    "X-Real-IP",
)
# Stripped from upstream answers: credentials and cookies, and framing that no longer applies.
BLOCKED_RESPONSE_HEADERS = (
    "Authorization",
    "Proxy-Authorization",
    "Proxy-Authenticate",
    "Set-Cookie",
    "Set-Cookie2",
    "X-SFDC-Session",
    "Connection",
    "Keep-Alive",
    "Transfer-Encoding",
    "Content-Length",
    "Content-Encoding",
    "Upgrade",
    "TE",
    "Trailer",
)
BODY_TYPES = ("object", "array", "string", "number", "boolean", "null")
QUERY_MODES = ("query", "rawQuery")
QUERY_VALUE_TYPES = ("string", "number", "boolean", "array")
PATH_PREFIX = "/services/"
PATH_RULE = (
    "A relative path on the connection's instance that starts with /services/ (for example "
    "/services/data/v62.0/query). No scheme, host, '//', backslashes, '.' or '..' segments, query "
    "string ('?') or fragment ('#'); only URL path characters. Percent-escapes must encode valid "
    "UTF-8 and may not encode '/', '\\', '.', '%' or control characters."
)
RAW_QUERY_RULE = (
    "Appended as-is after '?': no leading '?', no '#', no spaces or control characters. The caller is "
    "responsible for encoding and syntax. Mutually exclusive with query."
)
HEADER_VALUE_RULE = (
    "must be printable ASCII (letters, digits, punctuation, spaces and tabs); no line breaks, control "
    "characters or non-ASCII text (percent-encode or RFC 2047-encode it)"
)
MERGE_RULES = {
    "headers": (
        "Caller headers are sent alongside the locked headers; locked headers (Authorization) are set by "
        "syncline and cannot be overridden, and a blocked header is rejected with 422. Values must be "
        "printable ASCII."
    ),
    "query": (
        "request.query is URL-encoded (arrays repeat the key); request.rawQuery is appended as-is. "
        "There are no locked query parameters."
    ),
}

_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")  # an HTTP header name (RFC 9110 token)
# Header values go out as ASCII (httpx encodes them so): visible characters, spaces and tabs only.
_HEADER_VALUE = re.compile(r"^[\t\x20-\x7e]*$")
_PATH_CHARS = re.compile(r"^[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*$")  # RFC 3986 pchar and '/'
_QUERY_CHARS = re.compile(r"^[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*$")  # RFC 3986 query
_ESCAPE = re.compile(r"%(?P<hex>.{0,2})", re.DOTALL)
_BLOCKED_REQUEST = frozenset(name.lower() for name in BLOCKED_REQUEST_HEADERS)


@dataclass(frozen=True)
class ProxyLimits:
    rate_limit_per_minute: int
    org_rate_limit_per_minute: int
    timeout_ms: int

    @classmethod
    def from_settings(cls, settings: Settings) -> ProxyLimits:
        return cls(
            rate_limit_per_minute=settings.proxy_rate_limit_per_minute,
            org_rate_limit_per_minute=settings.proxy_org_rate_limit_per_minute,
            timeout_ms=settings.proxy_timeout_ms,
        )


class ProxyError(Exception):
    """A proxy call refused or failed, as the HTTP error the caller gets."""

    def __init__(
        self,
        status: int,
        key: str,
        message: str,
        *,
        metadata: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.key = key
        self.message = message
        self.metadata = metadata or {}
        self.headers = headers or {}
        self.cause: ConnectorError | None = None  # the connector's refusal behind it, if any


def invalid(field_name: str, message: str) -> ProxyError:
    """A 422 naming the field, in the shape of syncline's other validation errors."""
    return ProxyError(
        422,
        "invalid_proxy_request",
        f"{field_name}: {message}",
        metadata={"errors": [{"field": field_name, "message": message}]},
    )


# --- the request ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreparedRequest:
    """A validated proxy call, ready for the connector: nothing in it can leave the instance."""

    method: str
    path: str
    params: list[tuple[str, str]] | None = None
    raw_query: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None


def prepare_request(
    *,
    method: str,
    path: str,
    query: Mapping[str, Any] | None = None,
    raw_query: str | None = None,
    headers: Mapping[str, str] | None = None,
    body: Any = None,
    api: str | None = None,
) -> PreparedRequest:
    """Check a caller's request against the contract.

    Raises:
        ProxyError: 422 naming the offending `request.*` field, or 413 for a body over the cap.
    """
    verb = method.strip().upper()
    if verb not in ALLOWED_METHODS:
        raise invalid("request.method", f"must be one of {', '.join(ALLOWED_METHODS)}, not {method!r}")
    if api:
        raise invalid("request.api", "this connection has a single API; omit request.api")
    check_path(path)
    if query and raw_query:
        raise invalid("request.rawQuery", "use either request.query or request.rawQuery, not both")
    params = _params(query) if query else None
    raw = check_raw_query(raw_query) if raw_query else None
    sent_headers = _headers(headers or {})
    content = _content(verb, body, sent_headers)
    return PreparedRequest(verb, path, params, raw, sent_headers, content)


def check_path(path: str) -> None:
    """Refuse any path that is not a plain path under `/services/` (see `PATH_RULE`).

    Raises:
        ProxyError: 422 naming `request.path`.
    """

    def bad(why: str) -> ProxyError:
        return invalid("request.path", f"{why}; {PATH_RULE}")

    if not path.startswith("/"):
        raise bad("must be a relative path starting with '/', not a URL")
    if len(path) > MAX_PATH_LENGTH:
        raise bad(f"is longer than {MAX_PATH_LENGTH} characters")
    if "\\" in path:
        raise bad("must not contain backslashes")
    if "?" in path or "#" in path:
        raise bad("must not contain '?' or '#': pass query parameters in request.query or request.rawQuery")
    if "//" in path:
        raise bad("must not contain '//'")
    if not _PATH_CHARS.match(path):
        raise bad("contains characters that are not allowed in a URL path (percent-encode them)")
    for escape in _ESCAPE.finditer(path):
        digits = escape.group("hex")
        if len(digits) != 2 or not all(c in "0123456789abcdefABCDEF" for c in digits):
            raise bad("has a malformed percent-escape")
        code = int(digits, 16)
        if code < 0x20 or code == 0x7F:
            raise bad(f"must not percent-encode control characters (%{digits})")
        if chr(code) in "/\\.%":
            raise bad(f"must not percent-encode {chr(code)!r} (%{digits})")
    try:  # overlong forms (%c0%ae for '.') and other invalid sequences are refused here
        unquote_to_bytes(path).decode("utf-8")
    except UnicodeDecodeError:
        raise bad("percent-escapes must encode valid UTF-8") from None
    if any(segment in {".", ".."} for segment in path.split("/")):
        raise bad("must not contain '.' or '..' segments")
    if not path.startswith(PATH_PREFIX):
        raise bad(f"must start with {PATH_PREFIX}")


def check_raw_query(raw_query: str) -> str:
    """Raises: ProxyError: 422 naming `request.rawQuery`."""
    if raw_query.startswith("?"):
        raise invalid("request.rawQuery", "must not start with '?'")
    if len(raw_query) > MAX_RAW_QUERY_LENGTH:
        raise invalid("request.rawQuery", f"is longer than {MAX_RAW_QUERY_LENGTH} characters")
    if not _QUERY_CHARS.match(raw_query):
        raise invalid(
            "request.rawQuery",
            "contains characters that are not allowed in a query string (no '#', spaces or control "
            "characters; percent-encode them)",
        )
    for escape in _ESCAPE.finditer(raw_query):
        digits = escape.group("hex")
        if len(digits) != 2 or not all(c in "0123456789abcdefABCDEF" for c in digits):
            raise invalid("request.rawQuery", "has a malformed percent-escape")
    return raw_query


def _params(query: Mapping[str, Any]) -> list[tuple[str, str]]:
    params: list[tuple[str, str]] = []
    for key, value in query.items():
        name = f"request.query.{key}"
        if not key:
            raise invalid("request.query", "parameter names must not be empty")
        values = value if isinstance(value, list) else [value]
        for item in values:
            if isinstance(item, bool):
                params.append((key, "true" if item else "false"))
            elif isinstance(item, str):
                params.append((key, item))
            elif isinstance(item, int | float) and math.isfinite(item):
                params.append((key, str(item)))
            else:
                raise invalid(name, f"must be a {', '.join(QUERY_VALUE_TYPES)} (arrays of the first three)")
    return params


def _headers(headers: Mapping[str, str]) -> dict[str, str]:
    if len(headers) > MAX_HEADERS:
        raise invalid("request.headers", f"at most {MAX_HEADERS} headers")
    for name, value in headers.items():
        where = f"request.headers.{name}"
        if not _TOKEN.match(name):
            raise invalid(where, "is not a valid header name")
        if name.lower() in _BLOCKED_REQUEST:
            raise invalid(
                where,
                f"{name} is blocked: syncline sets credentials and connection headers itself "
                f"(blocked: {', '.join(BLOCKED_REQUEST_HEADERS)})",
            )
        if len(value) > MAX_HEADER_VALUE_LENGTH:
            raise invalid(where, f"must be at most {MAX_HEADER_VALUE_LENGTH} characters")
        if not _HEADER_VALUE.match(value):
            raise invalid(where, HEADER_VALUE_RULE)
    return dict(headers)


def _content(method: str, body: Any, headers: dict[str, str]) -> bytes | None:
    if body is None:
        return None
    if method == "GET":
        raise invalid("request.body", "a GET request has no body")
    has_type = any(name.lower() == "content-type" for name in headers)
    text = body if isinstance(body, str) else json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    default_type = "text/plain; charset=utf-8" if isinstance(body, str) else "application/json"
    try:
        content = text.encode()
    except UnicodeEncodeError:
        raise invalid("request.body", "must be valid Unicode (no lone surrogates)") from None
    if len(content) > MAX_REQUEST_BODY_BYTES:
        raise ProxyError(
            413,
            "request_body_too_large",
            f"request.body: {len(content)} bytes is over the proxy's request body cap of "
            f"{MAX_REQUEST_BODY_BYTES} bytes (256 KiB)",
            metadata={
                "maxRequestBodyBytes": MAX_REQUEST_BODY_BYTES,
                "errors": [{"field": "request.body", "message": f"at most {MAX_REQUEST_BODY_BYTES} bytes"}],
            },
        )
    if not has_type:
        headers["Content-Type"] = default_type
    return content


def confined_url(base_url: str, path: str, raw_query: str | None = None) -> str:
    """The absolute URL of `path` on the instance at `base_url`; it must stay on that scheme, host and port.

    Raises:
        ProxyError: 422 naming `request.path` if the result would be anywhere else.
    """
    base = httpx.URL(base_url.rstrip("/"))
    url = f"{base_url.rstrip('/')}{path}" + (f"?{raw_query}" if raw_query else "")
    try:
        target = httpx.URL(url)
    except httpx.InvalidURL:
        raise invalid("request.path", "does not form a valid URL on the instance") from None
    same = (target.scheme, target.host, target.port) == (base.scheme, base.host, base.port)
    prefix = base.raw_path.split(b"?")[0].rstrip(b"/") + path.encode()
    if not same or target.userinfo or target.fragment or not target.raw_path.startswith(prefix):
        raise invalid("request.path", "must stay on the connection's instance")
    return url


# --- settings -----------------------------------------------------------------------------------------


def proxy_enabled(session: Session, connection_id: str) -> bool:
    row = session.get(ProxySettings, connection_id)
    return bool(row and row.enabled)


def set_proxy_enabled(session: Session, connection_id: str, enabled: bool) -> None:
    row = session.get(ProxySettings, connection_id)
    if row is None:
        session.add(ProxySettings(connection_id=connection_id, enabled=int(enabled)))
    else:
        row.enabled = int(enabled)


# --- rate limits and the call log --------------------------------------------------------------------

WINDOW = timedelta(minutes=1)
PENDING = 0  # the status of a logged call whose answer has not come back yet


def reserve_call(
    store: Store,
    lock_dir: Path,
    *,
    connection_id: str,
    organization_id: str,
    limits: ProxyLimits,
    now: datetime | None = None,
) -> str:
    """Admit one call under the per-connection and per-organization limits and log it; its id.

    Calls are counted in `proxy_calls` under a lock shared by every process, so the limits hold across
    workers.

    Raises:
        ProxyError: 429 with `Retry-After` when a limit is reached.
    """
    now = now or utcnow()
    since = now - WINDOW
    with locked_session(store, lock_dir, f"proxy-rate:{organization_id}") as session:
        for scope, column, value, limit in (
            ("connection", ProxyCall.connection_id, connection_id, limits.rate_limit_per_minute),
            ("organization", ProxyCall.organization_id, organization_id, limits.org_rate_limit_per_minute),
        ):
            count, oldest = session.execute(
                select(func.count(), func.min(ProxyCall.at)).where(column == value, ProxyCall.at > since)
            ).one()
            if count >= limit:
                wait = max(1, math.ceil(((oldest + WINDOW) - now).total_seconds())) if oldest else 60
                raise ProxyError(
                    429,
                    "rate_limited",
                    f"the Connection Proxy allows {limit} calls per minute per {scope}; retry in {wait} s",
                    metadata={"scope": scope, "rateLimitPerMinute": limit, "retryAfterSeconds": wait},
                    headers={"Retry-After": str(wait)},
                )
        call = ProxyCall(connection_id=connection_id, organization_id=organization_id, status=PENDING, at=now)
        session.add(call)
        session.flush()
        return call.id


def finish_call(store: Store, call_id: str, status: int) -> None:
    with store.session() as session:
        call = session.get(ProxyCall, call_id)
        if call is not None:
            call.status = status


def proxy_stats(store: Store, connection_id: str, now: datetime | None = None) -> dict[str, Any]:
    """The `stats` of the proxy contract: backend calls and proxy calls of the last 24 hours."""
    now = now or utcnow()

    def between(low: int, high: int) -> Any:
        return func.coalesce(func.sum(case((ProxyCall.status.between(low, high), 1), else_=0)), 0)

    with store.session() as session:
        total, ok, client, server = session.execute(
            select(func.count(), between(200, 299), between(400, 499), between(500, 599)).where(
                ProxyCall.connection_id == connection_id, ProxyCall.at > now - timedelta(hours=24)
            )
        ).one()
        last = session.scalar(select(func.max(ProxyCall.at)).where(ProxyCall.connection_id == connection_id))
        calls = calls_last_24_hours(session, connection_id)
    return {
        "callsLast24h": calls,
        "proxyCallsLast24h": int(total),
        "proxy2xxLast24h": int(ok),
        "proxy4xxLast24h": int(client),
        "proxy5xxLast24h": int(server),
        "lastProxyCallAt": last.isoformat().replace("+00:00", "Z") if last else None,
    }


def request_contract(limits: ProxyLimits) -> dict[str, Any]:
    return {
        "allowedMethods": list(ALLOWED_METHODS),
        "blockedRequestHeaders": list(BLOCKED_REQUEST_HEADERS),
        "blockedResponseHeaders": list(BLOCKED_RESPONSE_HEADERS),
        "bodyTypes": list(BODY_TYPES),
        "maxRequestBodyBytes": MAX_REQUEST_BODY_BYTES,
        "maxResponseBodyBytes": MAX_RESPONSE_BODY_BYTES,
        "pathRule": PATH_RULE,
        "queryModes": list(QUERY_MODES),
        "queryValueTypes": list(QUERY_VALUE_TYPES),
        "rateLimitPerMinute": limits.rate_limit_per_minute,
        "rawQueryRule": RAW_QUERY_RULE,
        "timeoutMs": limits.timeout_ms,
    }


# --- a call, end to end ---------------------------------------------------------------------------------

LOCKED_HEADERS = [{"name": "Authorization", "value": "<redacted>", "redacted": True}]
REDACTED = b"<redacted>"
_TEXTUAL = ("text/", "json", "xml", "csv", "javascript", "x-www-form-urlencoded", "yaml")
_BLOCKED_RESPONSE = frozenset(name.lower() for name in BLOCKED_RESPONSE_HEADERS)
INFO_LOGIN_TIMEOUT = 10.0


def run_proxy_call(
    *,
    settings: Settings,
    store: Store,
    box: SecretBox,
    ctype: ConnectionType[Any],
    connection_id: str,
    organization_id: str,
    config: ConnectionConfig,
    request: PreparedRequest,
) -> dict[str, Any]:
    """Admit, send, log and shape one proxied call; the `data` of the proxy's answer.

    Raises:
        ProxyError: 400 not authorized yet, 422 off the instance, 429 rate limit or API budget,
            502 upstream unreachable, 504 upstream timeout.
    """
    assert ctype.proxy is not None
    if ctype.oauth is not None and ctype.oauth.needs_authorization(config):
        raise ProxyError(
            400,
            "connection_not_authorized",
            f"the connection is not authorized yet (connect_mode {getattr(config, 'connect_mode', '')}): "
            f"open its auth_url and approve access in {ctype.name} first",
        )
    limits = ProxyLimits.from_settings(settings)
    call_id = reserve_call(
        store, lock_dir(settings), connection_id=connection_id, organization_id=organization_id, limits=limits
    )
    status = 500
    proxied = ProxiedRequest(
        method=request.method,
        url_for=lambda base: confined_url(base, request.path, request.raw_query),
        params=request.params,
        headers=request.headers,
        content=request.content,
    )
    try:
        ctx = connector_context(
            settings, store, box, ctype, config, organization_id=organization_id, connection_id=connection_id
        )
        answer = ctype.proxy.send(
            config, ctx, proxied, timeout=limits.timeout_ms / 1000, max_response_bytes=MAX_RESPONSE_BODY_BYTES
        )
        status = answer.status
    except ProxyError as exc:
        status = exc.status
        raise
    except ConnectorError as exc:
        failure = _proxy_error(exc, limits)
        failure.cause = exc  # so the caller can act on its category (an authorization failure)
        status = failure.status
        raise failure from None
    finally:
        finish_call(store, call_id, status)
    return answer_out(answer, call_id)


def _proxy_error(exc: ConnectorError, limits: ProxyLimits) -> ProxyError:
    """A connector's refusal of a proxied call as the proxy's HTTP error."""
    if isinstance(exc, BudgetExhausted):
        headers = {}
        if exc.resume_at is not None:
            headers["Retry-After"] = str(max(1, math.ceil((exc.resume_at - utcnow()).total_seconds())))
        return ProxyError(
            429,
            "api_budget_exhausted",
            str(exc),
            metadata={"cap": exc.cap, "used": exc.used},
            headers=headers,
        )
    if isinstance(exc, UpstreamTimeout):
        return ProxyError(504, "upstream_timeout", str(exc), metadata={"timeoutMs": limits.timeout_ms})
    if isinstance(exc, LeftInstance):
        return ProxyError(502, "upstream_refused", str(exc))
    if isinstance(exc, UpstreamNotAllowed):
        return ProxyError(
            422, "upstream_not_allowed", str(exc), metadata={"setting": PRIVATE_UPSTREAMS_SETTING}
        )
    if exc.category is ErrorCategory.AUTHORIZATION:
        return ProxyError(400, "connection_not_authorized", str(exc))
    return ProxyError(502, "upstream_unavailable", str(exc))


def answer_out(answer: UpstreamAnswer, call_id: str) -> dict[str, Any]:
    """The proxy's `data`: upstream status, safe headers, body as text (base64 when binary)."""
    secret = answer.access_token
    headers: dict[str, str] = {}
    content_type = ""
    for name, value in answer.headers:
        if name.lower() == "content-type":
            content_type = value
        if name.lower() in _BLOCKED_RESPONSE or (secret and secret in value):
            continue
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    body = answer.body.replace(secret.encode(), REDACTED) if secret else answer.body
    text, encoding = _text_of(body, content_type, answer.truncated)
    out: dict[str, Any] = {
        "status": answer.status,
        "headers": headers,
        "body": text,
        "contentType": content_type or None,
        "truncated": answer.truncated,
        "latencyMs": answer.latency_ms,
        "proxyCallId": call_id,
    }
    if encoding:
        out["bodyEncoding"] = encoding
    return out


def _text_of(body: bytes, content_type: str, truncated: bool) -> tuple[str, str | None]:
    kind, _, parameters = content_type.lower().partition(";")
    charset = "utf-8"
    for parameter in parameters.split(";"):
        name, _, value = parameter.strip().partition("=")
        if name == "charset" and value:
            charset = value.strip('"')
    try:
        codecs.lookup(charset)
    except LookupError:
        charset = "utf-8"
    if kind and not any(marker in kind for marker in _TEXTUAL):
        return base64.b64encode(body).decode(), "base64"
    # A cut answer may end inside a character: an incremental decoder leaves the stub out.
    decoder = codecs.getincrementaldecoder(charset)(errors="strict" if not kind else "replace")
    try:
        return decoder.decode(body, final=not truncated), None
    except UnicodeDecodeError:  # no content type and not text
        return base64.b64encode(body).decode(), "base64"


def proxy_info(
    *,
    settings: Settings,
    store: Store,
    box: SecretBox,
    ctype: ConnectionType[Any],
    connection_id: str,
    organization_id: str,
    config: ConnectionConfig,
    enabled: bool,
) -> dict[str, Any]:
    """The proxy contract of a connection (`GET .../proxy/info`); no secret is shown."""
    assert ctype.proxy is not None
    limits = ProxyLimits.from_settings(settings)
    ctx = connector_context(
        settings, store, box, ctype, config, organization_id=organization_id, connection_id=connection_id
    )
    base_url = ctype.proxy.base_url(config, ctx, timeout=min(limits.timeout_ms / 1000, INFO_LOGIN_TIMEOUT))
    return {
        "backendType": ctype.id,
        "connectionId": connection_id,
        "enabled": enabled,
        "apis": [],
        "inheritedBase": {"baseUrl": base_url, "lockedHeaders": LOCKED_HEADERS, "lockedQuery": {}},
        "requestContract": request_contract(limits),
        "mergeRules": MERGE_RULES,
        "stats": proxy_stats(store, connection_id),
    }
