"""The command line: languages, messages for every fault, exit codes, state and config files."""

from __future__ import annotations

import datetime as dt
import json
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from provision.cli import main
from provision.device_config import build_config, parse_assignments, write_config
from provision.errors import Fault
from provision.i18n import MESSAGES, Translator, detect_language
from provision.state import SetupState, Step
from provision.verify import Progress, find_test_incident, judge

T0 = dt.datetime(2026, 12, 4, 21, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("fault", list(Fault))
def test_every_fault_has_message_and_next_step(fault: Fault) -> None:
    for language in ("id", "en"):
        assert MESSAGES[fault.value][language]
        assert MESSAGES[f"{fault.value}.next"][language]


def test_messages_use_same_placeholders_in_both_languages() -> None:
    for key, entry in MESSAGES.items():
        names = {lang: set(re.findall(r"{(\w+)", text)) for lang, text in entry.items()}
        assert names["id"] == names["en"], key


@pytest.mark.parametrize(
    ("explicit", "environ", "expected"),
    [
        (None, {}, "id"),
        (None, {"LANG": "en_US.UTF-8"}, "en"),
        (None, {"LANG": "id_ID.UTF-8"}, "id"),
        ("id", {"LANG": "en_US.UTF-8"}, "id"),
        ("en", {}, "en"),
        (None, {"LC_ALL": "en_GB.UTF-8", "LANG": "id_ID.UTF-8"}, "en"),
    ],
)
def test_language_choice(explicit: str | None, environ: dict[str, str], expected: str) -> None:
    assert detect_language(explicit, environ) == expected


def test_missing_image_in_indonesian_by_default(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("LANG", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)

    code = main(["flash", "--port", "/dev/ttyUSB-missing", "--image", "x.bin"])

    err = capsys.readouterr().err
    assert code == 1
    assert "KESALAHAN: Berkas firmware x.bin tidak ada." in err
    assert "Langkah berikutnya" in err


def test_missing_option_in_english(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--lang", "en", "flash", "--image", "x.bin"])

    err = capsys.readouterr().err
    assert code == 1
    assert "Option --port is required." in err


def test_console_script_runs() -> None:
    script = Path(sys.executable).parent / "ampera-provision"
    result = subprocess.run(
        [str(script), "--lang", "en", "verify", "--device-id", "BAD ID", "--token", "t"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 1
    assert "Device id 'BAD ID' is invalid." in result.stderr


def test_config_file_has_agreed_shape_and_is_private(tmp_path: Path) -> None:
    config = build_config(
        "btn-0001",
        "Warung",
        "wifi-pass",
        "mqtts://b:8883",
        "btn-0001",
        "pw",
        ca_file=tmp_path / "ca.crt",
        pins={"button": 14},
        timings={"hold_min_ms": 1500},
    )

    path = write_config(tmp_path / "out" / "config.json", config)

    data = json.loads(path.read_text())
    assert set(data) == {"schema", "device_id", "wifi", "mqtt", "pins", "timings", "test_at_boot"}
    assert data["mqtt"] == {
        "url": "mqtts://b:8883",
        "username": "btn-0001",
        "password": "pw",
        "ca": "ca.crt",
    }
    assert data["pins"] == {"button": 14}
    assert data["timings"] == {"hold_min_ms": 1500}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize("bad", ["button", "button=", "=3", "button=x"])
def test_pin_assignment_rejects_bad_input(bad: str) -> None:
    with pytest.raises(ValueError, match="name=integer"):
        parse_assignments([bad], "--pin")


def test_state_survives_reload(tmp_path: Path) -> None:
    state = SetupState.load(tmp_path / "btn-0001" / "state.json", "btn-0001")
    state.values["config"] = "c.json"
    state.mark_done(Step.FLASH, T0)

    again = SetupState.load(tmp_path / "btn-0001" / "state.json", "btn-0001")

    assert again.done(Step.FLASH)
    assert not again.done(Step.REGISTER)
    assert again.values["config"] == "c.json"


def incident(device_id: str, at: dt.datetime, test: bool = True) -> dict[str, object]:
    return {
        "id": f"inc-{device_id}-{at.minute}",
        "device_id": device_id,
        "test": test,
        "first_event_at": at.isoformat().replace("+00:00", "Z"),
    }


@pytest.mark.parametrize(
    ("device", "incidents", "expected"),
    [
        (None, [], Progress.WAITING_ONLINE),
        ({"online": False}, [], Progress.WAITING_ONLINE),
        ({"online": True}, [], Progress.WAITING_TEST_ALERT),
        (
            {"online": True},
            [incident("btn-0001", T0 - dt.timedelta(minutes=5))],
            Progress.WAITING_TEST_ALERT,
        ),
        ({"online": True}, [incident("btn-0002", T0)], Progress.WAITING_TEST_ALERT),
        ({"online": True}, [incident("btn-0001", T0, test=False)], Progress.WAITING_TEST_ALERT),
        ({"online": True}, [incident("btn-0001", T0)], Progress.PASSED),
        (None, [incident("btn-0001", T0 + dt.timedelta(seconds=3))], Progress.WAITING_ONLINE),
        ({"online": False}, [incident("btn-0001", T0)], Progress.WAITING_ONLINE),
    ],
)
def test_verify_progress(
    device: dict[str, object] | None, incidents: list[dict[str, object]], expected: Progress
) -> None:
    found = find_test_incident(incidents, "btn-0001", since=T0)

    assert judge(device, found) is expected


def test_translator_formats_english() -> None:
    text = Translator("en")("chip_mismatch", board="ESP32-S3", image="a.bin", image_chip="ESP32")

    assert text == "The board is an ESP32-S3, but firmware a.bin is for ESP32. Nothing was written."


class StubApi:
    """Returns scripted device records and test incidents, one per poll."""

    def __init__(self, devices: list[dict[str, object] | None], incidents: list[list]) -> None:
        self.devices = devices
        self.incidents = incidents
        self.polls = 0

    def device(self, device_id: str) -> dict[str, object] | None:
        return self.devices[min(self.polls, len(self.devices) - 1)]

    def test_incidents(self) -> list[dict[str, object]]:
        found = self.incidents[min(self.polls, len(self.incidents) - 1)]
        self.polls += 1
        return found


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def run_verify(api: StubApi, timeout_s: float = 10.0) -> str:
    from provision.ui import Ui
    from provision.verify import verify

    clock = FakeClock()
    return verify(
        Ui("en", quiet=True),
        api,  # type: ignore[arg-type]
        "btn-0001",
        since=T0,
        timeout_s=timeout_s,
        poll_s=1.0,
        clock=clock,
        sleep=clock.sleep,
    )


def test_verify_passes_when_both_arrive() -> None:
    api = StubApi([None, {"online": True}], [[], [], [incident("btn-0001", T0)]])

    assert run_verify(api) == incident("btn-0001", T0)["id"]
    assert api.polls == 3


def test_verify_offline_device_times_out() -> None:
    from provision.errors import ProvisionError

    api = StubApi([None], [[]])

    with pytest.raises(ProvisionError) as caught:
        run_verify(api, timeout_s=5)

    assert caught.value.fault is Fault.DEVICE_OFFLINE
    assert api.polls == 6


def test_verify_online_without_test_alert_times_out() -> None:
    from provision.errors import ProvisionError

    api = StubApi([{"online": True}], [[incident("btn-0002", T0)]])

    with pytest.raises(ProvisionError) as caught:
        run_verify(api, timeout_s=3)

    assert caught.value.fault is Fault.NO_TEST_ALERT
