"""FastAPI dependencies: a store session per request and the authenticated caller."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from syncline.api.auth import Caller, authenticate, bearer_token
from syncline.services.container import Services


def app_state(request: Request) -> Services:
    return request.app.state.syncline


def db_session(request: Request) -> Iterator[Session]:
    with app_state(request).store.session() as session:
        yield session


# scope="function": commit before the response is sent, so a failed commit is never reported as success,
# and an error raised by the endpoint rolls everything back.
SessionDep = Annotated[Session, Depends(db_session, scope="function")]


# Declares the bearer scheme in the OpenAPI document (the Authorize button of /docs) for every operation that
# takes a caller; `auto_error=False` because `bearer_token` answers a missing or malformed key itself.
bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="api_key",
    description="An API key of syncline: the partner key or a user key (`Authorization: Bearer <key>`).",
)
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]


def current_caller(request: Request, session: SessionDep, _declared: BearerDep) -> Caller:
    caller = authenticate(session, bearer_token(request))
    caller.require_method_allowed(request.method)
    return caller


CallerDep = Annotated[Caller, Depends(current_caller)]
StateDep = Annotated[Services, Depends(app_state)]
