"""Access tokens, refresh tokens and authorization codes, kept in the org's SQLite file.

Only SHA-256 digests of the secrets are stored, so every check is one primary-key lookup. Refresh
tokens therefore survive a restart, and so do access tokens until their lifetime runs out.

Lifetimes are read from the config at each check, not at issue: an access token is valid while
`now < issued_at + config.token_ttl_seconds`, so lowering the TTL through the admin API also shortens
tokens already handed out. (Salesforce's own timeout is an idle timeout; this one is absolute.)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sfemu.config import EmulatorConfig
from sfemu.errors import OAuthError
from sfemu.store.db import Database

if TYPE_CHECKING:
    from sfemu.org import Org

CODE_TTL_SECONDS = 15 * 60
PKCE_METHODS = ("S256", "plain")
EXPIRED_TOKEN = "expired access/refresh token"

_TABLES = (
    "CREATE TABLE IF NOT EXISTS _access_tokens (token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, "
    "client_id TEXT NOT NULL, scope TEXT NOT NULL, issued_at REAL NOT NULL, refresh_hash TEXT)",
    "CREATE INDEX IF NOT EXISTS ix__access_tokens_issued_at ON _access_tokens (issued_at)",
    "CREATE INDEX IF NOT EXISTS ix__access_tokens_refresh_hash ON _access_tokens (refresh_hash)",
    "CREATE TABLE IF NOT EXISTS _refresh_tokens (token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, "
    "client_id TEXT NOT NULL, scope TEXT NOT NULL, issued_at REAL NOT NULL)",
    "CREATE TABLE IF NOT EXISTS _auth_codes (code_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, "
    "client_id TEXT NOT NULL, scope TEXT NOT NULL, redirect_uri TEXT NOT NULL, code_challenge TEXT, "
    "code_challenge_method TEXT, expires_at REAL NOT NULL)",
)


@dataclass(frozen=True)
class Grant:
    """Who a token or code speaks for, and with what scope (space-separated, as OAuth writes it)."""

    user_id: str
    client_id: str
    scope: str


@dataclass(frozen=True)
class AccessToken:
    value: str
    issued_at_ms: int
    grant: Grant


class TokenStore:
    """Issues, checks and revokes the org's tokens.

    Args:
        db: the org's database; the store creates its tables there.
        config: read at every check, so run-time changes of `token_ttl_seconds` and
            `rotate_refresh_tokens` take effect at once.
        org_id: the 18-character org id; access tokens start with its 15-character form, as
            Salesforce's do.
        now: seconds since the epoch; tests inject a fake clock.
    """

    def __init__(
        self, db: Database, config: EmulatorConfig, org_id: str, *, now: Callable[[], float] = time.time
    ) -> None:
        self.db = db
        self.config = config
        self.org_id = org_id
        self.now = now
        with db.transaction() as conn:
            for statement in _TABLES:
                conn.execute(statement)

    # --- access tokens ---------------------------------------------------------------------------

    def issue_access_token(self, grant: Grant, *, refresh_token: str | None = None) -> AccessToken:
        """A new access token; revoking `refresh_token` later revokes this token too."""
        value = f"{self.org_id[:15]}!AQ{_random(72)}"
        issued_at = self.now()
        with self.db.transaction() as conn:
            # Expired rows are useless; dropping them here keeps the table as small as the live sessions.
            conn.execute("DELETE FROM _access_tokens WHERE issued_at <= ?", (issued_at - self._ttl(),))
            conn.execute(
                "INSERT INTO _access_tokens VALUES (?, ?, ?, ?, ?, ?)",
                (
                    _digest(value),
                    grant.user_id,
                    grant.client_id,
                    grant.scope,
                    issued_at,
                    _digest(refresh_token) if refresh_token else None,
                ),
            )
        return AccessToken(value, int(issued_at * 1000), grant)

    def validate(self, token: str) -> Grant | None:
        """The grant behind a live access token, or None when it is unknown, revoked or expired."""
        rows = self.db.read(
            "SELECT user_id, client_id, scope FROM _access_tokens WHERE token_hash = ? AND issued_at > ?",
            (_digest(token), self.now() - self._ttl()),
        )
        return Grant(*rows[0]) if rows else None

    def expire_access_tokens(self) -> int:
        """End every session now (the admin API's knob); returns how many were live or stale."""
        with self.db.transaction() as conn:
            return conn.execute("DELETE FROM _access_tokens").rowcount

    # --- refresh tokens --------------------------------------------------------------------------

    def issue_refresh_token(self, grant: Grant) -> str:
        value = f"5Aep{_random(83)}"
        with self.db.transaction() as conn:
            self._insert_refresh(conn, value, grant)
        return value

    def refresh(self, refresh_token: str, client_id: str) -> tuple[Grant, str | None]:
        """Redeem a refresh token: its grant, plus the replacement token when rotation is on.

        With rotation on, the presented token is consumed; presenting it again fails like a revoked one.

        Raises:
            OAuthError: `invalid_grant` / `expired access/refresh token` for an unknown, revoked,
                rotated-away or other-client token.
        """
        with self.db.transaction() as conn:
            row = conn.execute(
                "SELECT user_id, client_id, scope FROM _refresh_tokens WHERE token_hash = ?",
                (_digest(refresh_token),),
            ).fetchone()
            if row is None or row["client_id"] != client_id:
                raise OAuthError(400, "invalid_grant", EXPIRED_TOKEN)
            grant = Grant(*row)
            if not self.config.rotate_refresh_tokens:
                return grant, None
            conn.execute("DELETE FROM _refresh_tokens WHERE token_hash = ?", (_digest(refresh_token),))
            replacement = f"5Aep{_random(83)}"
            self._insert_refresh(conn, replacement, grant)
            return grant, replacement

    def revoke_refresh_tokens(self) -> int:
        """Revoke every refresh token (the admin API's knob); access tokens stay valid until they expire."""
        with self.db.transaction() as conn:
            return conn.execute("DELETE FROM _refresh_tokens").rowcount

    def revoke(self, token: str) -> bool:
        """Revoke an access token, or a refresh token and the access tokens issued from it.

        Returns:
            False when the token is unknown (the revoke endpoint answers `invalid_token`).
        """
        digest = _digest(token)
        with self.db.transaction() as conn:
            if conn.execute("DELETE FROM _refresh_tokens WHERE token_hash = ?", (digest,)).rowcount:
                conn.execute("DELETE FROM _access_tokens WHERE refresh_hash = ?", (digest,))
                return True
            return conn.execute("DELETE FROM _access_tokens WHERE token_hash = ?", (digest,)).rowcount > 0

    # --- authorization codes ---------------------------------------------------------------------

    def issue_code(
        self,
        grant: Grant,
        *,
        redirect_uri: str,
        code_challenge: str | None = None,
        code_challenge_method: str | None = None,
    ) -> str:
        """A single-use authorization code, valid for 15 minutes; a PKCE method defaults to plain."""
        if code_challenge and code_challenge_method is None:
            code_challenge_method = "plain"
        value = f"aPrx{_random(60)}=="
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM _auth_codes WHERE expires_at <= ?", (self.now(),))
            conn.execute(
                "INSERT INTO _auth_codes VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    _digest(value),
                    grant.user_id,
                    grant.client_id,
                    grant.scope,
                    redirect_uri,
                    code_challenge or None,
                    code_challenge_method if code_challenge else None,
                    self.now() + CODE_TTL_SECONDS,
                ),
            )
        return value

    def redeem_code(
        self,
        code: str,
        *,
        client_id: str,
        redirect_uri: str | None,
        code_verifier: str | None,
        public_client: bool = False,
    ) -> Grant:
        """Exchange a code for its grant. The code is consumed by any attempt, successful or not.

        Args:
            public_client: no client secret was presented; allowed only for codes issued with PKCE.

        Raises:
            OAuthError: `invalid_grant` with `invalid authorization code`, `expired authorization code`,
                `redirect uri does not match configuration` or `invalid code verifier`;
                `invalid_client` for a public client redeeming a code without PKCE.
        """
        with self.db.transaction() as conn:
            row = conn.execute(
                "DELETE FROM _auth_codes WHERE code_hash = ? RETURNING *", (_digest(code),)
            ).fetchone()
        if row is None or row["client_id"] != client_id:
            raise OAuthError(400, "invalid_grant", "invalid authorization code")
        if public_client and not row["code_challenge"]:
            raise OAuthError(400, "invalid_client", "invalid client credentials")
        if row["expires_at"] <= self.now():
            raise OAuthError(400, "invalid_grant", "expired authorization code")
        if redirect_uri != row["redirect_uri"]:
            raise OAuthError(400, "invalid_grant", "redirect uri does not match configuration")
        if row["code_challenge"] and not verify_pkce(
            code_verifier, row["code_challenge"], row["code_challenge_method"]
        ):
            raise OAuthError(400, "invalid_grant", "invalid code verifier")
        return Grant(row["user_id"], row["client_id"], row["scope"])

    # --- helpers ---------------------------------------------------------------------------------

    def _ttl(self) -> float:
        return float(self.config.token_ttl_seconds)

    def _insert_refresh(self, conn: sqlite3.Connection, value: str, grant: Grant) -> None:
        conn.execute(
            "INSERT INTO _refresh_tokens VALUES (?, ?, ?, ?, ?)",
            (_digest(value), grant.user_id, grant.client_id, grant.scope, self.now()),
        )


def verify_pkce(verifier: str | None, challenge: str, method: str | None) -> bool:
    """RFC 7636: S256 compares base64url(sha256(verifier)) without padding; plain compares as is."""
    if not verifier:
        return False
    if method == "S256":
        digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
        expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        return hmac.compare_digest(expected, challenge)
    return hmac.compare_digest(verifier.encode(), challenge.encode())


def tokens_of(org: Org) -> TokenStore:
    """The org's token store (`org.tokens`)."""
    return org.tokens


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _random(length: int) -> str:
    """Random characters from Salesforce's token alphabet (letters, digits, `.` and `_`)."""
    return secrets.token_urlsafe(length).replace("-", ".")[:length]
