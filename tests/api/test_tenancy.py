"""A key of one organization sees nothing of another: every foreign id answers 404."""

from __future__ import annotations

import time
import uuid

import duckdb
import httpx
import pytest
from polytomic import Polytomic
from polytomic.core.api_error import ApiError
from polytomic.errors import NotFoundError

from tests.support.server import ServerProcess, organization_files


@pytest.fixture
def partner_connection_id(sdk: Polytomic) -> str:
    return sdk.connections.create(
        name=f"tenant-{uuid.uuid4().hex[:6]}", type="duckdb", configuration={"path": "tenancy.duckdb"}
    ).data.id


def test_foreign_connection_is_invisible(other_org_sdk: Polytomic, partner_connection_id: str) -> None:
    assert partner_connection_id not in [c.id for c in other_org_sdk.connections.list().data]
    with pytest.raises(NotFoundError):
        other_org_sdk.connections.get(id=partner_connection_id)
    with pytest.raises(NotFoundError):
        other_org_sdk.connections.update(
            id=partner_connection_id, name="stolen", configuration={"path": "x.duckdb"}
        )
    with pytest.raises(NotFoundError):
        other_org_sdk.connections.delete(id=partner_connection_id, force=True)
    with pytest.raises(NotFoundError):
        other_org_sdk.connections.test_connection(
            type="duckdb", configuration={}, connection_id=partner_connection_id
        )


def test_foreign_connection_is_untouched_after_attempts(
    sdk: Polytomic, other_org_sdk: Polytomic, partner_connection_id: str
) -> None:
    with pytest.raises(NotFoundError):
        other_org_sdk.connections.delete(id=partner_connection_id)
    assert sdk.connections.get(id=partner_connection_id).data.name.startswith("tenant-")


def test_foreign_organization_and_users_are_invisible(sdk: Polytomic, other_org_sdk: Polytomic) -> None:
    partner_org = sdk.identity.get().data.organization_id
    with pytest.raises(NotFoundError):
        other_org_sdk.organization.get(id=partner_org)
    with pytest.raises(NotFoundError):
        other_org_sdk.users.get(org_id=partner_org, id=str(uuid.uuid4()))


def test_partner_cannot_reach_organizations_of_another_partner_tree(
    sdk: Polytomic, server: ServerProcess
) -> None:
    # An organization managed by the partner, whose user then tries a sibling organization's users.
    first = sdk.organization.create(name=f"a-{uuid.uuid4().hex[:6]}").data
    second = sdk.organization.create(name=f"b-{uuid.uuid4().hex[:6]}").data
    user = sdk.users.create(org_id=first.id, email="first@example.com").data
    key = sdk.users.create_api_key(org_id=first.id, id=user.id).data.value
    as_first = Polytomic(token=key, base_url=server.base_url, max_retries=0)
    with pytest.raises(NotFoundError):
        as_first.users.list(org_id=second.id)
    with pytest.raises(NotFoundError):
        as_first.organization.get(id=second.id)


def test_partner_creates_a_connection_inside_a_managed_organization(
    sdk: Polytomic, server: ServerProcess
) -> None:
    org = sdk.organization.create(name=f"managed-{uuid.uuid4().hex[:6]}").data
    created = sdk.connections.create(
        name="for-child", type="duckdb", configuration={"path": "child.duckdb"}, organization_id=org.id
    ).data
    assert created.organization_id == org.id
    user = sdk.users.create(org_id=org.id, email="child@example.com").data
    child = Polytomic(
        token=sdk.users.create_api_key(org_id=org.id, id=user.id).data.value,
        base_url=server.base_url,
        max_retries=0,
    )
    assert [c.id for c in child.connections.list().data] == [created.id]
    # ...and the partner's own list does not mix the child's connections in.
    assert created.id not in [c.id for c in sdk.connections.list().data]


def test_user_key_cannot_target_another_organization_id(other_org_sdk: Polytomic, sdk: Polytomic) -> None:
    partner_org = sdk.identity.get().data.organization_id
    with pytest.raises(ApiError) as err:  # the SDK declares no typed 404 for create
        other_org_sdk.connections.create(
            name="x", type="duckdb", configuration={"path": "x.duckdb"}, organization_id=partner_org
        )
    assert err.value.status_code == 404


def test_an_organization_cannot_name_another_organizations_duckdb_file(
    http: httpx.Client, server: ServerProcess, other_org_sdk: Polytomic
) -> None:
    """Issue 8, item 2: relative paths live in the organization's own directory; before, any organization
    naming `orgA.duckdb` read organization A's warehouse."""
    name = f"warehouse-{uuid.uuid4().hex[:6]}.duckdb"
    mine = http.post(
        "/api/connections",
        json={"name": "mine", "type": "duckdb", "validate": True, "configuration": {"path": name}},
    ).json()["data"]
    files = organization_files(server.data_dir, mine["organization_id"])
    with duckdb.connect(str(files / name)) as conn:
        conn.execute("CREATE TABLE secrets AS SELECT 'partner data' AS value")
    theirs = other_org_sdk.connections.create(
        name="theirs", type="duckdb", configuration={"path": name}, validate=True
    )
    started = other_org_sdk.query_runner.run_query(
        connection_id=theirs.data.id, query="SELECT * FROM secrets"
    )
    for _ in range(200):
        result = other_org_sdk.query_runner.get_query(id=started.data.id).data
        if result.status in {"done", "failed"}:
            break
        time.sleep(0.05)
    assert result.status == "failed"  # their own, empty database: no such table
    assert "partner data" not in str(result.error)


def test_a_duckdb_path_outside_the_organizations_directory_is_refused(
    http: httpx.Client, server: ServerProcess
) -> None:
    for path, field_message in (
        (str(server.data_dir / "secret.key"), "SYNCLINE_DUCKDB_ROOTS"),
        ("../other/warehouse.duckdb", "'..'"),
        ("~/warehouse.duckdb", "'~'"),
    ):
        answer = http.post(
            "/api/connections", json={"name": "escape", "type": "duckdb", "configuration": {"path": path}}
        )
        assert answer.status_code == 422, answer.text
        error = answer.json()["metadata"]["errors"][0]
        assert error["field"] == "configuration.path"
        assert field_message in error["message"]
