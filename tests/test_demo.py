"""`make demo`: sfemu + syncline + DuckDB on the embedded default, set up once and reused."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.support.server import free_port

ROOT = Path(__file__).resolve().parent.parent


def run_demo(data_dir: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCLINE_")}
    command = [
        sys.executable,
        str(ROOT / "scripts" / "demo.py"),
        "--once",
        "--data-dir",
        str(data_dir),
        "--port",
        str(free_port()),
        "--sfemu-port",
        str(free_port()),
    ]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_demo_starts_both_servers_and_connects_them(tmp_path: Path) -> None:
    first = run_demo(tmp_path)
    assert "syncline demo is running" in first
    assert "(sfemu, 15 accounts)" in first  # a SOQL query ran through syncline's query runner
    ids = re.findall(r"= ([0-9a-f-]{36})", first)
    assert len(ids) == 2
    second = run_demo(tmp_path)
    assert re.findall(r"= ([0-9a-f-]{36})", second) == ids  # the second run reuses the same connections
    assert (tmp_path / "demo-api-key").stat().st_mode & 0o777 == 0o600
    assert list(tmp_path.glob("orgs/*/warehouse.duckdb"))  # in the organization's own directory
