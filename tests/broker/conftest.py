"""Fixtures of the broker tests."""

from tests.support.broker import secure_broker  # noqa: F401 - re-exported as a fixture
