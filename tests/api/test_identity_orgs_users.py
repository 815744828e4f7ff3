"""Identity, organizations, users and API keys through the official SDK."""

from __future__ import annotations

import uuid

import pytest
from polytomic import Polytomic
from polytomic.core.api_error import ApiError
from polytomic.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    UnauthorizedError,
    UnprocessableEntityError,
)

from tests.support.server import ServerProcess


def unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


def test_me_describes_the_partner_key(sdk: Polytomic) -> None:
    me = sdk.identity.get().data
    assert me.is_partner is True
    assert me.is_user is False
    assert me.organization_name == "Default"
    assert sdk.organization.get_current().data.id == me.organization_id


def test_bad_key_is_401(server: ServerProcess) -> None:
    client = Polytomic(token="sl_not_a_real_key", base_url=server.base_url, max_retries=0)
    with pytest.raises(UnauthorizedError) as err:
        client.identity.get()
    assert err.value.body.status == 401


def test_organization_crud(sdk: Polytomic) -> None:
    name = unique("Acme")
    org = sdk.organization.create(name=name, sso_domain="acme.example", client_secret="oidc-Secret9").data
    assert org.name == name
    assert org.sso_domain == "acme.example"
    assert org.id in [o.id for o in sdk.organization.list().data]
    assert sdk.organization.list().data[0].id == sdk.identity.get().data.organization_id  # own org first

    renamed = sdk.organization.update(id=org.id, name=name + "-2").data
    assert renamed.name == name + "-2"
    assert sdk.organization.get(id=org.id).data.name == name + "-2"

    sdk.organization.delete(id=org.id)
    with pytest.raises(NotFoundError):
        sdk.organization.get(id=org.id)


def test_duplicate_organization_name_is_409(sdk: Polytomic) -> None:
    name = unique("Dup")
    sdk.organization.create(name=name)
    with pytest.raises(ConflictError):
        sdk.organization.create(name=name)


def test_partner_cannot_delete_its_own_organization(sdk: Polytomic) -> None:
    with pytest.raises(ForbiddenError):
        sdk.organization.delete(id=sdk.identity.get().data.organization_id)


def test_user_crud_and_key_minting(sdk: Polytomic, server: ServerProcess) -> None:
    org = sdk.organization.create(name=unique("Users")).data
    user = sdk.users.create(org_id=org.id, email="Ada@Example.com", role="admin").data
    assert user.email == "ada@example.com"
    assert user.organization_id == org.id
    assert [u.id for u in sdk.users.list(org_id=org.id).data] == [user.id]
    sdk.users.create(org_id=org.id, email="keeper@example.com", role="admin")  # the last admin must stay

    updated = sdk.users.update(org_id=org.id, id=user.id, email="ada@example.com", role_ids=["role-1"]).data
    assert updated.role_ids == ["role-1"]
    assert sdk.users.get(org_id=org.id, id=user.id).data.role_ids == ["role-1"]

    first = sdk.users.create_api_key(org_id=org.id, id=user.id).data.value
    as_user = Polytomic(token=first, base_url=server.base_url, max_retries=0)
    me = as_user.identity.get().data
    assert (me.is_user, me.email, me.organization_id) == (True, "ada@example.com", org.id)

    with pytest.raises(ApiError) as err:  # the SDK declares no typed 409 here
        sdk.users.create_api_key(org_id=org.id, id=user.id)
    assert err.value.status_code == 409
    assert "force=true" in err.value.body["message"]
    second = sdk.users.create_api_key(org_id=org.id, id=user.id, force=True).data.value
    with pytest.raises(UnauthorizedError):
        as_user.identity.get()  # the first key was revoked by force=true
    assert Polytomic(token=second, base_url=server.base_url, max_retries=0).identity.get().data.id == user.id

    deleted = sdk.users.delete(org_id=org.id, id=user.id).data
    assert deleted.id == user.id
    with pytest.raises(UnauthorizedError):
        Polytomic(token=second, base_url=server.base_url, max_retries=0).identity.get()


def test_user_input_errors(sdk: Polytomic) -> None:
    org = sdk.organization.create(name=unique("Bad")).data
    with pytest.raises(UnprocessableEntityError) as err:
        sdk.users.create(org_id=org.id, email="not-an-email")
    assert err.value.body.metadata["errors"][0]["field"] == "email"
    with pytest.raises(UnprocessableEntityError) as err:
        sdk.users.create(org_id=org.id, email="a@b.co", role="superuser")
    assert "admin" in err.value.body.message
    with pytest.raises(UnprocessableEntityError):
        sdk.users.create(org_id=org.id, email="a@b.co", role="admin", role_ids=["r"])
    sdk.users.create(org_id=org.id, email="a@b.co")
    with pytest.raises(ApiError) as err:
        sdk.users.create(org_id=org.id, email="A@B.co")
    assert err.value.status_code == 409
    assert len(sdk.users.list(org_id=org.id).data) == 1


def test_user_key_cannot_administer_organizations(other_org_sdk: Polytomic, sdk: Polytomic) -> None:
    own = other_org_sdk.identity.get().data.organization_id
    assert [o.id for o in other_org_sdk.organization.list().data] == [own]
    with pytest.raises(ApiError) as err:  # the SDK declares no typed 403 for create
        other_org_sdk.organization.create(name=unique("nope"))
    assert err.value.status_code == 403
    assert "partner key" in err.value.body["message"]
    with pytest.raises(ForbiddenError):
        other_org_sdk.users.create(org_id=own, email="x@y.zz")
    partner_org = sdk.identity.get().data.organization_id
    with pytest.raises(NotFoundError):
        other_org_sdk.organization.get(id=partner_org)
    with pytest.raises(NotFoundError):
        other_org_sdk.users.list(org_id=partner_org)


def test_own_organization_user_paths(other_org_sdk: Polytomic) -> None:
    created = other_org_sdk.users.create_current_org_user(email="colleague@example.com").data
    listed = [u.email for u in other_org_sdk.users.list_current_org_users().data]
    assert "colleague@example.com" in listed
    assert other_org_sdk.users.get_current_org_user(id=created.id).data.email == "colleague@example.com"
    other_org_sdk.users.delete_current_org_user(id=created.id)
    with pytest.raises(NotFoundError):
        other_org_sdk.users.get_current_org_user(id=created.id)
