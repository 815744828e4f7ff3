"""Who is calling: the bearer key resolved to an organization, a kind and (for user keys) a user."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from syncline.api.errors import Forbidden, NotFound, Unauthorized
from syncline.store.keys import find_active_key
from syncline.store.tables import Organization, User

ADMIN, USER, READONLY, PARTNER = "admin", "user", "readonly", "partner"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def effective_role(role: str | None) -> str:
    """A user's role as enforced: the legacy role, or read-only for a user without one (custom roles given as
    `role_ids` are recorded but not enforced yet, so they grant the least)."""
    return role if role in (ADMIN, USER, READONLY) else READONLY


@dataclass(frozen=True)
class Caller:
    """Who is calling. Roles: `partner` (the bootstrap organization's key: everything, in the
    organizations it manages too), `admin` (everything in its organization), `user` (connections,
    models and syncs, not users or keys), `readonly` (reads only)."""

    organization_id: str
    key_id: str
    kind: str  # "system" (the partner key of the bootstrap organization) or "user"
    user_id: str | None
    email: str | None
    role: str = PARTNER

    @property
    def is_partner(self) -> bool:
        return self.kind == "system"

    def require_method_allowed(self, method: str) -> None:
        """Read-only keys only read."""
        if self.role == READONLY and method.upper() not in READ_METHODS:
            raise Forbidden(
                f"this key is read-only: {method.upper()} is not allowed (ask an admin of organization "
                f"{self.organization_id} for a user or admin key)",
                key="read_only_key",
            )

    def require_admin(self, action: str) -> None:
        """Managing users and keys takes an admin (or partner) key."""
        if self.role not in (ADMIN, PARTNER):
            raise Forbidden(f"{action} needs an admin key; this key's role is {self.role}", key="admin_only")

    @property
    def actor_id(self) -> str:
        return self.user_id or self.key_id

    def require_partner(self, action: str) -> None:
        if not self.is_partner:
            raise Forbidden(
                f"{action} needs a partner key; this is a user key of organization {self.organization_id}"
            )

    def may_act_in(self, session: Session, organization_id: str) -> bool:
        """Whether the caller acts in this organization: its own, or (partners) one it manages."""
        if organization_id == self.organization_id:
            return True
        return self.is_partner and managed_organization(session, self, organization_id) is not None

    def target_organization(self, session: Session, organization_id: str | None) -> str:
        """The organization a request acts on: the caller's own, or one a partner manages."""
        if organization_id is None or organization_id == self.organization_id:
            return self.organization_id
        if self.is_partner and managed_organization(session, self, organization_id) is not None:
            return organization_id
        raise NotFound.resource("organization", organization_id)


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization")
    if not header:
        raise Unauthorized("missing Authorization header; send 'Authorization: Bearer <api key>'")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("the Authorization header must be 'Bearer <api key>'")
    return token.strip()


def authenticate(session: Session, token: str) -> Caller:
    key = find_active_key(session, token)
    if key is None:
        raise Unauthorized("invalid or revoked API key")
    email, role = None, PARTNER if key.kind == "system" else READONLY
    if key.user_id:
        user = session.get(User, key.user_id)
        email = user.email if user else None
        role = effective_role(user.role if user else None)
    return Caller(
        organization_id=key.organization_id,
        key_id=key.id,
        kind=key.kind,
        user_id=key.user_id,
        email=email,
        role=role,
    )


def managed_organization(session: Session, caller: Caller, organization_id: str) -> Organization | None:
    """The organization if the caller may see it: its own, or (for partners) one it manages."""
    query = select(Organization).where(Organization.id == organization_id)
    if caller.is_partner:
        query = query.where(
            or_(Organization.id == caller.organization_id, Organization.partner_id == caller.organization_id)
        )
    else:
        query = query.where(Organization.id == caller.organization_id)
    return session.scalars(query).first()
