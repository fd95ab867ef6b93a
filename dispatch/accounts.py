"""Choose the broker-account implementation that creates MQTT credentials for devices.

The implementations live in ``dispatch/broker_accounts.py``. With
``AMPERA_BROKER_ADMIN_URL`` set, accounts are created at the broker through its
dynamic-security plugin; without it the broker has no per-device accounts and
only a password is generated (``NoBrokerAccounts``). Until that module is
present, the local fallback below has the ``NoBrokerAccounts`` behaviour.
"""

from __future__ import annotations

import importlib
import logging
import secrets
from typing import Protocol

from dispatch.settings import Settings

log = logging.getLogger(__name__)


class BrokerAccounts(Protocol):
    def create_device(self, device_id: str) -> str: ...

    def revoke_device(self, device_id: str) -> None: ...


class LocalNoBrokerAccounts:
    """Generate a password and keep nothing: for a broker without authentication."""

    def create_device(self, device_id: str) -> str:
        return secrets.token_urlsafe(24)

    def revoke_device(self, device_id: str) -> None:
        return None


def make_broker_accounts(settings: Settings) -> BrokerAccounts:
    try:
        module = importlib.import_module("dispatch.broker_accounts")
    except ImportError:
        module = None
    if settings.broker_admin_url:
        if module is None or not hasattr(module, "DynsecAccounts"):
            raise RuntimeError(
                "AMPERA_BROKER_ADMIN_URL is set but dispatch.broker_accounts.DynsecAccounts "
                "is missing"
            )
        factory = getattr(module.DynsecAccounts, "from_url", module.DynsecAccounts)
        log.info("broker accounts via dynamic security")
        return factory(settings.broker_admin_url)  # type: ignore[no-any-return]
    if module is not None and hasattr(module, "NoBrokerAccounts"):
        return module.NoBrokerAccounts()  # type: ignore[no-any-return]
    return LocalNoBrokerAccounts()
