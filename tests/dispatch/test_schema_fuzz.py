"""Schemathesis against /openapi.json: generated requests never cause a server error.

Each operation gets a few generated cases (kept small for the suite's time
budget); the live stream is left out because it never ends. The operations
are walked in a loop because schemathesis 4.32's lazy pytest loader
(``schemathesis.pytest.from_fixture``) fails under pytest 9 on a missing
``Function._nodeid``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error

from tests.dispatch.conftest import Api

MAX_EXAMPLES = 4
SKIPPED_PATHS = {"/v1/incidents/stream"}


def test_no_server_error(api: Api) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.client.app)
    failures: list[str] = []
    checked = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path in SKIPPED_PATHS:
            continue
        role = "gateway" if operation.path.startswith("/v1/ingest") else "admin"
        run = fuzz_operation(operation, api.headers(role))
        try:
            run()
        except Exception as exc:  # noqa: BLE001 - collect every operation's failure
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
        checked += 1
    assert checked > 20
    assert failures == []


def fuzz_operation(operation: Any, headers: dict[str, str]) -> Callable[[], None]:
    """Return a Hypothesis test that sends generated cases to one operation."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
        # Shrinking a server error can take minutes; the first example is enough.
        phases=[Phase.explicit, Phase.generate],
    )
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(
            headers={**headers, **(case.headers or {})}, checks=[not_a_server_error]
        )

    return run  # type: ignore[no-any-return]
