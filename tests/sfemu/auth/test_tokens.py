"""The token store: lifetimes, rotation, revocation, single-use codes and PKCE."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sfemu.auth.tokens import Grant, TokenStore, tokens_of, verify_pkce
from sfemu.config import EmulatorConfig
from sfemu.errors import OAuthError
from sfemu.org import Org

GRANT = Grant("0055g0000000001AAA", "sfemu", "api refresh_token")
CALLBACK = "https://app.example.com/cb"
# The example of RFC 7636, appendix B.
RFC_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
RFC_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


class FakeClock:
    def __init__(self) -> None:
        self.value = 1_700_000_000.0

    def __call__(self) -> float:
        return self.value


@pytest.fixture
def org(tmp_path: Path) -> Iterator[Org]:
    org = Org(EmulatorConfig(data_dir=tmp_path, token_ttl_seconds=60))
    yield org
    org.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(org: Org, clock: FakeClock) -> TokenStore:
    return TokenStore(org.db, org.config, org.org_id, now=clock)


def test_access_token_looks_like_salesforces_and_validates(store: TokenStore, org: Org) -> None:
    token = store.issue_access_token(GRANT)
    assert token.value.startswith(f"{org.org_id[:15]}!AQ")
    assert token.issued_at_ms == 1_700_000_000_000
    assert store.validate(token.value) == GRANT


def test_only_digests_are_stored(store: TokenStore, org: Org) -> None:
    token = store.issue_access_token(GRANT)
    refresh = store.issue_refresh_token(GRANT)
    dump = "\n".join(org.db.conn.iterdump())
    assert token.value not in dump
    assert refresh not in dump


def test_access_token_expires_after_the_ttl(store: TokenStore, clock: FakeClock) -> None:
    token = store.issue_access_token(GRANT).value
    clock.value += 59
    assert store.validate(token) == GRANT
    clock.value += 1
    assert store.validate(token) is None


def test_ttl_is_read_at_every_check(store: TokenStore, org: Org, clock: FakeClock) -> None:
    token = store.issue_access_token(GRANT).value
    clock.value += 100
    org.config.token_ttl_seconds = 7200
    assert store.validate(token) == GRANT


def test_expire_access_tokens_ends_every_session(store: TokenStore) -> None:
    tokens = [store.issue_access_token(GRANT).value for _ in range(3)]
    assert store.expire_access_tokens() == 3
    assert [store.validate(token) for token in tokens] == [None, None, None]


def test_refresh_without_rotation_keeps_the_token(store: TokenStore) -> None:
    refresh = store.issue_refresh_token(GRANT)
    assert store.refresh(refresh, "sfemu") == (GRANT, None)
    assert store.refresh(refresh, "sfemu") == (GRANT, None)


def test_refresh_with_rotation_consumes_the_token(store: TokenStore, org: Org) -> None:
    org.config.rotate_refresh_tokens = True
    refresh = store.issue_refresh_token(GRANT)
    grant, rotated = store.refresh(refresh, "sfemu")
    assert grant == GRANT
    assert rotated is not None
    assert rotated != refresh
    with pytest.raises(OAuthError) as failure:
        store.refresh(refresh, "sfemu")
    assert failure.value.error == "invalid_grant"
    assert failure.value.description == "expired access/refresh token"


def test_refresh_token_of_another_client_is_refused(store: TokenStore) -> None:
    refresh = store.issue_refresh_token(GRANT)
    with pytest.raises(OAuthError):
        store.refresh(refresh, "other")


def test_revoke_refresh_tokens_revokes_all(store: TokenStore) -> None:
    refresh = store.issue_refresh_token(GRANT)
    assert store.revoke_refresh_tokens() == 1
    with pytest.raises(OAuthError):
        store.refresh(refresh, "sfemu")


def test_revoking_a_refresh_token_revokes_its_access_tokens(store: TokenStore) -> None:
    refresh = store.issue_refresh_token(GRANT)
    derived = store.issue_access_token(GRANT, refresh_token=refresh).value
    unrelated = store.issue_access_token(GRANT).value
    assert store.revoke(refresh)
    assert store.validate(derived) is None
    assert store.validate(unrelated) == GRANT
    assert not store.revoke(refresh)


def test_code_is_single_use(store: TokenStore) -> None:
    code = store.issue_code(GRANT, redirect_uri=CALLBACK)
    assert store.redeem_code(code, client_id="sfemu", redirect_uri=CALLBACK, code_verifier=None) == GRANT
    with pytest.raises(OAuthError, match="invalid authorization code"):
        store.redeem_code(code, client_id="sfemu", redirect_uri=CALLBACK, code_verifier=None)


def test_code_expires_after_fifteen_minutes(store: TokenStore, clock: FakeClock) -> None:
    code = store.issue_code(GRANT, redirect_uri=CALLBACK)
    clock.value += 15 * 60
    with pytest.raises(OAuthError, match="expired authorization code"):
        store.redeem_code(code, client_id="sfemu", redirect_uri=CALLBACK, code_verifier=None)


def test_code_with_pkce_needs_the_verifier(store: TokenStore) -> None:
    code = store.issue_code(
        GRANT, redirect_uri=CALLBACK, code_challenge=RFC_CHALLENGE, code_challenge_method="S256"
    )
    with pytest.raises(OAuthError, match="invalid code verifier"):
        store.redeem_code(code, client_id="sfemu", redirect_uri=CALLBACK, code_verifier="wrong")


def test_public_client_needs_pkce(store: TokenStore) -> None:
    code = store.issue_code(GRANT, redirect_uri=CALLBACK)
    with pytest.raises(OAuthError) as failure:
        store.redeem_code(
            code, client_id="sfemu", redirect_uri=CALLBACK, code_verifier=None, public_client=True
        )
    assert failure.value.error == "invalid_client"


@pytest.mark.parametrize(
    ("verifier", "challenge", "method", "valid"),
    [
        (RFC_VERIFIER, RFC_CHALLENGE, "S256", True),
        ("other", RFC_CHALLENGE, "S256", False),
        ("same-text", "same-text", "plain", True),
        ("same-text", "other-text", "plain", False),
        (None, "same-text", "plain", False),
    ],
    ids=["s256", "s256-wrong", "plain", "plain-wrong", "missing"],
)
def test_verify_pkce(verifier: str | None, challenge: str, method: str, valid: bool) -> None:
    assert verify_pkce(verifier, challenge, method) is valid


def test_tokens_of_attaches_one_store_to_the_org(org: Org) -> None:
    store = tokens_of(org)
    assert tokens_of(org) is store
    assert org.tokens is store  # type: ignore[attr-defined]
