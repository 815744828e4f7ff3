"""Bulk API calls the tests share: run an ingest job, read its results, run a query job."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

import httpx
import requests
from simple_salesforce import Salesforce

from sfemu.bulk1 import routes as bulk1_routes
from sfemu.bulk2 import routes as bulk2_routes
from sfemu.config import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from tests.support.sfemu import EmulatorServer

V = "/services/data/v62.0"
INGEST = f"{V}/jobs/ingest"
QUERY = f"{V}/jobs/query"
ASYNC = "/services/async/62.0/job"


@dataclass
class BulkOrg:
    server: EmulatorServer
    token: str

    def client(self, headers: dict[str, str] | None = None) -> httpx.Client:
        """An httpx client sending the session as `Authorization: Bearer` (Bulk 2.0)."""
        return self.server.client(
            headers={"Authorization": f"Bearer {self.token}", **(headers or {})}, timeout=60
        )

    def bulk1_client(self, headers: dict[str, str] | None = None) -> httpx.Client:
        """An httpx client sending the session as `X-SFDC-Session` (Bulk 1.0)."""
        return self.server.client(headers={"X-SFDC-Session": self.token, **(headers or {})}, timeout=60)

    def salesforce(self) -> Salesforce:
        session = requests.Session()
        session.trust_env = False  # else REQUESTS_CA_BUNDLE overrides `verify`
        session.verify = str(self.server.ca_path) if self.server.ca_path else True
        return Salesforce(
            instance_url=self.server.base_url, session_id=self.token, version="62.0", session=session
        )


def attach(server: EmulatorServer) -> BulkOrg:
    """The org of a running emulator, with a client-credentials token."""
    # Until app.py mounts the Bulk routes, add them to the running app (routes are read per request).
    router = server.app.router  # type: ignore[attr-defined]
    if not any(getattr(route, "path", "").startswith("/services/async/") for route in router.routes):
        router.routes.extend([*bulk2_routes(), *bulk1_routes()])
    with server.client() as client:
        response = client.post(
            "/services/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": DEFAULT_CLIENT_ID,
                "client_secret": DEFAULT_CLIENT_SECRET,
            },
        )
    assert response.status_code == 200, response.text
    return BulkOrg(server, response.json()["access_token"])


def create_ingest(client: httpx.Client, obj: str, operation: str, **fields: Any) -> dict[str, Any]:
    response = client.post(INGEST, json={"object": obj, "operation": operation, **fields})
    assert response.status_code == 200, response.text
    return dict(response.json())


def ingest(client: httpx.Client, obj: str, operation: str, data: str, **fields: Any) -> dict[str, Any]:
    """Create, upload, close and poll once: the job info of the first poll."""
    job = create_ingest(client, obj, operation, **fields)
    upload = client.put(
        f"{INGEST}/{job['id']}/batches", content=data.encode(), headers={"Content-Type": "text/csv"}
    )
    assert upload.status_code == 201, upload.text
    closed = client.patch(f"{INGEST}/{job['id']}", json={"state": "UploadComplete"})
    assert closed.status_code == 200, closed.text
    return dict(client.get(f"{INGEST}/{job['id']}").json())


def result_text(client: httpx.Client, job_id: str, kind: str) -> str:
    response = client.get(f"{INGEST}/{job_id}/{kind}/", headers={"Accept": "text/csv"})
    assert response.status_code == 200, response.text
    return response.text


def result_rows(client: httpx.Client, job_id: str, kind: str, delimiter: str = ",") -> list[dict[str, str]]:
    text = result_text(client, job_id, kind)
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))


def create_query(client: httpx.Client, soql: str, operation: str = "query", **fields: Any) -> httpx.Response:
    return client.post(
        QUERY, json={"operation": operation, "query": soql, **fields}, headers={"Accept": "text/csv"}
    )


def query_rows(client: httpx.Client, soql: str, operation: str = "query") -> list[dict[str, str]]:
    """Run a Bulk 2.0 query to the end and return every record (one page)."""
    job = create_query(client, soql, operation).json()
    assert client.get(f"{QUERY}/{job['id']}").json()["state"] == "JobComplete"
    response = client.get(f"{QUERY}/{job['id']}/results")
    return list(csv.DictReader(io.StringIO(response.text, newline="")))


def error_code(response: httpx.Response) -> str:
    return str(response.json()[0]["errorCode"])
