"""Organizations, users and API keys."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from syncline.api.models.common import RequestModel, ResponseModel

LEGACY_ROLES = ("admin", "user", "readonly")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class OrganizationIn(RequestModel):
    name: str = Field(min_length=1, max_length=255)
    sso_domain: str | None = None
    sso_org_id: str | None = None
    issuer: str | None = None
    client_id: str | None = None
    client_secret: str | None = None  # write-only: encrypted at rest, never returned


class OrganizationOut(BaseModel):
    id: str
    name: str
    sso_domain: str | None = None
    sso_org_id: str | None = None
    issuer: str | None = None


def _email_address(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError(f"{value!r} is not an email address")
    return value.lower()


class UserIn(RequestModel):
    email: str = Field(max_length=320)
    role: Literal["admin", "user", "readonly"] | None = None
    role_ids: list[str] | None = Field(default=None, min_length=1)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return _email_address(value)


class UserUpdate(RequestModel):
    """An update: what the SDK's `update_current_org_user` sends may be the role alone."""

    email: str | None = Field(None, max_length=320)
    role: Literal["admin", "user", "readonly"] | None = None
    role_ids: list[str] | None = Field(default=None, min_length=1)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return None if value is None else _email_address(value)


class UserOut(BaseModel):
    id: str
    email: str
    role: str | None = None
    role_ids: list[str] = []
    organization_id: str


class ApiKeyOut(BaseModel):
    value: str


# --- answers, named as the SDK names them ----------------------------------------------------------


class OrganizationEnvelope(ResponseModel):
    data: OrganizationOut


class OrganizationsEnvelope(ResponseModel):
    data: list[OrganizationOut]


class UserEnvelope(ResponseModel):
    data: UserOut


class ListUsersEnvelope(ResponseModel):
    data: list[UserOut]


class ApiKeyResponseEnvelope(ResponseModel):
    data: ApiKeyOut = Field(description="the new key: shown in this answer only, stored as a hash")


class IdentityCredentialSchema(ResponseModel):
    method: str | None = None
    mode: str | None = Field(None, description="partner or user")


class GetIdentityResponseSchema(ResponseModel):
    id: str | None = None
    email: str | None = None
    role: str | None = None
    organization_id: str | None = None
    organization_name: str | None = None
    is_user: bool | None = None
    is_partner: bool | None = None
    is_organization: bool | None = None
    is_system: bool | None = None
    credential: IdentityCredentialSchema | None = None


class GetIdentityResponseEnvelope(ResponseModel):
    data: GetIdentityResponseSchema
