"""Process settings, read once from the environment.

Every setting has a default that works on a laptop: state in `./.syncline`, metadata in SQLite there.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA_DIR = ".syncline"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    api_key: str | None
    secret_key: str | None
    # syncline's own Salesforce connected app, for browser/code connections that bring none.
    salesforce_client_id: str | None = None
    salesforce_client_secret: str | None = None

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        data_dir = Path(env.get("SYNCLINE_DATA_DIR") or DEFAULT_DATA_DIR).expanduser().resolve()
        database_url = env.get("SYNCLINE_DATABASE_URL") or f"sqlite:///{data_dir / 'syncline.db'}"
        return cls(
            data_dir=data_dir,
            database_url=database_url,
            api_key=env.get("SYNCLINE_API_KEY") or None,
            secret_key=env.get("SYNCLINE_SECRET_KEY") or None,
            salesforce_client_id=env.get("SYNCLINE_SALESFORCE_CLIENT_ID") or None,
            salesforce_client_secret=env.get("SYNCLINE_SALESFORCE_CLIENT_SECRET") or None,
        )

    def ensure_data_dir(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
