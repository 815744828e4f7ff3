from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from syncline import __version__
from syncline.api.deps import SessionDep

router = APIRouter(tags=["health"])


@router.api_route("/healthz", methods=["GET", "HEAD"])
def healthz(session: SessionDep) -> dict[str, str]:
    """Liveness and metadata-store reachability; needs no API key."""
    session.execute(text("SELECT 1"))
    return {"status": "ok", "version": __version__}
