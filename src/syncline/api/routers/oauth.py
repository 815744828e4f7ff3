"""Where an OAuth provider sends the user back after authorizing (interactive connect modes), and the page
that takes a user code. No API key here: the `state` parameter, known only to the session that started
the flow, identifies the connection. The paths carry the connection type (`/api/oauth/salesforce/...`)."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from syncline.api.deps import SessionDep, StateDep
from syncline.api.errors import BadRequest, NotFound
from syncline.connectors.capabilities import PendingAuthorization
from syncline.connectors.errors import ConnectorError
from syncline.connectors.registry import get_connection_type
from syncline.runtime.connection_state import DbCredentialStore
from syncline.runtime.context import lock_dir, oauth_app
from syncline.services import connection_config
from syncline.services.connections import CALLBACK_PATH, DEVICE_PATH, ConnectionStatus, set_status
from syncline.store.tables import Connection, OAuthSession
from syncline.store.types import utcnow

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
    pending = session.query(OAuthSession).filter(OAuthSession.user_code == user_code.strip().upper()).first()
    if pending is None or pending.expires_at <= utcnow():
        return HTMLResponse(
            _DEVICE_FORM.format(error="<p><b>That code is unknown or has expired.</b></p>"), status_code=404
        )
    return RedirectResponse(pending.authorize_url, status_code=302)


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
    pending = session.get(OAuthSession, state_param) if state_param else None
    if pending is None or pending.expires_at <= utcnow():
        raise NotFound(
            "this authorization is unknown or has expired; reconnect the connection to start again",
            key="oauth_state_unknown",
        )
    connection = session.get(Connection, pending.connection_id)
    if connection is None or connection.type != type_id:
        raise NotFound.resource("connection", pending.connection_id)
    ctype = get_connection_type(connection.type)
    assert ctype.oauth is not None  # only OAuth types open authorization sessions
    return_url = pending.return_url
    session.delete(pending)  # single use, whatever happens next
    if error or not code:
        reason = f"{ctype.name} did not authorize syncline: {error or 'no code'}" + (
            f" ({error_description})" if error_description else ""
        )
        set_status(connection, ConnectionStatus.UNHEALTHY, reason)
        session.commit()
        return _finish(return_url, connection.id, error=reason)
    stored = connection_config.load(connection, state.secret_box)
    config = ctype.validate_config(stored.merged())
    request = PendingAuthorization(
        url=pending.authorize_url,
        state=pending.state,
        code_verifier=state.secret_box.decrypt(pending.code_verifier),
        redirect_uri=pending.redirect_uri,
    )
    try:
        done = ctype.oauth.complete(config, request, code, oauth_app(state.settings, ctype))
    except ConnectorError as exc:
        set_status(connection, ConnectionStatus.UNHEALTHY, str(exc))
        session.commit()
        return _finish(return_url, connection.id, error=str(exc))
    updated = config.model_copy(update=done.settings)
    connection_config.save(connection, connection_config.split(ctype, updated), state.secret_box)
    set_status(connection, ConnectionStatus.HEALTHY)
    # The refresh token and the access token land in the same transaction as the connection's new state.
    credentials = DbCredentialStore(state.store, state.secret_box, lock_dir(state.settings), connection.id)
    credentials.save_in(session, done.tokens)
    session.commit()
    return _finish(return_url, connection.id, username=done.settings.get("username"))


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
