"""Schemathesis over `/openapi.json` with the partner key: no generated request gets a 5xx, and every answer
is one the document declares (status, content type, body schema, no undeclared fields).

Every operation of the document is called with requests generated from its schema (valid ones, then
invalid ones), against a real `syncline serve` on each metadata store. Generation is derandomized and
uses no example database, so every run sends the same requests; shrinking is off, so a failure costs one
report, not a search. All failures are collected and reported together.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.openapi import undeclared
from tests.support.server import ServerProcess, free_port

CONFORMANCE = [status_code_conformance, content_type_conformance, response_schema_conformance]
MAX_EXAMPLES = {GenerationMode.POSITIVE: 12, GenerationMode.NEGATIVE: 6}
# Each operation's examples are one hypothesis run: deterministic, no shrinking, no slow-data complaints.
FUZZ_SETTINGS = settings(
    max_examples=1,  # replaced per mode below
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(params=["sqlite", "postgresql"])
def fuzzed(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerProcess]:
    """A server of the test's own: what the fuzzer creates stays out of the shared servers."""
    data_dir = tmp_path / "syncline"
    data_dir.mkdir()
    if request.param == "sqlite":
        database_url = f"sqlite:///{data_dir / 'syncline.db'}"
    else:  # a database of its own too: the session's shared one holds secrets under another key
        database_url = request.getfixturevalue("scratch_pg_database").replace(
            "postgresql://", "postgresql+psycopg://", 1
        )
    proc = ServerProcess(
        data_dir=data_dir,
        database_url=database_url,
        api_key=f"sl_fuzz_{uuid.uuid4().hex}",
        port=free_port(),
        backend=request.param,
    )
    proc.start()
    yield proc
    proc.stop()


def known_ids(server: ServerProcess, auth: dict[str, str]) -> dict[str, str]:
    """Ids of real resources, so generated requests reach past the 404 of a random id: an organization the
    partner manages with an admin, a user of the partner's own organization, a DuckDB connection and a
    query on it. (No Salesforce connection: its calls would go to an unreachable upstream and answer 502.)"""
    with httpx.Client(base_url=server.base_url, headers=auth, timeout=30) as http:

        def data(answer: httpx.Response) -> dict[str, Any]:
            assert answer.status_code == 200, answer.text
            return dict(answer.json()["data"])

        managed = data(http.post("/api/organizations", json={"name": "fuzz-managed"}))["id"]
        admin = data(http.post(f"/api/organizations/{managed}/users", json={"email": "a@fuzz.example"}))
        own_user = data(
            http.post("/api/organization/users", json={"email": "u@fuzz.example", "role": "user"})
        )
        duck = data(
            http.post(
                "/api/connections", json={"name": "fuzz", "type": "duckdb", "configuration": {"path": "f.db"}}
            )
        )
        query = data(http.post(f"/api/connections/{duck['id']}/query", json={"query": "SELECT 1 AS one"}))
    return {
        "org_id": managed,
        "organization_id": managed,
        "user_id": admin["id"],
        "own_user_id": own_user["id"],
        "connection_id": duck["id"],
        "query_id": query["id"],
        "job_id": query["id"],
        "job_type": "query",
        "type_id": "duckdb",
    }


def with_known_ids(case: Case, ids: dict[str, str]) -> None:
    """Point the case's path at real resources (not for DELETE: they must stay for the cases after it)."""
    if case.method.upper() == "DELETE" or not case.path_parameters:
        return
    own = case.path.startswith("/api/organization/")
    for name in case.path_parameters:
        key = "own_user_id" if own and name == "user_id" else name
        if key in ids:
            case.path_parameters[name] = ids[key]


def test_generated_requests_get_no_5xx_and_documented_answers(fuzzed: ServerProcess) -> None:
    schema = schemathesis.openapi.from_url(f"{fuzzed.base_url}/openapi.json")
    auth = {"Authorization": f"Bearer {fuzzed.api_key}"}
    ids = known_ids(fuzzed, auth)
    components = httpx.get(f"{fuzzed.base_url}/openapi.json").json()["components"]["schemas"]
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode, examples in MAX_EXAMPLES.items():
            strategy = operation.as_strategy(generation_mode=mode)

            @settings(FUZZ_SETTINGS, max_examples=examples)
            @given(case=strategy, real=st.booleans())
            def run(case: Case, real: bool) -> None:
                if real:
                    with_known_ids(case, ids)
                response = case.call(base_url=fuzzed.base_url, headers=auth, timeout=30)
                if response.status_code >= 500:
                    failures.append(_describe(case, response, auth))
                    return
                try:  # every answer is one the document declares, in the shape it declares
                    case.validate_response(response, checks=CONFORMANCE)
                except FailureGroup as exc:
                    failures.append(f"{exc}\n    {_describe(case, response, auth)}")
                extra = list(_undeclared_fields(case, response, components))
                if extra:
                    failures.append(f"undeclared fields {extra}\n    {_describe(case, response, auth)}")

            try:
                run()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE, operation.label  # nothing to get wrong: no inputs
    assert operations > 30  # the document was read whole
    crashes = [line for line in fuzzed.log_text().splitlines() if '"unhandled error"' in line]
    assert failures == [], "\n\n".join([*failures[:20], *crashes[:3]])


def _undeclared_fields(case: Case, response: Any, components: dict[str, Any]) -> Iterator[str]:
    content_type = " ".join(response.headers.get("content-type", []))  # lowercase names, list values
    if not 200 <= response.status_code < 300 or "json" not in content_type:
        return
    answers = case.operation.definition.raw["responses"]
    schema = answers.get(str(response.status_code), {}).get("content", {}).get("application/json", {})
    yield from undeclared(response.json(), schema.get("schema", {}), components)


def _describe(case: Case, response: Any, auth: dict[str, str]) -> str:
    return f"{response.status_code} {response.text[:300]}\n    {case.as_curl_command(headers=auth)}"
