"""Organizations: the caller's own (`/api/organization`) and those a partner key manages."""

from __future__ import annotations

from typing import Any

from fastapi import Response
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from syncline.api.auth import Caller, managed_organization
from syncline.api.deps import CallerDep, SessionDep, StateDep
from syncline.api.errors import Conflict, Forbidden, NotFound
from syncline.api.models.organizations import (
    OrganizationEnvelope,
    OrganizationIn,
    OrganizationOut,
    OrganizationsEnvelope,
)
from syncline.api.routing import api_router
from syncline.store.tables import Organization

router = api_router(tags=["organizations"])


def organization_out(org: Organization) -> dict[str, Any]:
    return OrganizationOut(
        id=org.id, name=org.name, sso_domain=org.sso_domain, sso_org_id=org.sso_org_id, issuer=org.issuer
    ).model_dump()


def load_organization(session: Session, caller: Caller, organization_id: str) -> Organization:
    org = managed_organization(session, caller, organization_id)
    if org is None:
        raise NotFound.resource("organization", organization_id)
    return org


def _ensure_unique_name(session: Session, caller: Caller, name: str, exclude_id: str | None = None) -> None:
    query = select(Organization.id).where(
        Organization.name == name,
        or_(Organization.id == caller.organization_id, Organization.partner_id == caller.organization_id),
    )
    if exclude_id:
        query = query.where(Organization.id != exclude_id)
    if session.scalars(query).first():
        raise Conflict(
            f"an organization named {name!r} already exists in this partner account",
            metadata={"field": "name"},
        )


@router.get("/organization", response_model=OrganizationEnvelope)
def get_current_organization(caller: CallerDep, session: SessionDep) -> dict[str, Any]:
    return {"data": organization_out(load_organization(session, caller, caller.organization_id))}


@router.get("/organizations", response_model=OrganizationsEnvelope)
def list_organizations(caller: CallerDep, session: SessionDep) -> dict[str, Any]:
    """The partner's own organization first, then those it manages; a user key sees only its own."""
    own = load_organization(session, caller, caller.organization_id)
    managed: list[Organization] = []
    if caller.is_partner:
        managed = list(
            session.scalars(
                select(Organization)
                .where(Organization.partner_id == caller.organization_id)
                .order_by(Organization.created_at, Organization.id)
            )
        )
    return {"data": [organization_out(org) for org in [own, *managed]]}


@router.post("/organizations", response_model=OrganizationEnvelope)
def create_organization(
    body: OrganizationIn, caller: CallerDep, session: SessionDep, state: StateDep
) -> dict[str, Any]:
    caller.require_partner("creating an organization")
    _ensure_unique_name(session, caller, body.name)
    org = Organization(partner_id=caller.organization_id)
    _apply(org, body, state)
    session.add(org)
    session.flush()
    return {"data": organization_out(org)}


@router.get("/organizations/{organization_id}", response_model=OrganizationEnvelope)
def get_organization(organization_id: str, caller: CallerDep, session: SessionDep) -> dict[str, Any]:
    return {"data": organization_out(load_organization(session, caller, organization_id))}


@router.put("/organizations/{organization_id}", response_model=OrganizationEnvelope)
def update_organization(
    organization_id: str, body: OrganizationIn, caller: CallerDep, session: SessionDep, state: StateDep
) -> dict[str, Any]:
    org = load_organization(session, caller, organization_id)
    caller.require_partner("updating an organization")
    _ensure_unique_name(session, caller, body.name, exclude_id=org.id)
    _apply(org, body, state)
    session.flush()
    return {"data": organization_out(org)}


@router.delete("/organizations/{organization_id}", status_code=204)
def delete_organization(organization_id: str, caller: CallerDep, session: SessionDep) -> Response:
    org = load_organization(session, caller, organization_id)
    caller.require_partner("deleting an organization")
    if org.id == caller.organization_id:
        raise Forbidden("a partner cannot delete its own organization", metadata={"id": org.id})
    session.delete(org)
    return Response(status_code=204)


def _apply(org: Organization, body: OrganizationIn, state: StateDep) -> None:
    org.name = body.name
    org.sso_domain = body.sso_domain
    org.sso_org_id = body.sso_org_id
    org.issuer = body.issuer
    org.oidc_client_id = body.client_id
    # Omitting the write-only secret keeps the stored one, as for connection secrets.
    if body.client_secret is not None:
        org.oidc_client_secret = state.secret_box.encrypt(body.client_secret)
