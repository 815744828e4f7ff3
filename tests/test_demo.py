"""`make demo`: sfemu + syncline + DuckDB on the embedded default, set up once and reused; a taken port is
one line before anything starts; SIGTERM stops both servers; the SDK snippet it prints runs as printed."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "scripts" / "demo.py"
READY = ("Ctrl-C stops both servers.", "--once: both servers stop now.")
# The demo found a port taken, or a server could not bind one taken after the check: pick others.
PORT_LOST = ("is already in use", "exited early")


def distinct_free_ports(count: int = 2) -> list[int]:
    """Loopback ports free right now and different from each other (held together while picked)."""
    with ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in socks]


def demo_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("SYNCLINE_")}


def demo_command(data_dir: Path, api_port: int, sfemu_port: int, *extra: str) -> list[str]:
    return [
        sys.executable,
        str(DEMO),
        *extra,
        "--data-dir",
        str(data_dir),
        "--port",
        str(api_port),
        "--sfemu-port",
        str(sfemu_port),
    ]


def run_demo(data_dir: Path) -> str:
    """`demo.py --once` on two free ports; retried on new ports when another process took one first."""
    for _ in range(3):
        command = demo_command(data_dir, *distinct_free_ports(), "--once")
        result = subprocess.run(
            command, env=demo_env(), cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
        )
        if result.returncode != 0 and any(reason in result.stderr for reason in PORT_LOST):
            continue
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout
    pytest.fail("three pairs of free ports were taken by others before the demo could use them")


def test_demo_starts_both_servers_and_connects_them(tmp_path: Path) -> None:
    first = run_demo(tmp_path)
    assert "syncline demo is running" in first
    assert "(sfemu, 15 accounts)" in first  # a SOQL query ran through syncline's query runner
    ids = re.findall(r"= ([0-9a-f-]{36})", first)
    assert len(ids) == 3  # two connections and the bulk sync
    # The bulk sync copied four objects of the org into the warehouse, read back through syncline.
    assert "  Account      completed: 15 records" in first
    landed = re.findall(r"^  (Account|Contact|Opportunity|Lead) +completed: \d+ records$", first, re.M)
    assert sorted(landed) == ["Account", "Contact", "Lead", "Opportunity"]
    assert "  warehouse: {'Name': 'Acme Corp'" in first
    second = run_demo(tmp_path)
    assert re.findall(r"= ([0-9a-f-]{36})", second) == ids  # the second run reuses connections and sync
    assert "  Account      completed: " in second  # an incremental run of the same sync
    assert (tmp_path / "demo-api-key").stat().st_mode & 0o777 == 0o600
    assert list(tmp_path.glob("orgs/*/warehouse.duckdb"))  # in the organization's own directory


@pytest.mark.parametrize(("taken", "name"), [(0, "syncline API"), (1, "sfemu")])
def test_a_port_in_use_is_one_line_before_anything_starts(tmp_path: Path, taken: int, name: str) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        ports = distinct_free_ports()
        ports[taken] = int(holder.getsockname()[1])
        command = demo_command(tmp_path / "state", *ports, "--once")
        result = subprocess.run(
            command, env=demo_env(), cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
        )
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"port {ports[taken]} ({name}) is already in use on 127.0.0.1")
    assert not (tmp_path / "state").exists()  # nothing started, nothing written


@dataclass
class RunningDemo:
    process: subprocess.Popen[str]
    output: str  # everything printed up to "ready"
    ports: tuple[int, int]
    data_dir: Path

    def servers(self) -> list[int]:
        """The demo's child processes (the two servers), from /proc."""
        return children_of(self.process.pid)


def children_of(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # ended while we looked
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


def gone(pid: int) -> bool:
    """Ended and reaped (a zombie is not running either)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state == "Z"


def start_demo(data_dir: Path) -> RunningDemo | None:
    """The demo running until stopped (None: a port was taken by another process first)."""
    ports = distinct_free_ports()
    process = subprocess.Popen(
        demo_command(data_dir, *ports),
        env=demo_env(),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    output = []
    for line in process.stdout:  # until the demo says it is ready (or ends)
        output.append(line)
        if line.strip() in READY:
            return RunningDemo(process, "".join(output), (ports[0], ports[1]), data_dir)
    process.wait(timeout=30)
    text = "".join(output)
    assert any(reason in text for reason in PORT_LOST), text
    return None


@contextmanager
def running_demo(data_dir: Path) -> Iterator[RunningDemo]:
    running = None
    for _ in range(3):
        running = start_demo(data_dir)
        if running is not None:
            break
    assert running is not None, "three pairs of free ports were taken by others first"
    try:
        yield running
    finally:
        if running.process.poll() is None:
            running.process.send_signal(signal.SIGTERM)
            running.process.communicate(timeout=30)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDemo]:
    """One demo for the tests that leave it running."""
    with running_demo(tmp_path_factory.mktemp("demo")) as running:
        yield running


def printed_snippet(output: str) -> str:
    """The shell command the demo prints for the SDK: from `… - <<'EOF'` to `EOF`, as a user copies it."""
    match = re.search(r"^\S+ - <<'EOF'\n.*?^EOF$", output, re.MULTILINE | re.DOTALL)
    assert match, output
    return match.group(0)


def test_the_printed_sdk_snippet_prints_rows(demo: RunningDemo) -> None:
    result = subprocess.run(
        ["bash", "-c", printed_snippet(demo.output)],
        env=demo_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "15 rows:"
    assert len(lines) == 16
    assert "{'Name': 'Acme Corp'}" in lines  # rows of the demo org, through syncline's query runner


def test_a_second_demo_on_the_same_ports_is_refused(demo: RunningDemo, tmp_path: Path) -> None:
    command = demo_command(tmp_path / "second", *demo.ports, "--once")
    result = subprocess.run(
        command, env=demo_env(), cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2
    assert "syncline demo is running" not in result.stdout  # no success while talking to the first
    assert result.stderr.startswith(f"port {demo.ports[0]} (syncline API) is already in use")


def test_sigterm_stops_both_servers(tmp_path: Path) -> None:
    with running_demo(tmp_path) as demo:
        servers = demo.servers()
        assert len(servers) == 2
        demo.process.send_signal(signal.SIGTERM)
        output, _ = demo.process.communicate(timeout=30)
        assert demo.process.returncode == 0
        assert "demo stopped (SIGTERM); both servers are down" in output
        assert all(gone(pid) for pid in servers)
