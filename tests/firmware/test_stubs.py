"""Type-check the firmware against the MicroPython ESP32 stubs (micropython-esp32-stubs).

mypy uses the MicroPython standard library stubs in place of CPython's
typeshed, and the ESP32 stubs (machine, network, esp32, ...) on its search
path, so a call that MicroPython 1.22 on the ESP32 does not offer fails here.
"""

from __future__ import annotations

import importlib.metadata
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.firmware.fakes import FIRMWARE_DIR

ESP32_STUBS = "micropython-esp32-stubs"
STDLIB_STUBS = "micropython-stdlib-stubs"


def stub_dirs(tmp_path: Path) -> tuple[Path, Path]:
    """Return (typeshed dir holding stdlib/, search dir holding the ESP32 stubs).

    The ESP32 stubs also ship modules the stdlib stubs define (os, time, ...);
    mypy rejects a search-path module that shadows the typeshed one, so those
    are left out and the stdlib stubs provide them.
    """
    try:
        stdlib = Path(str(importlib.metadata.distribution(STDLIB_STUBS).locate_file("stdlib")))
        esp32 = importlib.metadata.distribution(ESP32_STUBS)
    except importlib.metadata.PackageNotFoundError as exc:
        pytest.fail(
            f"{exc.name} is not installed: pip install the version named in docs/firmware.md"
        )
    stdlib_modules = {
        line.split(":")[0].strip()
        for line in (stdlib / "VERSIONS").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    search = tmp_path / "esp32-stubs"
    for file in esp32.files or []:
        name = str(file)
        if not name.endswith(".pyi"):
            continue
        top = name[:-4].split("/")[0]
        if top in stdlib_modules:
            continue
        target = search / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(Path(str(file.locate())), target)
    return stdlib.parent, search


def test_firmware_type_checks_against_esp32_stubs(tmp_path: Path):
    typeshed, search = stub_dirs(tmp_path)
    assert (search / "machine.pyi").exists()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--custom-typeshed-dir",
            str(typeshed),
            "--python-version",
            "3.11",
            "--check-untyped-defs",
            "--no-incremental",
            "--cache-dir",
            str(tmp_path / "cache"),
            "boot.py",
            "main.py",
            "ampera",
        ],
        cwd=FIRMWARE_DIR,
        env={"MYPYPATH": str(search), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
