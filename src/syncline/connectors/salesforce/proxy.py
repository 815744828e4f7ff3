"""One Connection Proxy call to a Salesforce org: sent by `SalesforceHttp`, so it carries the
connection's access token (renewed on `INVALID_SESSION_ID`) and counts against its API budget.

The caller's request has been validated already (`runtime/proxy.py`); this module adds two guards of its
own. `_ConfinedTransport` sits under the client and refuses every request that is neither the proxied
URL on the instance nor a token grant at the login host, so nothing can reach another host whatever a
path says. It also reads the answer only up to the response cap, so a large answer never sits in memory
whole, and keeps the last answer, so that an error status (which `SalesforceHttp` raises as an exception)
reaches the caller as Salesforce sent it.

No retries: a proxied call is the caller's, sent once.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from syncline.connectors.base import ConnectorContext
from syncline.connectors.capabilities import (
    LeftInstance,
    ProxiedRequest,
    UpstreamAnswer,
    UpstreamTimeout,
)
from syncline.connectors.errors import AuthorizationRequired, ErrorCategory, Retriable
from syncline.connectors.guarded_http import guarded_transport
from syncline.connectors.salesforce.check import needs_authorization
from syncline.connectors.salesforce.client import (
    ClientOptions,
    CredentialStore,
    OAuthApp,
    RetryPolicy,
    SalesforceClient,
    login_endpoints,
)
from syncline.connectors.salesforce.client.budget import CallBudget
from syncline.connectors.salesforce.config import SalesforceConfig
from syncline.connectors.salesforce.errors import SalesforceError
from syncline.connectors.upstreams import UpstreamPolicy

__all__ = ["SalesforceProxy", "instance_url_of", "send_proxied"]

TRUNCATED = "syncline.truncated"


class _ConfinedTransport(httpx.BaseTransport):
    def __init__(self, *, token_url: str, max_body: int, timeout: float, upstreams: UpstreamPolicy) -> None:
        # An inner client (rather than a bare transport) keeps the environment's proxy and CA settings,
        # unless the deployment restricts upstream addresses: then it connects only to checked ones.
        transport = guarded_transport(upstreams) if upstreams.restricts else None
        self._inner = httpx.Client(follow_redirects=False, trust_env=True, transport=transport)
        self._token_url = httpx.URL(token_url)
        self._max_body = max_body
        self._timeout = timeout
        self.instance: httpx.URL | None = None  # the instance: proxied requests go there and nowhere else
        self.target: httpx.URL | None = None  # the one URL (less its query) a proxied request may have
        self.answer: httpx.Response | None = None
        self.access_token: str | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        auth = request.headers.get("authorization", "")
        proxied = (
            bool(auth)
            and self.instance is not None
            and self.target is not None
            and _same_origin(url, self.instance)
            and _same_endpoint(url, self.target)
        )
        if not proxied:
            # Token grants authenticate in the form, never with a bearer token.
            if request.method == "POST" and not auth and _same_endpoint(url, self._token_url):
                self.answer = None  # a grant in between (token renewal): what came before is not the answer
                return self._inner.send(request)
            raise LeftInstance(f"refused to send a proxied request to {url.scheme}://{url.netloc.decode()}")
        self.access_token = auth.partition(" ")[2] or None
        deadline = time.monotonic() + self._timeout
        response = self._inner.send(request, stream=True)
        try:
            body, truncated = self._read(response, request, deadline)
        finally:
            response.close()
        headers = [
            (name, value)
            for name, value in response.headers.raw
            if name.lower() not in {b"content-encoding", b"content-length", b"transfer-encoding"}
        ]
        self.answer = httpx.Response(
            response.status_code,
            headers=[*headers, (b"Content-Length", str(len(body)).encode())],
            stream=httpx.ByteStream(body),
            extensions={
                **{k: v for k, v in response.extensions.items() if k in {"http_version", "reason_phrase"}},
                TRUNCATED: truncated,
            },
        )
        self.answer.read()
        return self.answer

    def _read(self, response: httpx.Response, request: httpx.Request, deadline: float) -> tuple[bytes, bool]:
        """The decoded body up to the cap, and whether there was more; the whole read within the timeout."""
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            if time.monotonic() > deadline:
                raise httpx.ReadTimeout("the upstream answer took longer than the timeout", request=request)
            chunks.append(chunk)
            size += len(chunk)
            if size > self._max_body:
                return b"".join(chunks)[: self._max_body], True
        return b"".join(chunks), False

    def close(self) -> None:
        self._inner.close()


def _same_origin(url: httpx.URL, other: httpx.URL) -> bool:
    return (url.scheme, url.host, url.port) == (other.scheme, other.host, other.port)


def _same_endpoint(url: httpx.URL, other: httpx.URL) -> bool:
    return _same_origin(url, other) and url.raw_path.split(b"?")[0] == other.raw_path.split(b"?")[0]


def _answer_of(response: httpx.Response, latency_ms: int, access_token: str | None) -> UpstreamAnswer:
    return UpstreamAnswer(
        status=response.status_code,
        headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers.raw],
        body=response.content,
        truncated=bool(response.extensions.get(TRUNCATED)),
        latency_ms=latency_ms,
        access_token=access_token,
    )


def send_proxied(
    config: SalesforceConfig,
    *,
    credentials: CredentialStore | None,
    budget: CallBudget | None,
    app: OAuthApp | None,
    method: str,
    url_for: Callable[[str], str],
    params: list[tuple[str, str]] | None,
    headers: dict[str, str],
    content: bytes | None,
    timeout: float,
    max_response_bytes: int,
    upstreams: UpstreamPolicy,
) -> UpstreamAnswer:
    """Send one request to the connection's instance and return Salesforce's answer, errors included.

    Args:
        url_for: The absolute URL for the instance's base URL (it refuses anything off the instance).

    Raises:
        BudgetExhausted: The connection's API budget allows no more calls (nothing was sent).
        SalesforceError: No answer from the instance: unreachable or timed out (`SalesforceUnavailable`,
            `DomainUnreachable`, with the httpx error as `__cause__`), or the token grant failed.
        LeftInstance: A request would have left the instance (a bug; nothing was sent).
    """
    transport = _ConfinedTransport(
        token_url=login_endpoints(config.domain).token_url,
        max_body=max_response_bytes,
        timeout=timeout,
        upstreams=upstreams,
    )
    options = ClientOptions(
        timeout=httpx.Timeout(timeout), transport=transport, retry=RetryPolicy(max_attempts=1)
    )
    try:
        with SalesforceClient.from_config(
            config, credentials=credentials, budget=budget, options=options, app=app
        ) as client:
            instance_url = client.tokens.session().instance_url
            transport.instance = httpx.URL(instance_url)
            url = url_for(instance_url)
            transport.target = httpx.URL(url)
            started = time.monotonic()
            try:
                response = client.http.send(
                    method,
                    url,
                    params=httpx.QueryParams(tuple(params)) if params else None,
                    content=content,
                    headers={**headers, "Accept-Encoding": "identity"},
                    idempotent=False,
                )
            except SalesforceError:
                if transport.answer is None:
                    raise
                response = transport.answer  # Salesforce answered with an error: the caller gets it as is
            latency_ms = int((time.monotonic() - started) * 1000)
            return _answer_of(response, latency_ms, transport.access_token)
    finally:
        transport.close()


def instance_url_of(
    config: SalesforceConfig,
    *,
    credentials: CredentialStore | None,
    app: OAuthApp | None,
    timeout: float,
    upstreams: UpstreamPolicy,
) -> str | None:
    """The instance URL proxied calls go to: the override, the stored one, or a fresh login's; None if
    the connection cannot log in (not authorized yet, refused, unreachable)."""
    if config.instance_url_override:
        return config.instance_url_override.rstrip("/")
    if credentials is not None:
        stored = credentials.load().instance_url
        if stored:
            return stored.rstrip("/")
    options = ClientOptions(
        timeout=httpx.Timeout(timeout), retry=RetryPolicy(max_attempts=1), upstreams=upstreams
    )
    try:
        with SalesforceClient.from_config(
            config, credentials=credentials, options=options, app=app
        ) as client:
            return client.tokens.session().instance_url.rstrip("/")
    except SalesforceError:
        return None


class SalesforceProxy:
    """`ConnectionProxy` for Salesforce: calls go to the connection's instance with its access token."""

    def base_url(self, config: SalesforceConfig, ctx: ConnectorContext, *, timeout: float) -> str | None:
        if needs_authorization(config):
            return None
        return instance_url_of(
            config, credentials=ctx.credentials, app=ctx.oauth_app, timeout=timeout, upstreams=ctx.upstreams
        )

    def send(
        self,
        config: SalesforceConfig,
        ctx: ConnectorContext,
        request: ProxiedRequest,
        *,
        timeout: float,
        max_response_bytes: int,
    ) -> UpstreamAnswer:
        if needs_authorization(config):
            raise AuthorizationRequired(
                f"the connection is not authorized yet (connect_mode {config.connect_mode}): open its "
                "auth_url and approve access in Salesforce first"
            )
        try:
            return send_proxied(
                config,
                credentials=ctx.credentials,
                budget=ctx.budget,
                app=ctx.oauth_app,
                method=request.method,
                url_for=request.url_for,
                params=request.params,
                headers=request.headers,
                content=request.content,
                timeout=timeout,
                max_response_bytes=max_response_bytes,
                upstreams=ctx.upstreams,
            )
        except LeftInstance as exc:
            raise LeftInstance(f"the proxied request was not sent: {exc}") from None
        except httpx.HTTPError as exc:  # e.g. a body that does not decode as its Content-Encoding says
            raise Retriable(f"unusable answer from Salesforce: {exc}") from None
        except SalesforceError as exc:
            if exc.category is ErrorCategory.AUTHORIZATION:
                raise  # the connection must be reconnected: not a transient failure
            if _timed_out(exc):
                raise UpstreamTimeout(
                    f"Salesforce did not answer within {int(timeout * 1000)} ms; the proxy's upstream timeout"
                ) from None
            raise Retriable(f"no answer from Salesforce: {exc}") from None


def _timed_out(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, httpx.TimeoutException):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
