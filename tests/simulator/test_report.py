import math
import random
import string

import pytest

from simulator.messages import FEEDBACK_STATES, TEXT, feedback_state, text
from simulator.month import MAX_SPREAD_M, spread_location
from simulator.report import compare, compare_stations, stats_table
from simulator.scenario import Station

STATS = {
    "panic_presses": 5,
    "confirmed": 2,
    "unconfirmed": 1,
    "mis_presses": 2,
    "followed_up": 1,
    "complaints": 3,
    "by_polsek": {
        "plaju": {
            "panic_presses": 4,
            "confirmed": 2,
            "unconfirmed": 0,
            "mis_presses": 2,
            "followed_up": 1,
            "complaints": 1,
        },
        "sako": {
            "panic_presses": 1,
            "confirmed": 0,
            "unconfirmed": 1,
            "mis_presses": 0,
            "followed_up": 0,
            "complaints": 2,
        },
    },
}
NAMES = {"plaju": "Polsek Plaju", "sako": "Polsek Sako"}


def test_table_has_station_total_and_article_rows():
    lines = stats_table(STATS, NAMES, {"panic_presses": 176}).splitlines()

    assert lines[0].split()[:3] == ["Polsek", "Tombol", "panik"]
    assert "Panic presses" in lines[1]
    assert lines[3].split() == ["Polsek", "Plaju", "4", "2", "0", "2", "1", "1"]
    assert lines[4].split() == ["Polsek", "Sako", "1", "0", "1", "0", "0", "2"]
    assert lines[6].split() == ["Jumlah", "/", "Total", "5", "2", "1", "2", "1", "3"]
    assert lines[7].split() == ["Artikel", "/", "Article", "176", "-", "-", "-", "-", "-"]


def test_table_columns_line_up():
    lines = stats_table(STATS, NAMES).splitlines()

    widths = {len(line) for line in lines if not line.startswith("-")}
    assert len(widths) == 1


def test_compare_lists_only_differences():
    expected = {"panic_presses": 5, "mis_presses": 3}

    assert compare(STATS, expected) == [("mis_presses", 2, 3)]


def test_compare_stations_subtracts_baseline():
    baseline = {"by_polsek": {"plaju": {"panic_presses": 3}}}
    expected = {"plaju": {"panic_presses": 1}, "sako": {"panic_presses": 2}}

    differences = compare_stations(STATS, baseline, expected, ("panic_presses",))

    assert differences == [("by_polsek.sako.panic_presses", 1, 2)]


def test_messages_have_both_languages_with_same_fields():
    for key, (indonesian, english) in TEXT.items():
        fields_id = {name for _, name, _, _ in string.Formatter().parse(indonesian) if name}
        fields_en = {name for _, name, _, _ in string.Formatter().parse(english) if name}
        assert fields_id == fields_en, key
        assert indonesian != english or not indonesian.strip(), key


def test_text_defaults_to_indonesian():
    assert text("stopped") == "Semua layanan berhenti."
    assert text("stopped", "en") == "Every service stopped."


@pytest.mark.parametrize("state", sorted(FEEDBACK_STATES))
def test_feedback_state_names(state):
    assert state in feedback_state(state, "id") or feedback_state(state, "en") == state


def test_spread_stays_nearest_own_station():
    stations = [
        Station("a", "A", -2.976, 104.756),
        Station("b", "B", -2.988, 104.740),
        Station("c", "C", -2.962, 104.733),
    ]
    rng = random.Random(7)

    for _ in range(200):
        for station in stations:
            lat, lon = spread_location(rng, station, stations)
            distances = {
                other.id: math.dist(
                    (lat, lon * math.cos(math.radians(lat))),
                    (other.lat, other.lon * math.cos(math.radians(lat))),
                )
                for other in stations
            }
            assert min(distances, key=distances.__getitem__) == station.id
            assert distances[station.id] * 111_320 <= MAX_SPREAD_M + 1
