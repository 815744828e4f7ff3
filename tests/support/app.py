"""syncline in-process: the real app on a real store, driven through Starlette's TestClient.

For router tests that need a setting of their own or a look inside the process (the store's pool, the
services) without a second server process. `serve=True` runs the app's lifespan (the job executor).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi.testclient import TestClient

from syncline.api.app import create_app
from syncline.services.container import Services, open_services
from syncline.settings import Settings
from tests.support.server import secret_key_env

API_KEY = "sl_test_in_process_key_0123456789"


@contextmanager
def in_process_app(
    data_dir: Path, *, database_url: str | None = None, serve: bool = False, **settings: str
) -> Iterator[tuple[TestClient, Services]]:
    """A client of a fresh syncline (its bootstrap partner key set) and the services behind it."""
    env = {"SYNCLINE_DATA_DIR": str(data_dir), "SYNCLINE_API_KEY": API_KEY}
    if database_url:
        env["SYNCLINE_DATABASE_URL"] = database_url
        env.update(secret_key_env(database_url))
    env.update({f"SYNCLINE_{name.upper()}": value for name, value in settings.items()})
    services, _ = open_services(Settings.from_env(env))
    client = TestClient(create_app(services), headers={"Authorization": f"Bearer {API_KEY}"})
    try:
        if serve:
            with client:
                yield client, services
        else:
            yield client, services
    finally:
        services.close()
        services.store.dispose()
