"""`/healthz` is liveness only: it answers while the metadata database is gone."""

from __future__ import annotations

from pathlib import Path

import httpx
import psycopg
import pytest

from tests.conftest import API_KEY, PG_ADMIN_URL, fresh_pg_database
from tests.support.server import ServerProcess, free_port


@pytest.mark.postgres
def test_healthz_answers_after_the_database_is_dropped(tmp_path: Path) -> None:
    with fresh_pg_database() as url:
        server = ServerProcess(
            data_dir=tmp_path,
            database_url=url.replace("postgresql://", "postgresql+psycopg://", 1),
            api_key=API_KEY,
            port=free_port(),
            backend="postgresql",
            extra_env={"SYNCLINE_DB_POOL_SIZE": "1", "SYNCLINE_DB_MAX_OVERFLOW": "0"},
        )
        server.start()
        try:
            headers = {"Authorization": f"Bearer {API_KEY}"}
            assert httpx.get(f"{server.base_url}/api/me", headers=headers, timeout=30).status_code == 200
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:  # terminates the server's sessions
                admin.execute(f'DROP DATABASE "{url.rsplit("/", 1)[1]}" WITH (FORCE)')

            assert httpx.get(f"{server.base_url}/api/me", headers=headers, timeout=30).status_code == 500
            health = httpx.get(f"{server.base_url}/healthz", timeout=30)
            assert health.status_code == 200
            assert health.json()["status"] == "ok"
        finally:
            server.stop()
