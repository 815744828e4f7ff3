"""The Makefile makes its venv from any Python 3.11 or newer on PATH, or says in one line there is none."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAKE = shutil.which("make")
pytestmark = pytest.mark.skipif(MAKE is None, reason="needs make")


def checkout(tmp_path: Path) -> Path:
    """A checkout without a venv: the Makefile and a pyproject.toml."""
    (tmp_path / "repo").mkdir()
    shutil.copy(ROOT / "Makefile", tmp_path / "repo" / "Makefile")
    (tmp_path / "repo" / "pyproject.toml").write_text("")
    return tmp_path / "repo"


def path_with(tmp_path: Path, pythons: dict[str, str]) -> str:
    """A PATH holding only the given interpreters: name → a real one to run, or "" for one that fails (too
    old, or a pyenv shim of a version that is not installed)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, target in pythons.items():
        script = bin_dir / name
        script.write_text(f'#!/bin/sh\nexec {target} "$@"\n' if target else "#!/bin/sh\nexit 1\n")
        script.chmod(0o755)
    return str(bin_dir)


def make(repo: Path, path: str, *args: str) -> subprocess.CompletedProcess[str]:
    assert MAKE is not None
    return subprocess.run(
        [MAKE, "--no-print-directory", "-n", ".venv/.installed", *args],
        cwd=repo,
        env={"PATH": path},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_first_python_that_is_new_enough_makes_the_venv(tmp_path: Path) -> None:
    path = path_with(tmp_path, {"python3.13": "", "python3.12": sys.executable, "python3": sys.executable})
    result = make(checkout(tmp_path), path)
    assert result.returncode == 0, result.stderr
    assert "python3.12 -m venv .venv" in result.stdout


def test_python_names_the_interpreter(tmp_path: Path) -> None:
    result = make(checkout(tmp_path), path_with(tmp_path, {}), f"PYTHON={sys.executable}")
    assert result.returncode == 0, result.stderr
    assert f"{sys.executable} -m venv .venv" in result.stdout


def test_no_python_new_enough_is_one_line(tmp_path: Path) -> None:
    result = make(checkout(tmp_path), path_with(tmp_path, {"python3": "", "python3.11": ""}))
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1
    assert "no Python 3.11 or newer on PATH" in result.stderr
    assert "make PYTHON=" in result.stderr
    assert result.stdout == ""


def test_a_named_python_too_old_is_one_line(tmp_path: Path) -> None:
    result = make(checkout(tmp_path), path_with(tmp_path, {"python3.10": ""}), "PYTHON=python3.10")
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1
    assert "PYTHON=python3.10 is not a Python 3.11 or newer that runs; name one with make PYTHON=" in (
        result.stderr
    )
