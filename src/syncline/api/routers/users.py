"""Users of an organization and their API keys."""

from __future__ import annotations

from typing import Any

from fastapi import Query
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from syncline.api.auth import ADMIN, Caller
from syncline.api.deps import CallerDep, SessionDep
from syncline.api.errors import Conflict, Forbidden, NotFound, Unprocessable
from syncline.api.models.organizations import (
    ApiKeyResponseEnvelope,
    ListUsersEnvelope,
    UserEnvelope,
    UserIn,
    UserOut,
    UserUpdate,
)
from syncline.api.routers.organizations import load_organization
from syncline.api.routing import api_router
from syncline.store.keys import active_user_key, issue_key, revoke_user_keys
from syncline.store.tables import User

router = api_router(tags=["users"])


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


def _apply(session: Session, user: User, body: UserIn | UserUpdate, caller: Caller) -> None:
    if body.role is not None and body.role_ids is not None:
        raise Unprocessable(
            "set either role (deprecated) or role_ids, not both",
            metadata={"errors": [{"field": "role", "message": "cannot be combined with role_ids"}]},
        )
    if user.id is not None and body.role is None and body.role_ids is None:
        role, role_ids = user.role, list(user.role_ids or [])  # an update that names no role keeps it
    else:
        role = body.role or (ADMIN if body.role_ids is None else None)
        role_ids = body.role_ids or []
    if user.id is not None and (role, role_ids) != (user.role, list(user.role_ids or [])):
        if user.id == caller.user_id:
            raise Forbidden("nobody changes their own role; ask another admin", key="own_role")
        if user.role == ADMIN and role != ADMIN:
            _keep_an_admin(session, user, "demoted")
    if body.email is not None:
        user.email = body.email
    elif user.email is None:
        raise Unprocessable(
            "email: is required", metadata={"errors": [{"field": "email", "message": "required"}]}
        )
    user.role = role
    user.role_ids = role_ids


def _keep_an_admin(session: Session, user: User, what: str) -> None:
    """The last admin of an organization cannot be deleted or demoted: no one could manage it after."""
    others = session.scalars(
        select(User.id).where(
            User.organization_id == user.organization_id, User.role == ADMIN, User.id != user.id
        )
    ).first()
    if others is None:
        raise Conflict(
            f"user {user.id} is the last admin of organization {user.organization_id} and cannot be {what}; "
            "make another user admin first",
            key="last_admin",
        )


def _delete(session: Session, user: User, caller: Caller) -> dict[str, Any]:
    if user.id == caller.user_id:
        raise Forbidden("a user cannot delete themselves; ask another admin", key="own_user")
    if user.role == ADMIN:
        _keep_an_admin(session, user, "deleted")
    out = user_out(user)
    session.delete(user)
    return out


def _partner_org(session: Session, caller: Caller, organization_id: str, action: str) -> str:
    org = load_organization(session, caller, organization_id)
    caller.require_partner(action)
    return org.id


# --- partner paths: /api/organizations/{org_id}/users --------------------------------------------


@router.get("/organizations/{org_id}/users", response_model=ListUsersEnvelope)
def list_users(org_id: str, caller: CallerDep, session: SessionDep) -> dict[str, Any]:
    org = load_organization(session, caller, org_id)
    return {"data": _list(session, org.id)}


@router.post("/organizations/{org_id}/users", response_model=UserEnvelope)
def create_user(org_id: str, body: UserIn, caller: CallerDep, session: SessionDep) -> dict[str, Any]:
    user = User(organization_id=_partner_org(session, caller, org_id, "creating a user"))
    _apply(session, user, body, caller)
    session.add(user)
    _flush(session, user)
    return {"data": user_out(user)}


@router.get("/organizations/{org_id}/users/{user_id}", response_model=UserEnvelope)
def get_user(org_id: str, user_id: str, caller: CallerDep, session: SessionDep) -> dict[str, Any]:
    org = load_organization(session, caller, org_id)
    return {"data": user_out(_load_user(session, org.id, user_id))}


@router.put("/organizations/{org_id}/users/{user_id}", response_model=UserEnvelope)
def update_user(
    org_id: str, user_id: str, body: UserUpdate, caller: CallerDep, session: SessionDep
) -> dict[str, Any]:
    user = _load_user(session, _partner_org(session, caller, org_id, "updating a user"), user_id)
    _apply(session, user, body, caller)
    _flush(session, user)
    return {"data": user_out(user)}


@router.delete("/organizations/{org_id}/users/{user_id}", response_model=UserEnvelope)
def delete_user(org_id: str, user_id: str, caller: CallerDep, session: SessionDep) -> dict[str, Any]:
    user = _load_user(session, _partner_org(session, caller, org_id, "deleting a user"), user_id)
    return {"data": _delete(session, user, caller)}


@router.post("/organizations/{org_id}/users/{user_id}/keys", response_model=ApiKeyResponseEnvelope)
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


@router.get("/organization/users", response_model=ListUsersEnvelope)
def list_current_org_users(caller: CallerDep, session: SessionDep) -> dict[str, Any]:
    return {"data": _list(session, caller.organization_id)}


@router.post("/organization/users", response_model=UserEnvelope)
def create_current_org_user(body: UserIn, caller: CallerDep, session: SessionDep) -> dict[str, Any]:
    caller.require_admin("creating a user")
    user = User(organization_id=caller.organization_id)
    _apply(session, user, body, caller)
    session.add(user)
    _flush(session, user)
    return {"data": user_out(user)}


@router.get("/organization/users/{user_id}", response_model=UserEnvelope)
def get_current_org_user(user_id: str, caller: CallerDep, session: SessionDep) -> dict[str, Any]:
    return {"data": user_out(_load_user(session, caller.organization_id, user_id))}


@router.put("/organization/users/{user_id}", response_model=UserEnvelope)
def update_current_org_user(
    user_id: str, body: UserUpdate, caller: CallerDep, session: SessionDep
) -> dict[str, Any]:
    caller.require_admin("updating a user")
    user = _load_user(session, caller.organization_id, user_id)
    _apply(session, user, body, caller)
    _flush(session, user)
    return {"data": user_out(user)}


@router.delete("/organization/users/{user_id}", response_model=UserEnvelope)
def delete_current_org_user(user_id: str, caller: CallerDep, session: SessionDep) -> dict[str, Any]:
    caller.require_admin("deleting a user")
    return {"data": _delete(session, _load_user(session, caller.organization_id, user_id), caller)}


def _flush(session: Session, user: User) -> None:
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(
            f"a user with email {user.email!r} already exists in this organization",
            metadata={"field": "email"},
        ) from None


def _list(session: Session, organization_id: str) -> list[dict[str, Any]]:
    users = session.scalars(
        select(User).where(User.organization_id == organization_id).order_by(User.created_at, User.id)
    )
    return [user_out(user) for user in users]
