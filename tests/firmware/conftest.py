"""Fixtures for the firmware tests: fake clock, fake board, scripted broker."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.firmware.fakes import Clock, FakeBoard, FakeBroker, make_config


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def broker() -> FakeBroker:
    return FakeBroker()


@pytest.fixture
def board(clock: Clock, broker: FakeBroker) -> FakeBoard:
    return FakeBoard(clock, broker)


@pytest.fixture
def flash(tmp_path: Path) -> Path:
    """The queue directory on the simulated flash; it survives simulated reboots."""
    (tmp_path / "flash").mkdir()
    return tmp_path / "flash" / "queue"


@pytest.fixture
def raw_config() -> dict:
    return make_config()
