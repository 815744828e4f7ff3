from __future__ import annotations

from typing import Any

from syncline.api.deps import CallerDep, SessionDep
from syncline.api.models.organizations import GetIdentityResponseEnvelope
from syncline.api.routing import api_router
from syncline.store.tables import Organization, User

router = api_router(tags=["identity"])


@router.get("/me", response_model=GetIdentityResponseEnvelope)
def get_identity(caller: CallerDep, session: SessionDep) -> dict[str, Any]:
    """Who the API key belongs to; the documented way to check a key."""
    org = session.get(Organization, caller.organization_id)
    user = session.get(User, caller.user_id) if caller.user_id else None
    return {
        "data": {
            "id": caller.actor_id,
            "email": user.email if user else None,
            "role": (user.role or "admin") if user else "admin",
            "organization_id": caller.organization_id,
            "organization_name": org.name if org else None,
            "is_user": caller.kind == "user",
            "is_partner": caller.is_partner,
            "is_organization": False,
            "is_system": caller.is_partner,
            "credential": {"method": "api_key", "mode": "user" if caller.kind == "user" else "partner"},
        }
    }
