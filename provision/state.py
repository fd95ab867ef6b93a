"""Per-device progress of ``setup``, so an interrupted setup resumes where it stopped.

Resuming matters most after ``register``: the API returns the broker
password only once, so registering again would fail or replace it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any


class Step(StrEnum):
    FLASH = "flash"
    REGISTER = "register"
    INSTALL = "install"
    VERIFY = "verify"


STEPS = (Step.FLASH, Step.REGISTER, Step.INSTALL, Step.VERIFY)


@dataclass
class SetupState:
    """Finished steps with their UTC finish times, plus values later steps need."""

    path: Path
    device_id: str
    completed: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path, device_id: str) -> SetupState:
        path = Path(path)
        if not path.exists():
            return cls(path=path, device_id=device_id)
        data = json.loads(path.read_text())
        return cls(
            path=path,
            device_id=data.get("device_id", device_id),
            completed=data.get("completed", {}),
            values=data.get("values", {}),
        )

    def done(self, step: Step) -> bool:
        return step.value in self.completed

    def mark_done(self, step: Step, now: dt.datetime) -> None:
        self.completed[step.value] = now.isoformat()
        self.save()

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(
                {"device_id": self.device_id, "completed": self.completed, "values": self.values},
                handle,
                indent=2,
            )
        os.replace(temporary, self.path)
