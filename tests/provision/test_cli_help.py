"""The --help output: Bahasa Indonesia by default, English by --lang en or an English locale."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from provision.cli import COMMANDS, main, requested_language

LOCALE_VARIABLES = ("LANG", "LC_ALL", "LC_MESSAGES")

# An option name starts a word: "--no-reset" counts, "raw-REPL" and "btn-0007" do not.
OPTION_NAME = re.compile(r"(?<![\w-])--?[a-z][a-z-]*")


@pytest.fixture(autouse=True)
def neutral_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Clear the locale and widen the terminal so that no phrase is wrapped across lines."""
    for name in LOCALE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "200")


def help_text(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run the tool with ``argv`` ending in --help and return stdout on one line."""
    with pytest.raises(SystemExit) as exited:
        main(argv)

    assert exited.value.code == 0
    return " ".join(capsys.readouterr().out.split())


def test_main_help_indonesian_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    text = help_text(["--help"], capsys)

    assert text.startswith("penggunaan: ampera-provision")
    assert "Flash, daftarkan, pasang, dan periksa tombol panik Ampera." in text
    assert "opsi: -h, --help tampilkan bantuan ini lalu keluar" in text
    assert "perintah:" in text
    assert "flash tulis image MicroPython ke papan" in text
    assert "tampilkan log debug di stderr" in text
    assert "write the MicroPython image" not in text
    assert "usage:" not in text


def test_flash_help_indonesian_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    text = help_text(["flash", "--help"], capsys)

    assert text.startswith("penggunaan: ampera-provision flash")
    assert "tulis image MicroPython ke papan" in text
    assert "--port PORT port serial papan, mis. /dev/ttyUSB0 atau COM3" in text
    assert "kecepatan serial saat menulis, dalam bit/s (bawaan: 460800)" in text
    assert "lewati reset ke mode download; gunakan setelah menekan BOOT+RESET secara manual" in text
    assert "serial port of the board" not in text


def test_main_help_english_with_lang_option(capsys: pytest.CaptureFixture[str]) -> None:
    text = help_text(["--lang", "en", "--help"], capsys)

    assert text.startswith("usage: ampera-provision")
    assert "Flash, register, install and check Ampera panic buttons." in text
    assert "options: -h, --help show this help message and exit" in text
    assert "commands:" in text
    assert "flash write the MicroPython image to the board" in text
    assert "tulis image MicroPython" not in text


def test_flash_help_english_with_lang_option(capsys: pytest.CaptureFixture[str]) -> None:
    text = help_text(["--lang", "en", "flash", "--help"], capsys)

    assert text.startswith("usage: ampera-provision flash")
    assert "--port PORT serial port of the board, e.g. /dev/ttyUSB0 or COM3" in text
    assert "serial speed for writing, in bits/s (default: 460800)" in text
    assert "use after pressing BOOT+RESET by hand" in text
    assert "port serial papan" not in text


def test_help_english_with_equals_form(capsys: pytest.CaptureFixture[str]) -> None:
    text = help_text(["--lang=en", "flash", "--help"], capsys)

    assert "serial port of the board" in text


@pytest.mark.parametrize("locale", ["en_US.UTF-8", "en_GB"])
def test_help_english_with_english_locale(
    locale: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", locale)

    main_text = help_text(["--help"], capsys)
    flash_text = help_text(["flash", "--help"], capsys)

    assert "flash write the MicroPython image to the board" in main_text
    assert "serial port of the board" in flash_text
    assert "skip the reset into download mode" in flash_text


def test_lang_option_overrides_english_locale(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "en_US.UTF-8")

    text = help_text(["--lang", "id", "flash", "--help"], capsys)

    assert "port serial papan" in text
    assert "serial port of the board" not in text


def test_indonesian_locale_keeps_indonesian(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "id_ID.UTF-8")

    text = help_text(["flash", "--help"], capsys)

    assert "port serial papan" in text


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_option_names_same_in_both_languages(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    command_args = [command] if command else []

    indonesian = help_text(["--lang", "id", *command_args, "--help"], capsys)
    english = help_text(["--lang", "en", *command_args, "--help"], capsys)

    indonesian_options = set(OPTION_NAME.findall(indonesian))
    english_options = set(OPTION_NAME.findall(english))
    assert indonesian_options == english_options
    assert {"-h", "--help"} <= indonesian_options


def test_flash_option_names_unchanged(capsys: pytest.CaptureFixture[str]) -> None:
    text = help_text(["flash", "--help"], capsys)

    expected = {"-h", "--help", "--port", "--image", "--images-list", "--baud", "--no-reset"}
    assert set(OPTION_NAME.findall(text)) == expected


def test_usage_error_uses_indonesian_prefix(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([])

    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert err.startswith("penggunaan: ampera-provision")


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], None),
        (["--lang", "en", "flash"], "en"),
        (["--lang=en", "flash"], "en"),
        (["-v", "--lang", "id", "setup", "--port", "/dev/ttyUSB0"], "id"),
        (["--la", "en", "verify"], "en"),
        (["--lang"], None),
        (["--lang", "flash", "--help"], None),
        (["flash", "--lang", "en", "--help"], None),
        (["--lang", "fr", "--help"], "fr"),
    ],
)
def test_requested_language_reads_before_command(argv: list[str], expected: str | None) -> None:
    assert requested_language(argv) == expected


def run_console_script(extra_env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    environ = {key: value for key, value in os.environ.items() if key not in LOCALE_VARIABLES}
    environ.update(extra_env)
    script = Path(sys.executable).parent / "ampera-provision"
    return subprocess.run(
        [str(script), *args], capture_output=True, text=True, env=environ, check=False
    )


def test_console_script_help_indonesian_by_default() -> None:
    result = run_console_script({"COLUMNS": "200"}, "flash", "--help")

    assert result.returncode == 0
    assert "port serial papan" in result.stdout
    assert "secara manual" in result.stdout


def test_console_script_help_english_locale() -> None:
    result = run_console_script({"COLUMNS": "200", "LANG": "en_US.UTF-8"}, "flash", "--help")

    assert result.returncode == 0
    assert "serial port of the board" in result.stdout
    assert "by hand" in result.stdout
