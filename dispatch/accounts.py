"""Choose the broker-account implementation that creates MQTT credentials for devices.

The implementations live in ``dispatch/broker_accounts.py``. With
``AMPERA_BROKER_ADMIN_URL`` set, accounts are created at the broker through its
dynamic-security plugin (``DynsecAccounts``). Without it the broker has no
per-device accounts, so only a password is generated (``NoBrokerAccounts``).
"""

from __future__ import annotations

import logging

from dispatch.broker_accounts import BrokerAccounts, DynsecAccounts, NoBrokerAccounts
from dispatch.settings import Settings

log = logging.getLogger(__name__)


class BrokerUnavailable(Exception):
    """The broker account could not be created or revoked (HTTP 503)."""


class CheckedAccounts:
    """Wrap an implementation so any failure raises BrokerUnavailable.

    The API then returns 503 and rolls back the database transaction around the call.
    """

    def __init__(self, inner: BrokerAccounts) -> None:
        self.inner = inner

    def create_device(self, device_id: str) -> str:
        try:
            return self.inner.create_device(device_id)
        except Exception as exc:
            log.error("broker account not created device_id=%s error=%s", device_id, exc)
            raise BrokerUnavailable(f"broker account for {device_id!r} not created: {exc}") from exc

    def revoke_device(self, device_id: str) -> None:
        try:
            self.inner.revoke_device(device_id)
        except Exception as exc:
            log.error("broker account not revoked device_id=%s error=%s", device_id, exc)
            raise BrokerUnavailable(f"broker account for {device_id!r} not revoked: {exc}") from exc


def make_broker_accounts(settings: Settings) -> BrokerAccounts:
    inner: BrokerAccounts
    if settings.broker_admin_url:
        inner = DynsecAccounts(settings.broker_admin_url)
        log.info("broker accounts via dynamic security")
    else:
        inner = NoBrokerAccounts()
        log.info("no broker accounts: AMPERA_BROKER_ADMIN_URL is not set")
    return CheckedAccounts(inner)
