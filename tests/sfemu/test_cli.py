"""The `sfemu` command: `serve` builds the org from its flags, prints how to connect, and runs the app."""

from __future__ import annotations

import os
import signal
import ssl
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from sfemu import __version__, cli
from sfemu.auth.users import security_token
from sfemu.config import DEFAULT_CLIENT_SECRET, DEFAULT_PASSWORD, DEFAULT_USERNAME
from tests.support.server import free_port

runner = CliRunner()


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What `serve` hands to uvicorn, instead of serving it."""
    calls: dict[str, Any] = {}

    def run(app: Any, **kwargs: Any) -> None:
        calls.update(app=app, **kwargs)

    monkeypatch.setattr(cli.uvicorn, "run", run)
    return calls


def test_serve_builds_the_org_from_the_flags(served: dict[str, Any], tmp_path: Path) -> None:
    result = runner.invoke(
        cli.app,
        [
            "serve",
            "--port",
            "9999",
            "--data-dir",
            str(tmp_path),
            "--token-ttl",
            "60",
            "--rotate-refresh-tokens",
            "--no-multicurrency",
            "--error-rate",
            "0.25",
            "--client-id",
            "my-app",
            "--public-url",
            "https://emu.local:9999",
            "--bulk-processing-seconds",
            "0",
        ],
    )
    assert result.exit_code == 0, result.output
    config = served["app"].state.org.config
    assert (config.port, config.token_ttl_seconds, config.rotate_refresh_tokens) == (9999, 60, True)
    assert (config.multicurrency, config.error_rate, config.client_id) == (False, 0.25, "my-app")
    assert config.base_url == "https://emu.local:9999"
    assert config.bulk_processing_seconds == 0
    assert served["port"] == 9999
    assert "ssl_certfile" not in served
    assert "https://emu.local:9999" in result.output


def test_serve_prints_how_to_connect(served: dict[str, Any], tmp_path: Path) -> None:
    result = runner.invoke(cli.app, ["serve", "--data-dir", str(tmp_path)])
    org = served["app"].state.org
    assert org.config.bulk_processing_seconds == 1.5  # Bulk jobs take a realistic while by default
    for text in (
        "http://127.0.0.1:8443",
        "client_id=sfemu",
        f"client_secret={DEFAULT_CLIENT_SECRET}",
        DEFAULT_USERNAME,
        f"password={DEFAULT_PASSWORD}",
        security_token(org.config),
        org.org_id,
    ):
        assert text in result.output


def test_serve_with_tls_uses_the_local_ca(served: dict[str, Any], tmp_path: Path) -> None:
    result = runner.invoke(cli.app, ["serve", "--tls", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert served["ssl_certfile"] == str(tmp_path / "server.pem")
    assert served["ssl_keyfile"] == str(tmp_path / "server-key.pem")
    assert f"export REQUESTS_CA_BUNDLE={(tmp_path / 'ca.pem').resolve()}" in result.output
    assert served["app"].state.org.config.base_url == "https://127.0.0.1:8443"


def test_serve_without_the_seed_module_warns_and_starts_empty(
    served: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "sfemu.seed", None)
    result = runner.invoke(cli.app, ["serve", "--seed", "demo", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "sfemu.seed is not available" in result.output
    assert "app" in served


def test_serve_refuses_a_bad_seed(tmp_path: Path) -> None:
    result = runner.invoke(cli.app, ["serve", "--seed", "lots", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "--seed" in result.output


def test_version_prints_the_package_version() -> None:
    result = runner.invoke(cli.app, ["version"])
    assert result.output.strip() == __version__


def test_sfemu_serve_tls_answers_soap_login(tmp_path: Path) -> None:
    """The real command in a subprocess, reached over HTTPS with the CA it wrote."""
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sfemu.cli",
            "serve",
            "--tls",
            "--port",
            str(port),
            "--data-dir",
            str(tmp_path),
            "--log-level",
            "warning",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        context = ssl.create_default_context(cafile=str(tmp_path / "ca.pem")) if _wait_for(tmp_path) else None
        assert context is not None, "the CA was not written"
        response = _retry(
            lambda: httpx.post(
                f"https://127.0.0.1:{port}/services/oauth2/token",
                verify=context,
                data={
                    "grant_type": "password",
                    "client_id": "sfemu",
                    "client_secret": DEFAULT_CLIENT_SECRET,
                    "username": DEFAULT_USERNAME,
                    "password": DEFAULT_PASSWORD,
                },
            )
        )
        assert response.status_code == 200
        assert response.json()["instance_url"] == f"https://127.0.0.1:{port}"
        names = [name for name, _ in response.headers.raw]
        assert b"Date" in names
        assert b"Content-Type" in names
        assert not [name for name in names if name.islower()], names
    finally:
        process.send_signal(signal.SIGINT)
        output = process.communicate(timeout=15)[0].decode()
    assert "REQUESTS_CA_BUNDLE" in output


def _wait_for(data_dir: Path, timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (data_dir / "server.pem").exists():
            return True
        time.sleep(0.05)
    return False


def _retry(call: Any, timeout: float = 15) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return call()  # type: ignore[no-any-return]
        except httpx.ConnectError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
