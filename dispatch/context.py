"""Everything a request needs that lives as long as the app: settings, database, key, clock."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from dispatch.accounts import BrokerAccounts
from dispatch.db import Database
from dispatch.ratelimit import SlidingWindowLimiter
from dispatch.settings import Settings
from dispatch.timeutil import Clock, utc_now


@dataclass
class AppContext:
    settings: Settings
    db: Database
    signing_key: bytes
    accounts: BrokerAccounts
    limiter: SlidingWindowLimiter
    # None means no limit on citizen registrations (tests).
    registration_limiter: SlidingWindowLimiter | None = None
    clock: Clock = utc_now
    monotonic: Callable[[], float] = field(default=time.monotonic)
