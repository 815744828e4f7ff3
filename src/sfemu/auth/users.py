"""The org's users as the login flows see them: who exists, and which password and security token are right.

Only the configured user (`config.username` / `config.password`) has a password; other users (seeded
ones) can still be named in a JWT bearer assertion, which needs none.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sfemu.config import EmulatorConfig

if TYPE_CHECKING:
    from sfemu.org import Org


@dataclass(frozen=True)
class User:
    id: str
    username: str
    first_name: str
    last_name: str
    email: str
    time_zone: str
    active: bool
    last_modified: str  # storage form, `2024-01-15T10:30:00.000Z`

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


def security_token(config: EmulatorConfig) -> str:
    """The configured user's 24-character security token, derived from the credentials.

    Like Salesforce's, it changes when the password does. Login accepts the password alone or the
    password with this token appended.
    """
    mac = hmac.new(config.password.encode(), config.username.lower().encode(), hashlib.sha256).digest()
    return base64.b32encode(mac).decode()[:24]


def check_password(config: EmulatorConfig, username: str, password: str) -> bool:
    """True for the configured user's password, with or without the security token appended."""
    if username.lower() != config.username.lower():
        return False
    return any(
        hmac.compare_digest(password.encode(), candidate.encode())
        for candidate in (config.password, config.password + security_token(config))
    )


def find_user(org: Org, *, username: str | None = None, user_id: str | None = None) -> User | None:
    """An active user by username (case-insensitive, as Salesforce matches them) or by id."""
    if username is not None:
        rows = org.db.read(
            'SELECT * FROM "User" WHERE Username = ? COLLATE NOCASE AND IsDeleted = 0', (username,)
        )
    else:
        rows = org.db.read('SELECT * FROM "User" WHERE Id = ? AND IsDeleted = 0', (user_id,))
    if not rows:
        return None
    row = dict(rows[0])
    if not row.get("IsActive"):
        return None
    return User(
        id=row["Id"],
        username=row["Username"],
        first_name=row.get("FirstName") or "",
        last_name=row.get("LastName") or "",
        email=row.get("Email") or "",
        time_zone=row.get("TimeZoneSidKey") or "America/Los_Angeles",
        active=True,
        last_modified=row.get("LastModifiedDate") or "",
    )
