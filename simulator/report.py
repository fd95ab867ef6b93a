"""Render the dispatch API's statistics as a table in Indonesian and English."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# (stats field, Indonesian heading, English heading)
COLUMNS = (
    ("panic_presses", "Tombol panik", "Panic presses"),
    ("confirmed", "Terkonfirmasi", "Confirmed"),
    ("unconfirmed", "Belum konfirmasi", "Unconfirmed"),
    ("mis_presses", "Salah pencet", "Mis-presses"),
    ("followed_up", "Ditindaklanjuti", "Followed up"),
    ("complaints", "Pengaduan", "Complaints"),
)


def stats_table(
    stats: Mapping[str, Any],
    station_names: Mapping[str, str],
    article: Mapping[str, int] | None = None,
) -> str:
    """Return a fixed-width table: one row per station, the city total, the article's month."""
    rows: list[tuple[str, list[str]]] = []
    by_polsek: Mapping[str, Mapping[str, Any]] = stats.get("by_polsek") or {}
    for station_id in sorted(by_polsek, key=lambda key: station_names.get(key, key)):
        figures = by_polsek[station_id]
        name = station_names.get(station_id, station_id)
        rows.append((name, [_cell(figures.get(field)) for field, _, _ in COLUMNS]))
    rows.append(("Jumlah / Total", [_cell(stats.get(field)) for field, _, _ in COLUMNS]))
    if article is not None:
        rows.append(
            (
                "Artikel / Article",
                [_cell(article.get(field)) for field, _, _ in COLUMNS],
            )
        )

    first_width = max(len("Polsek"), *(len(name) for name, _ in rows))
    widths = [
        max(len(indonesian), len(english), *(len(cells[i]) for _, cells in rows))
        for i, (_, indonesian, english) in enumerate(COLUMNS)
    ]
    lines = [
        _line("Polsek", [column[1] for column in COLUMNS], first_width, widths),
        _line("", [column[2] for column in COLUMNS], first_width, widths),
        "-" * (first_width + sum(widths) + 2 * len(widths)),
    ]
    for index, (name, cells) in enumerate(rows):
        if index == len(by_polsek):
            lines.append("-" * (first_width + sum(widths) + 2 * len(widths)))
        lines.append(_line(name, cells, first_width, widths))
    return "\n".join(lines)


def compare(stats: Mapping[str, Any], expected: Mapping[str, int]) -> list[tuple[str, Any, int]]:
    """Return ``(field, api_value, expected_value)`` for every field that differs."""
    return [
        (field, stats.get(field), value)
        for field, value in expected.items()
        if stats.get(field) != value
    ]


def compare_stations(
    stats: Mapping[str, Any],
    baseline: Mapping[str, Any],
    expected: Mapping[str, Mapping[str, int]],
    fields: tuple[str, ...],
) -> list[tuple[str, Any, int]]:
    """Return ``(by_polsek.STATION.FIELD, api_value, expected_value)`` for each difference.

    ``expected`` contains what the run added and ``baseline`` the statistics
    before the run, so a run on a system in use compares only its own share.
    """
    now = stats.get("by_polsek") or {}
    before = baseline.get("by_polsek") or {}
    differences = []
    for station_id, figures in sorted(expected.items()):
        for name in fields:
            start = int((before.get(station_id) or {}).get(name) or 0)
            got = (now.get(station_id) or {}).get(name)
            want = start + figures.get(name, 0)
            if got != want:
                differences.append((f"by_polsek.{station_id}.{name}", got, want))
    return differences


def _cell(value: Any) -> str:
    return "-" if value is None else str(value)


def _line(first: str, cells: list[str], first_width: int, widths: list[int]) -> str:
    parts = [first.ljust(first_width)]
    for cell, width in zip(cells, widths, strict=True):
        parts.append(cell.rjust(width))
    return "  ".join(parts).rstrip()
