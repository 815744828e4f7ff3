"""An httpx transport that connects only where the deployment's `UpstreamPolicy` allows.

The check sits where the socket is opened: the host is resolved once, every address is checked, and the
connection goes to a checked address. TLS still verifies the certificate against the host name, since
httpcore hands the URL's host to the handshake whatever address the socket reached.
"""

from __future__ import annotations

import ssl
import typing

import httpcore
import httpx

from syncline.connectors.upstreams import UpstreamPolicy

__all__ = ["GuardedBackend", "guarded_transport"]


class GuardedBackend(httpcore.SyncBackend):
    """httpcore's socket backend, connecting only to addresses the policy permits."""

    def __init__(self, policy: UpstreamPolicy) -> None:
        self._policy = policy

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = self._policy.resolve(host, port)
        except OSError as exc:  # the name does not resolve: httpx reports it as a ConnectError
            raise httpcore.ConnectError(str(exc)) from exc
        last: Exception | None = None
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None  # getaddrinfo answers with at least one address or raises
        raise last


def guarded_transport(policy: UpstreamPolicy, *, verify: ssl.SSLContext | bool = True) -> httpx.HTTPTransport:
    """A transport for `httpx.Client(transport=...)` whose connections obey `policy`.

    Environment proxies are not used: the address connected to must be the upstream's own.
    """
    context = verify if isinstance(verify, ssl.SSLContext) else httpx.create_ssl_context(verify=verify)
    transport = httpx.HTTPTransport(verify=context, trust_env=False)
    transport._pool = httpcore.ConnectionPool(  # httpx has no public hook for the backend
        ssl_context=context,
        max_connections=100,  # httpx's own defaults
        max_keepalive_connections=20,
        keepalive_expiry=5.0,
        network_backend=GuardedBackend(policy),
    )
    return transport
