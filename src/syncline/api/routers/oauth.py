"""Where an OAuth provider sends the user back after authorizing (interactive connect modes), and the page
that takes a user code. No API key here: the `state` parameter, known only to the session that started
the flow, identifies the connection. The paths carry the connection type (`/api/oauth/salesforce/...`)."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from syncline.api.deps import SessionDep, StateDep
from syncline.api.errors import BadRequest, NotFound
from syncline.services.authorization import (
    CALLBACK_PATH,
    DEVICE_PATH,
    authorize_url_for_code,
    finish_authorization,
)

router = APIRouter(tags=["oauth"])

_DEVICE_FORM = """<!doctype html><title>Connect</title>
<h1>Connect</h1><p>Enter the code syncline gave you.</p>{error}
<form method="get"><input name="user_code" placeholder="ABCD-EFGH" autofocus>
<button>Continue</button></form>"""


@router.get(DEVICE_PATH.format(type="{type_id}"), response_class=HTMLResponse)
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


@router.get(CALLBACK_PATH.format(type="{type_id}"))
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
