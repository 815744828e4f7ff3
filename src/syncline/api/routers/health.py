from __future__ import annotations

from fastapi import APIRouter

from syncline import __version__
from syncline.api.models.common import ResponseModel

router = APIRouter(tags=["health"])


class Health(ResponseModel):
    status: str
    version: str


@router.head("/healthz", include_in_schema=False)  # one operation in the document, not two of one id
@router.get("/healthz", response_model=Health)
async def healthz() -> dict[str, str]:
    """Liveness only; needs no API key.

    It takes no store session and no worker thread (async), so it answers while the metadata store is
    slow, its pool exhausted or the database gone.
    """
    return {"status": "ok", "version": __version__}
