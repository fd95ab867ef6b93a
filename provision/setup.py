"""``setup``: flash, register, install and verify one device, resumable per step."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from provision.device_config import CA_TARGET
from provision.dispatch_client import DispatchClient
from provision.errors import Fault, ProvisionError
from provision.flash import DEFAULT_WRITE_BAUD, flash
from provision.images import DEFAULT_IMAGES_LIST
from provision.install import DEFAULT_FIRMWARE_DIR, install
from provision.register import RegisterOptions, check_device_id, register
from provision.state import STEPS, SetupState, Step
from provision.ui import Ui
from provision.verify import verify

logger = logging.getLogger(__name__)


@dataclass
class SetupOptions:
    port: str
    register: RegisterOptions
    state_dir: Path
    image: Path | None = None
    images_list: Path = DEFAULT_IMAGES_LIST
    skip_flash: bool = False
    no_reset: bool = False
    baud: int = DEFAULT_WRITE_BAUD
    firmware_dir: Path = DEFAULT_FIRMWARE_DIR
    repl_pause_s: float = 0.5
    repl_timeout_s: float = 3.0
    verify_timeout_s: float = 120.0
    verify_poll_s: float = 1.0
    restart: bool = False
    extra_files: dict[str, bytes] = field(default_factory=dict)


def state_path(state_dir: Path, device_id: str) -> Path:
    return Path(state_dir) / device_id / "state.json"


def setup(
    ui: Ui,
    client_factory: Callable[[], DispatchClient],
    options: SetupOptions,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> str:
    """Run the steps not yet done; return the verified test incident's id."""
    device_id = options.register.device_id
    check_device_id(device_id)
    path = state_path(options.state_dir, device_id)
    if options.restart and path.exists():
        path.unlink()
    state = SetupState.load(path, device_id)
    incident_id = ""
    client: DispatchClient | None = None
    try:
        for number, step in enumerate(STEPS, start=1):
            ui.say("setup.step", number=number, total=len(STEPS), step=step.value)
            if state.done(step) or (step is Step.FLASH and options.skip_flash):
                ui.say("setup.skip", step=step.value)
                continue
            if step is Step.FLASH:
                if options.image is None:
                    raise ProvisionError(Fault.MISSING_OPTION, option="--image")
                flash(
                    ui,
                    options.port,
                    options.image,
                    options.images_list,
                    options.no_reset,
                    options.baud,
                )
            elif step is Step.REGISTER:
                client = client or client_factory()
                config_path = register(ui, client, options.register)
                state.values["config"] = str(config_path)
            elif step is Step.INSTALL:
                # A test alert sent as soon as the board boots counts for
                # verification, so the window opens before the reset.
                state.values["install_started_at"] = now().isoformat()
                state.save()
                extra = dict(options.extra_files)
                if options.register.ca_file is not None:
                    extra["/" + CA_TARGET] = Path(options.register.ca_file).read_bytes()
                install(
                    ui,
                    options.port,
                    Path(state.values["config"]),
                    options.firmware_dir,
                    extra=extra,
                    pause_s=options.repl_pause_s,
                    timeout_s=options.repl_timeout_s,
                )
            elif step is Step.VERIFY:
                client = client or client_factory()
                since = dt.datetime.fromisoformat(
                    state.values.get("install_started_at", now().isoformat())
                )
                incident_id = verify(
                    ui,
                    client,
                    device_id,
                    since=since,
                    timeout_s=options.verify_timeout_s,
                    poll_s=options.verify_poll_s,
                    broker=options.register.mqtt_url,
                )
                state.values["test_incident"] = incident_id
            state.mark_done(step, now())
            logger.info("setup_step_done device_id=%s step=%s", device_id, step.value)
    except BaseException:
        ui.say("setup.resume", path=str(path))
        raise
    finally:
        if client is not None:
            client.close()
    ui.say("setup.done", device_id=device_id)
    return incident_id or str(state.values.get("test_incident", ""))
