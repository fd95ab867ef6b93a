"""Accessibility checks run inside the page: names, contrast ratios, touch targets.

The contrast ratio is WCAG 2's: (L1 + 0.05) / (L2 + 0.05) from the relative
luminance of the text colour and of the first opaque background behind it.
Over a gradient every colour stop is tried and the lowest ratio counts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

# WCAG 2.1 AA: 4.5:1 for normal text, 3:1 for large text (24 px, or 18.67 px bold).
NORMAL_TEXT_RATIO = 4.5
LARGE_TEXT_RATIO = 3.0
# WCAG 2.5.5 requires 44 by 44 CSS pixels; Android's guideline is 48 dp.
MIN_TARGET_PX = 44

_COLLECT = (Path(__file__).with_name("a11y.js")).read_text()


def audit(page: Any) -> dict[str, Any]:
    """Collect text contrast and control sizes and names of what is visible now."""
    return page.evaluate(_COLLECT)


def assert_accessible(page: Any, where: str) -> dict[str, Any]:
    """Fail on any visible text below its contrast ratio and any unnamed or small control."""
    result = audit(page)
    assert result["lang"] in ("id", "en"), f"{where}: html lang is {result['lang']!r}"
    assert result["texts"], f"{where}: no visible text found"
    for text in result["texts"]:
        required = LARGE_TEXT_RATIO if text["large"] else NORMAL_TEXT_RATIO
        assert text["ratio"] >= required, (
            f"{where}: contrast {text['ratio']:.2f}:1 < {required}:1 for {text['text']!r}"
        )
    assert result["controls"], f"{where}: no visible controls found"
    for control in result["controls"]:
        label = f"{where}: <{control['tag']} id={control['id']!r}>"
        assert control["name"], f"{label} has no accessible name"
        assert control["width"] >= MIN_TARGET_PX, f"{label} is {control['width']:.0f} px wide"
        assert control["height"] >= MIN_TARGET_PX, f"{label} is {control['height']:.0f} px high"
    return result
