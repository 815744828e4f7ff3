"""Users of an organization and their API keys."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from syncline.api.auth import Caller
from syncline.api.deps import CallerDep, SessionDep
from syncline.api.errors import Conflict, NotFound, Unprocessable
from syncline.api.models.organizations import UserIn, UserOut
from syncline.api.routers.organizations import load_organization
from syncline.store.keys import active_user_key, issue_key, revoke_user_keys
from syncline.store.tables import User

router = APIRouter(prefix="/api", tags=["users"])


def user_out(user: User) -> dict[str, Any]:
    return UserOut(
        id=user.id,
        email=user.email,
        role=user.role,
        role_ids=list(user.role_ids or []),
        organization_id=user.organization_id,
    ).model_dump()


def _load_user(session: Session, organization_id: str, user_id: str) -> User:
    user = session.get(User, user_id)
    if user is None or user.organization_id != organization_id:
        raise NotFound.resource("user", user_id)
    return user


def _apply(session: Session, user: User, body: UserIn) -> None:
    if body.role is not None and body.role_ids is not None:
        raise Unprocessable(
            "set either role (deprecated) or role_ids, not both",
            metadata={"errors": [{"field": "role", "message": "cannot be combined with role_ids"}]},
        )
    user.email = body.email
    user.role = body.role or ("admin" if body.role_ids is None else None)
    user.role_ids = body.role_ids or []
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(
            f"a user with email {body.email!r} already exists in this organization",
            metadata={"field": "email"},
        ) from None


def _partner_org(session: Session, caller: Caller, organization_id: str, action: str) -> str:
    org = load_organization(session, caller, organization_id)
    caller.require_partner(action)
    return org.id


# --- partner paths: /api/organizations/{org_id}/users --------------------------------------------


@router.get("/organizations/{org_id}/users")
def list_users(org_id: str, caller: CallerDep, session: SessionDep) -> dict[str, Any]:
    org = load_organization(session, caller, org_id)
    return {"data": _list(session, org.id)}


@router.post("/organizations/{org_id}/users")
def create_user(org_id: str, body: UserIn, caller: CallerDep, session: SessionDep) -> dict[str, Any]:
    user = User(organization_id=_partner_org(session, caller, org_id, "creating a user"))
    session.add(user)
    _apply(session, user, body)
    return {"data": user_out(user)}


@router.get("/organizations/{org_id}/users/{user_id}")
def get_user(org_id: str, user_id: str, caller: CallerDep, session: SessionDep) -> dict[str, Any]:
    org = load_organization(session, caller, org_id)
    return {"data": user_out(_load_user(session, org.id, user_id))}


@router.put("/organizations/{org_id}/users/{user_id}")
def update_user(
    org_id: str, user_id: str, body: UserIn, caller: CallerDep, session: SessionDep
) -> dict[str, Any]:
    user = _load_user(session, _partner_org(session, caller, org_id, "updating a user"), user_id)
    _apply(session, user, body)
    return {"data": user_out(user)}


@router.delete("/organizations/{org_id}/users/{user_id}")
def delete_user(org_id: str, user_id: str, caller: CallerDep, session: SessionDep) -> dict[str, Any]:
    user = _load_user(session, _partner_org(session, caller, org_id, "deleting a user"), user_id)
    out = user_out(user)
    session.delete(user)
    return {"data": out}


@router.post("/organizations/{org_id}/users/{user_id}/keys")
def create_api_key(
    org_id: str,
    user_id: str,
    caller: CallerDep,
    session: SessionDep,
    force: bool = Query(False, description="revoke the user's existing key first"),
) -> dict[str, Any]:
    """Mint a key for the user; it is shown in this response only and stored as a hash."""
    user = _load_user(session, _partner_org(session, caller, org_id, "issuing an API key"), user_id)
    if active_user_key(session, user.id) is not None:
        if not force:
            raise Conflict(
                "this user already has an API key; pass force=true to revoke it and issue a new one",
                metadata={"field": "force"},
            )
        revoke_user_keys(session, user.id)
    return {"data": {"value": issue_key(session, user.organization_id, kind="user", user_id=user.id)}}


# --- own-organization paths: /api/organization/users ---------------------------------------------


@router.get("/organization/users")
def list_current_org_users(caller: CallerDep, session: SessionDep) -> dict[str, Any]:
    return {"data": _list(session, caller.organization_id)}


@router.post("/organization/users")
def create_current_org_user(body: UserIn, caller: CallerDep, session: SessionDep) -> dict[str, Any]:
    user = User(organization_id=caller.organization_id)
    session.add(user)
    _apply(session, user, body)
    return {"data": user_out(user)}


@router.get("/organization/users/{user_id}")
def get_current_org_user(user_id: str, caller: CallerDep, session: SessionDep) -> dict[str, Any]:
    return {"data": user_out(_load_user(session, caller.organization_id, user_id))}


@router.put("/organization/users/{user_id}")
def update_current_org_user(
    user_id: str, body: UserIn, caller: CallerDep, session: SessionDep
) -> dict[str, Any]:
    user = _load_user(session, caller.organization_id, user_id)
    _apply(session, user, body)
    return {"data": user_out(user)}


@router.delete("/organization/users/{user_id}")
def delete_current_org_user(user_id: str, caller: CallerDep, session: SessionDep) -> dict[str, Any]:
    user = _load_user(session, caller.organization_id, user_id)
    out = user_out(user)
    session.delete(user)
    return {"data": out}


def _list(session: Session, organization_id: str) -> list[dict[str, Any]]:
    users = session.scalars(
        select(User).where(User.organization_id == organization_id).order_by(User.created_at, User.id)
    )
    return [user_out(user) for user in users]
