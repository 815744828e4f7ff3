"""Start and stop `syncline serve` as a real process on loopback."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

# The key of every test server on PostgreSQL, where syncline requires one (SQLite servers generate theirs).
PG_SECRET_KEY = "Qm9vdHN0cmFwLXRlc3Qtc2VjcmV0LWtleS0wMTIzNDU="


def secret_key_env(database_url: str) -> dict[str, str]:
    """`SYNCLINE_SECRET_KEY` for a server on `database_url`: the shared test key on PostgreSQL."""
    return {"SYNCLINE_SECRET_KEY": PG_SECRET_KEY} if database_url.startswith("postgresql") else {}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ServerProcess:
    data_dir: Path
    database_url: str
    api_key: str | None
    port: int
    backend: str = "sqlite"
    extra_env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "server.log"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCLINE_")}
        env.update(secret_key_env(self.database_url))
        env.update(
            SYNCLINE_DATA_DIR=str(self.data_dir), SYNCLINE_DATABASE_URL=self.database_url, **self.extra_env
        )
        if self.api_key:
            env["SYNCLINE_API_KEY"] = self.api_key
        return env

    def start(self, timeout: float = 30) -> None:
        self.launch()
        self.wait_healthy(timeout)

    def launch(self) -> None:
        """Start the process without waiting for it (see `wait_healthy`): to start several at once."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:  # the child writes to its own copy of the descriptor
            self.process = subprocess.Popen(
                [sys.executable, "-m", "syncline.cli", "serve", "--port", str(self.port)],
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_healthy(self, timeout: float = 30) -> None:
        assert self.process is not None, "launch() first"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"syncline exited early:\n{self.log_path.read_text()}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"syncline did not become healthy:\n{self.log_path.read_text()}")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


def organization_files(data_dir: Path, organization_id: str) -> Path:
    """Where an organization's local files (DuckDB databases) live under a server's data dir."""
    path = data_dir / "orgs" / organization_id
    path.mkdir(parents=True, exist_ok=True)
    return path
