"""The upstream address policy: what `SYNCLINE_PRIVATE_UPSTREAMS=deny` refuses, checked on resolved
addresses (real getaddrinfo), and what `SYNCLINE_UPSTREAM_ALLOW` lets through."""

from __future__ import annotations

import httpx
import pytest

from syncline.connectors.guarded_http import guarded_transport
from syncline.connectors.upstreams import (
    ALLOW_ALL,
    PrivateUpstreams,
    UpstreamNotAllowed,
    UpstreamPolicy,
    parse_allow_list,
)
from syncline.settings import Settings, SettingsError
from tests.support.listeners import banner_port

DENY = UpstreamPolicy(PrivateUpstreams.DENY)

# Every spelling of a loopback, private, link-local, unique-local or unspecified address.
LOCAL_SPELLINGS = [
    "127.0.0.1",
    "127.1",
    "2130706433",  # decimal
    "0x7f000001",  # hex
    "0177.0.0.1",  # octal
    "localhost",  # a DNS name resolving to loopback
    "::1",
    "[::1]",
    "::ffff:127.0.0.1",  # IPv4-mapped IPv6
    "0.0.0.0",
    "10.1.2.3",
    "172.16.0.9",
    "192.168.1.1",
    "169.254.169.254",  # the cloud metadata endpoint
    "fe80::1",
    "fd12:3456::1",
    "100.64.0.1",  # carrier-grade NAT
]


@pytest.mark.parametrize("host", LOCAL_SPELLINGS)
def test_deny_refuses_every_spelling_of_a_local_address(host: str) -> None:
    with pytest.raises(UpstreamNotAllowed) as info:
        DENY.resolve(host, 5432, field="hostname")
    assert info.value.field == "hostname"
    assert "SYNCLINE_PRIVATE_UPSTREAMS=deny" in str(info.value)
    assert "SYNCLINE_UPSTREAM_ALLOW" in str(info.value)


@pytest.mark.parametrize("host", ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"])
def test_deny_lets_global_addresses_through(host: str) -> None:
    assert DENY.resolve(host, 443) == [host]


@pytest.mark.parametrize("host", LOCAL_SPELLINGS)
def test_allow_is_the_default_and_refuses_nothing(host: str) -> None:
    assert ALLOW_ALL.resolve(host, 5432)


def test_allow_entries_by_address_port_block_and_name() -> None:
    policy = UpstreamPolicy(
        PrivateUpstreams.DENY, parse_allow_list("127.0.0.1:5432, 10.0.0.0/8 ,localhost:8443,[::1]:9000")
    )
    assert policy.resolve("127.0.0.1", 5432) == ["127.0.0.1"]
    assert policy.resolve("2130706433", 5432) == ["127.0.0.1"]  # the address is what is allowed
    assert policy.resolve("10.200.3.4", 1) == ["10.200.3.4"]
    assert policy.permits("LocalHost.", 8443, None)  # names compare without case or a trailing dot
    assert policy.permits("::1", 9000, None) is False  # by address only: ::1 carries no address here
    assert policy.resolve("::1", 9000) == ["::1"]
    for host, port in (("127.0.0.1", 5433), ("192.168.0.1", 5432), ("localhost", 5433), ("::1", 9001)):
        with pytest.raises(UpstreamNotAllowed):
            policy.resolve(host, port)


def test_a_unix_socket_is_local_unless_named() -> None:
    with pytest.raises(UpstreamNotAllowed):
        DENY.check_local("/var/run/postgresql")
    UpstreamPolicy(PrivateUpstreams.DENY, parse_allow_list("/var/run/postgresql")).check_local(
        "/var/run/postgresql"
    )


@pytest.mark.parametrize("entry", ["db:0", "db:70000", "db:x", "a b", "10.0.0.0/33", "[::1", "http://db/"])
def test_bad_allow_entries_are_refused_by_name(entry: str) -> None:
    with pytest.raises(ValueError, match=r"not a host|no valid port"):
        parse_allow_list(entry)


def test_settings_name_the_variables() -> None:
    with pytest.raises(SettingsError) as info:
        Settings.from_env({"SYNCLINE_PRIVATE_UPSTREAMS": "sometimes", "SYNCLINE_UPSTREAM_ALLOW": "db:0"})
    assert any(line.startswith("SYNCLINE_PRIVATE_UPSTREAMS") for line in info.value.problems)
    assert any(line.startswith("SYNCLINE_UPSTREAM_ALLOW") for line in info.value.problems)
    settings = Settings.from_env({"SYNCLINE_PRIVATE_UPSTREAMS": "deny", "SYNCLINE_UPSTREAM_ALLOW": "db:5432"})
    assert settings.upstream_policy.restricts
    assert settings.upstream_policy.permits("db", 5432, None)


def test_the_guarded_transport_never_opens_a_refused_connection() -> None:
    with banner_port() as port, httpx.Client(transport=guarded_transport(DENY)) as client:
        with pytest.raises(UpstreamNotAllowed):
            client.get(f"http://127.0.0.1:{port}/")
        with pytest.raises(UpstreamNotAllowed):
            client.get(f"http://0x7f000001:{port}/")


def test_the_guarded_transport_connects_to_allowed_addresses() -> None:
    policy = UpstreamPolicy(PrivateUpstreams.DENY, parse_allow_list("127.0.0.0/8"))
    # It connects (the banner is not HTTP): a protocol error, not a refusal by policy.
    with (
        banner_port() as port,
        httpx.Client(transport=guarded_transport(policy)) as client,
        pytest.raises(httpx.RemoteProtocolError),
    ):
        client.get(f"http://127.0.0.1:{port}/")
