"""FastAPI dependencies: a store session per request and the authenticated caller."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
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


def current_caller(request: Request, session: SessionDep) -> Caller:
    caller = authenticate(session, bearer_token(request))
    caller.require_method_allowed(request.method)
    return caller


CallerDep = Annotated[Caller, Depends(current_caller)]
StateDep = Annotated[Services, Depends(app_state)]
