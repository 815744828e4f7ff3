"""The bootstrap organization and its system (partner) key, created on first start."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from syncline.store.keys import find_active_key, issue_key
from syncline.store.tables import ApiKey, Organization

BOOTSTRAP_ORGANIZATION_NAME = "Default"


@dataclass(frozen=True)
class Bootstrap:
    organization_id: str
    new_key: str | None  # plaintext of a key generated just now, to print once; None otherwise


def bootstrap(session: Session, configured_key: str | None) -> Bootstrap:
    """Make sure the bootstrap organization exists and `configured_key` (if any) is a system key of it.

    Without a configured key, one is generated the first time only; later starts print nothing.
    """
    org = session.scalars(
        select(Organization).where(Organization.partner_id.is_(None)).order_by(Organization.created_at)
    ).first()
    if org is None:
        org = Organization(name=BOOTSTRAP_ORGANIZATION_NAME)
        session.add(org)
        session.flush()
    if configured_key:
        if find_active_key(session, configured_key) is None:
            issue_key(session, org.id, kind="system", value=configured_key)
        return Bootstrap(org.id, None)
    has_system_key = session.scalars(
        select(ApiKey.id).where(ApiKey.kind == "system", ApiKey.revoked_at.is_(None))
    ).first()
    if has_system_key:
        return Bootstrap(org.id, None)
    return Bootstrap(org.id, issue_key(session, org.id, kind="system"))
