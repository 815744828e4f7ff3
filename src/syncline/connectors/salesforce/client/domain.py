"""The `domain` setting → the login host that OAuth calls go to.

Salesforce users write their domain in many ways; every one of these names a login host:

    acme                                   → https://acme.my.salesforce.com        (a My Domain id)
    acme--uat                              → https://acme--uat.sandbox.my.salesforce.com
    acme.my.salesforce.com                 → https://acme.my.salesforce.com
    https://acme.my.salesforce.com/home    → https://acme.my.salesforce.com        (paths dropped)
    login / login.salesforce.com           → https://login.salesforce.com          (legacy; test too)
    http://127.0.0.1:8443                  → http://127.0.0.1:8443                 (scheme and port kept)

Without a scheme it is https. Only login calls use it: data calls go to the token's `instance_url`.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from syncline.connectors.salesforce.errors import InvalidDomain

__all__ = ["LoginEndpoints", "is_legacy_login_host", "login_base_url", "login_endpoints"]

_LEGACY = {"login": "login.salesforce.com", "test": "test.salesforce.com"}
_LEGACY_HOSTS = frozenset(_LEGACY.values())
_HOST = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$")
_MAX_PORT = 65535


@dataclass(frozen=True)
class LoginEndpoints:
    """The OAuth endpoints of one login host.

    Attributes:
        base_url: Scheme, host and port, no trailing slash, e.g. `https://acme.my.salesforce.com`.
    """

    base_url: str

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/services/oauth2/token"

    @property
    def authorize_url(self) -> str:
        return f"{self.base_url}/services/oauth2/authorize"

    @property
    def userinfo_url(self) -> str:
        return f"{self.base_url}/services/oauth2/userinfo"

    @property
    def revoke_url(self) -> str:
        return f"{self.base_url}/services/oauth2/revoke"


def login_base_url(domain: str) -> str:
    """The login base URL for a `domain` setting (see the module docstring for the forms).

    Raises:
        InvalidDomain: Empty, a scheme other than http(s), a malformed host or a bad port.
    """
    text = domain.strip()
    if not text:
        raise InvalidDomain(domain, "it is empty")
    explicit = "://" in text
    parts = urlsplit(text if explicit else f"https://{text}")
    if parts.scheme not in ("http", "https"):
        raise InvalidDomain(domain, f"the scheme must be http or https, not {parts.scheme!r}")
    host = (parts.hostname or "").rstrip(".")
    try:
        port = parts.port
    except ValueError:
        raise InvalidDomain(domain, "the port is not a number between 1 and 65535") from None
    if port is not None and not 0 < port <= _MAX_PORT:
        raise InvalidDomain(domain, "the port is not a number between 1 and 65535")
    if not host or not (_HOST.match(host) or _is_ip(host)):
        raise InvalidDomain(domain, "it is not a host name")
    if not explicit and port is None:
        host = _expand(host)
    netloc = f"[{host}]" if ":" in host else host  # IPv6 literal
    if port is not None:
        netloc = f"{netloc}:{port}"
    return f"{parts.scheme}://{netloc}"


def login_endpoints(domain: str) -> LoginEndpoints:
    """`LoginEndpoints` for a `domain` setting; raises `InvalidDomain` like `login_base_url`."""
    return LoginEndpoints(login_base_url(domain))


def is_legacy_login_host(base_url: str) -> bool:
    """Whether the URL is login.salesforce.com or test.salesforce.com.

    The client-credentials grant is refused there: it must go to the org's My Domain.
    """
    return (urlsplit(base_url).hostname or "") in _LEGACY_HOSTS


def _expand(host: str) -> str:
    """A bare My Domain id (no dot) becomes its full host; other hosts stay as they are."""
    if "." in host or host == "localhost" or _is_ip(host):
        return host
    if host in _LEGACY:
        return _LEGACY[host]
    if "--" in host:  # acme--uat: a sandbox's My Domain
        return f"{host}.sandbox.my.salesforce.com"
    return f"{host}.my.salesforce.com"


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
