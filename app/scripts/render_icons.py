"""Render public/icon.svg to the PNG icons the web app manifest names.

Run from the repository root with the project's virtualenv:
``.venv/bin/python app/scripts/render_icons.py``. It uses Debian's Chromium
through Playwright, as the tests do, and writes public/icon-192.png and
public/icon-512.png. The PNGs are committed, so builds do not need Chromium.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.support.browser import chromium_session  # noqa: E402

PUBLIC = REPO / "app" / "public"
SIZES_PX = (192, 512)


def main() -> None:
    svg = (PUBLIC / "icon.svg").read_text()
    with tempfile.TemporaryDirectory() as tmp, chromium_session(Path(tmp) / "profile") as session:
        page = session.new_page()
        for size in SIZES_PX:
            page.set_viewport_size({"width": size, "height": size})
            page.set_content(
                f"<html><body style='margin:0;background:transparent'>"
                f"<div style='width:{size}px;height:{size}px'>{svg}</div></body></html>"
            )
            page.locator("svg").evaluate(
                "(el, px) => { el.setAttribute('width', px); el.setAttribute('height', px); }",
                size,
            )
            target = PUBLIC / f"icon-{size}.png"
            page.locator("div").screenshot(path=str(target), omit_background=True)


if __name__ == "__main__":
    main()
