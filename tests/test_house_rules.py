"""The project's own rules, checked on every run: layers, size, types, lint, docs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "cairn"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False)


def test_no_source_file_is_over_500_lines() -> None:
    big = {
        str(p.relative_to(ROOT)): n
        for p in SRC.rglob("*.py")
        if (n := len(p.read_text().splitlines())) > 500
    }
    assert big == {}, f"split these by concept: {big}"


def test_layers_hold() -> None:
    exe = shutil.which("lint-imports")
    assert exe, "pip install -e '.[dev]' brings import-linter"
    done = _run(exe)
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_is_clean() -> None:
    done = _run(sys.executable, "-m", "ruff", "check", "src", "tests", "benchmarks")
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
def test_mypy_strict_is_clean() -> None:
    done = _run(sys.executable, "-m", "mypy")
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-2000:]


def test_cli_reference_is_up_to_date() -> None:
    from cairn.cli.reference import render

    assert (ROOT / "docs" / "cli.md").read_text() == render(), (
        "regenerate it: python -m cairn.cli.reference > docs/cli.md"
    )


def test_import_cairn_stays_light() -> None:
    code = (
        "import sys, cairn; heavy = {'sqlalchemy', 'numpy', 'pydantic', 'sklearn', 'fastapi'}; "
        "print(sorted(heavy & set(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_every_setting_the_code_reads_is_documented() -> None:
    import re

    read = {
        name
        for path in SRC.rglob("*.py")
        for name in re.findall(r'"(CAIRN_[A-Z0-9_]+)"', path.read_text())
    }
    documented = set(
        re.findall(r"`(CAIRN_[A-Z0-9_]+)`", (ROOT / "docs" / "settings.md").read_text())
    )
    assert read - documented == set(), "add these to docs/settings.md"
