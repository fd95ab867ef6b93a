"""Run every benchmark and write docs/benchmarks.md (``make bench``).

Each benchmark module exposes ``run() -> str`` and returns a Markdown
section; this runner adds the machine description and writes the page.
A benchmark that fails leaves an error note in its section instead of
stopping the others.
"""

from __future__ import annotations

import datetime as dt
import importlib
import platform
import sys
import traceback
from pathlib import Path

MODULES = ("bench.gateway_bench", "bench.dispatch_bench")
PAGE = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def describe_machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import os

    memory = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f", {pages / 2**30:.0f} GiB RAM"
    except (ValueError, OSError):
        pass
    return (
        f"{os.cpu_count()} cores ({cpu}){memory}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def main() -> int:
    sections = []
    failed = False
    for name in MODULES:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            sections.append(importlib.import_module(name).run().strip())
        except Exception:  # noqa: BLE001 - one failed benchmark must not hide the others
            failed = True
            sections.append(f"## {name}\n\nFailed:\n\n```\n{traceback.format_exc()}```")
    header = (
        "# Benchmarks\n\n"
        "Measured by `make bench` (`python -m bench`) on "
        f"{dt.date.today().isoformat()}, on {describe_machine()}. "
        "Every figure below comes from that run; rerun the command to refresh the page.\n"
    )
    PAGE.write_text(header + "\n" + "\n\n".join(sections) + "\n")
    print(f"wrote {PAGE}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
