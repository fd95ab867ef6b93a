"""The app's Vitest unit tests of its decision logic, run from pytest.

They use the packages that ``scripts/build-app.sh`` installed into
app/node_modules (``make test`` builds the app before pytest starts). The
TypeScript type check runs in the build itself (``npm run build``).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "app"


def run_npm_script(script: str) -> subprocess.CompletedProcess[str]:
    if not (APP / "node_modules" / ".bin").is_dir():
        problem = "app/node_modules is missing: run scripts/build-app.sh (make app)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but {problem}")
        pytest.skip(problem)
    return subprocess.run(
        ["npm", "run", "--silent", script],
        cwd=APP,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_COLOR": "1", "CI": "true"},
        check=False,
    )


def test_app_unit_tests_pass() -> None:
    result = run_npm_script("test")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "passed" in result.stdout
