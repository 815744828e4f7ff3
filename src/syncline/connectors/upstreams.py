"""Which network addresses a connection may reach: the operator's `SYNCLINE_PRIVATE_UPSTREAMS` rule.

Self-hosted, a connection to a database on the user's own network is the point (`allow`, the default).
A multi-tenant deployment sets `deny`: then no connection may reach loopback, private, link-local,
unique-local, unspecified or otherwise non-global addresses (the service itself, its metadata database,
the cloud's metadata endpoint, other tenants' hosts), except entries of `SYNCLINE_UPSTREAM_ALLOW`.

The check is on the address actually connected to, after resolution, never on the spelling: `2130706433`,
`0x7f000001` and a DNS name that resolves to 127.0.0.1 are all loopback. Callers connect to the address
`resolve` returns (httpx through `GuardedBackend`, libpq through `hostaddr`), so a name cannot resolve
to a public address for the check and a private one for the connection.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from enum import StrEnum

from syncline.connectors.errors import ConfigurationError

__all__ = [
    "ALLOW_ALL",
    "PRIVATE_UPSTREAMS_SETTING",
    "UPSTREAM_ALLOW_SETTING",
    "AllowEntry",
    "PrivateUpstreams",
    "UpstreamNotAllowed",
    "UpstreamPolicy",
    "is_private_address",
    "parse_allow_list",
]

PRIVATE_UPSTREAMS_SETTING = "SYNCLINE_PRIVATE_UPSTREAMS"
UPSTREAM_ALLOW_SETTING = "SYNCLINE_UPSTREAM_ALLOW"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class PrivateUpstreams(StrEnum):
    ALLOW = "allow"
    DENY = "deny"


class UpstreamNotAllowed(ConfigurationError):
    """The connection would reach an address the deployment keeps connections away from.

    Attributes:
        host: The host as the connection names it (never the address it resolved to).
        field: The connection setting that led there (`hostname`, `domain`, `instance_url`), if known.
    """

    def __init__(self, host: str, port: int | None, *, field: str | None = None) -> None:
        self.host = host
        self.port = port
        self.field = field
        shown = f"[{host}]" if ":" in host and not host.startswith("[") else host  # an IPv6 address
        where = f"{shown}:{port}" if port is not None else host
        super().__init__(
            f"{where} is a loopback, private or link-local address, and this deployment does not let "
            f"connections reach those ({PRIVATE_UPSTREAMS_SETTING}=deny); point the connection at a public "
            f"address, or ask the operator to list it in {UPSTREAM_ALLOW_SETTING}"
        )


def is_private_address(address: IPAddress) -> bool:
    """True for every address that is not a global unicast one (loopback, RFC 1918, link-local, ULA, …)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


@dataclass(frozen=True)
class AllowEntry:
    """One `SYNCLINE_UPSTREAM_ALLOW` entry: a host name (any port, or one port) or an address block."""

    host: str | None = None
    port: int | None = None
    network: IPNetwork | None = None

    def admits(self, host: str, port: int | None, address: IPAddress | None) -> bool:
        if self.port is not None and port != self.port:
            return False
        if self.network is not None:
            return address is not None and address.version == self.network.version and address in self.network
        return self.host is not None and self.host == _normalized(host)


@dataclass(frozen=True)
class UpstreamPolicy:
    """Where connections may go. `ALLOW_ALL` (the default) lets them reach any address."""

    private: PrivateUpstreams = PrivateUpstreams.ALLOW
    allow: tuple[AllowEntry, ...] = ()

    @property
    def restricts(self) -> bool:
        return self.private is PrivateUpstreams.DENY

    def permits(self, host: str, port: int | None, address: IPAddress | None) -> bool:
        """Whether a connection to `host` (as named), on `port`, at `address` (None: not an IP) is allowed."""
        if not self.restricts or any(entry.admits(host, port, address) for entry in self.allow):
            return True
        return address is not None and not is_private_address(address)

    def check_local(self, target: str, *, field: str | None = None) -> None:
        """Refuse a local endpoint with no address (a unix socket) unless an entry names it exactly.

        Raises:
            UpstreamNotAllowed: The policy denies private upstreams and no entry names `target`.
        """
        if not self.permits(target, None, None):
            raise UpstreamNotAllowed(target, None, field=field)

    def resolve(self, host: str, port: int, *, field: str | None = None) -> list[str]:
        """The addresses to connect to for `host:port`, every one of them checked.

        One private address among a name's answers refuses the whole name: a client falling back from
        one address to the next would otherwise reach it.

        Raises:
            UpstreamNotAllowed: An address `host` resolves to is not allowed.
            OSError: The name does not resolve (`socket.gaierror`).
        """
        infos = socket.getaddrinfo(_unbracketed(host), port, type=socket.SOCK_STREAM)
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        for text in addresses:
            if not self.permits(host, port, ipaddress.ip_address(text.partition("%")[0])):
                raise UpstreamNotAllowed(host, port, field=field)
        return addresses


ALLOW_ALL = UpstreamPolicy()


def parse_allow_list(text: str) -> tuple[AllowEntry, ...]:
    """`SYNCLINE_UPSTREAM_ALLOW`: comma-separated `host`, `host:port`, `[v6]:port`, IP or CIDR entries, or
    unix socket paths.

    Raises:
        ValueError: An entry is none of those (the message names it).
    """
    return tuple(_entry(part.strip()) for part in text.split(",") if part.strip())


def _entry(text: str) -> AllowEntry:
    try:
        return AllowEntry(network=ipaddress.ip_network(text, strict=False))
    except ValueError:
        pass
    if text.startswith("/"):  # a unix socket path, allowed as named
        return AllowEntry(host=text)
    host, port = text, None
    if text.startswith("["):
        host, closed, rest = text[1:].partition("]")
        if not closed:
            raise ValueError(f"{text!r} is not a host, host:port, IP address or CIDR block")
        port = _port(text, rest.removeprefix(":")) if rest else None
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
        port = _port(text, port_text)
    if not host or any(c.isspace() for c in host) or "/" in host:
        raise ValueError(f"{text!r} is not a host, host:port, IP address or CIDR block")
    try:
        return AllowEntry(network=ipaddress.ip_network(host), port=port)
    except ValueError:
        return AllowEntry(host=_normalized(host), port=port)


def _port(entry: str, text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ValueError(f"{entry!r} has no valid port (1-65535)")
    return int(text)


def _normalized(host: str) -> str:
    if host.startswith("/"):
        return host  # a socket path: case matters
    return _unbracketed(host).rstrip(".").lower()


def _unbracketed(host: str) -> str:
    return host[1:-1] if host.startswith("[") and host.endswith("]") else host
