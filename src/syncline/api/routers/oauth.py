"""Where an OAuth provider sends the user back after authorizing (interactive connect modes), and the page
that takes a user code. No API key here: the `state` parameter, known only to the session that started
the flow, identifies the connection. The paths carry the connection type (`/api/oauth/salesforce/...`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Query
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import Field

from syncline.api.deps import SessionDep, StateDep
from syncline.api.errors import BadRequest, NotFound
from syncline.api.models.common import ResponseModel
from syncline.api.routing import api_router, error_responses, json_error_responses
from syncline.services.authorization import (
    CALLBACK_PATH,
    DEVICE_PATH,
    authorize_url_for_code,
    finish_authorization,
)

router = api_router(tags=["oauth"], prefix="", errors=())


class OAuthOutcome(ResponseModel):
    connection_id: str
    status: str = Field(description="healthy, or unhealthy when the provider refused")
    username: str | None = None


class OAuthOutcomeEnvelope(ResponseModel):
    data: OAuthOutcome


_CALLBACK_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"model": OAuthOutcomeEnvelope, "description": "Authorized (when the flow has no redirect_url)"},
    302: {"description": "Back to the redirect_url, with connection_id and status (and error) appended"},
    **error_responses(400, 404, 422),
}

_DEVICE_FORM = """<!doctype html><title>Connect</title>
<h1>Connect</h1><p>Enter the code syncline gave you.</p>{error}
<form method="get"><input name="user_code" placeholder="ABCD-EFGH" autofocus>
<button>Continue</button></form>"""


_HTML = {"text/html": {"schema": {"type": "string"}}}
# The page is HTML (an unknown code shows the form again, with a 404); invalid input is the JSON error body.
_DEVICE_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"description": "The form that takes the code", "content": _HTML},
    302: {"description": "On to the provider's authorization page"},
    404: {"description": "Unknown or expired code: the form again", "content": _HTML},
    **json_error_responses(400, 422),
}


@router.get(DEVICE_PATH.format(type="{type_id}"), response_class=HTMLResponse, responses=_DEVICE_ANSWERS)
def device(type_id: str, session: SessionDep, user_code: str | None = Query(None)) -> Response:
    """`code` mode: the user enters the code from the create response, then goes on to the provider."""
    del type_id  # the code alone identifies the authorization
    if not user_code:
        return HTMLResponse(_DEVICE_FORM.format(error=""))
    authorize_url = authorize_url_for_code(session, user_code)
    if authorize_url is None:
        return HTMLResponse(
            _DEVICE_FORM.format(error="<p><b>That code is unknown or has expired.</b></p>"), status_code=404
        )
    return RedirectResponse(authorize_url, status_code=302)


@router.get(CALLBACK_PATH.format(type="{type_id}"), responses=_CALLBACK_ANSWERS)
def callback(
    type_id: str,
    session: SessionDep,
    state: StateDep,
    code: str | None = Query(None),
    state_param: str | None = Query(None, alias="state"),
    error: str | None = Query(None),
    error_description: str | None = Query(None),
) -> Response:
    outcome = finish_authorization(
        state, session, type_id, state_param, code=code, error=error, error_description=error_description
    )
    if outcome is None:
        raise NotFound(
            "this authorization is unknown or has expired; reconnect the connection to start again",
            key="oauth_state_unknown",
        )
    session.commit()  # the outcome is stored whether the person is told of success or failure
    return _finish(outcome.return_url, outcome.connection_id, error=outcome.error, username=outcome.username)


def _finish(
    return_url: str | None, connection_id: str, *, error: str | None = None, username: str | None = None
) -> Response:
    outcome = {"connection_id": connection_id, "status": "unhealthy" if error else "healthy"}
    if return_url:
        separator = "&" if "?" in return_url else "?"
        extra = {"error": error} if error else {}
        return RedirectResponse(f"{return_url}{separator}{urlencode({**outcome, **extra})}", status_code=302)
    if error:
        raise BadRequest(error, key="authorization_failed", metadata=outcome)
    return JSONResponse({"data": {**outcome, "username": username}})
