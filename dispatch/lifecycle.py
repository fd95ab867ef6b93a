"""The incident state machine: which staff action is allowed from which state.

Pure logic, no I/O: the routers and the store call ``plan_transition`` and
apply its result.
"""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    UNCONFIRMED = "unconfirmed"
    CONFIRMED = "confirmed"
    ACKNOWLEDGED = "acknowledged"
    DISPATCHED = "dispatched"
    ON_SCENE = "on_scene"
    RESOLVED = "resolved"
    CANCELLED = "cancelled"


class Confirmation(StrEnum):
    CONFIRMED = "confirmed"
    UNCONFIRMED = "unconfirmed"


class Outcome(StrEnum):
    """How staff closed an incident."""

    GENUINE = "genuine"
    FALSE_ALARM = "false_alarm"
    MIS_PRESS = "mis_press"
    PRANK = "prank"


class Action(StrEnum):
    """Every kind of entry in the audit log."""

    CREATED = "created"
    UPDATED = "updated"
    REOPENED = "reopened"
    ACKNOWLEDGED = "acknowledged"
    DISPATCHED = "dispatched"
    ARRIVED = "arrived"
    RESOLVED = "resolved"
    UNIT_ASSIGNED = "unit_assigned"
    REASSIGNED = "reassigned"
    NOTE = "note"


OPEN_STATES = frozenset(
    {State.UNCONFIRMED, State.CONFIRMED, State.ACKNOWLEDGED, State.DISPATCHED, State.ON_SCENE}
)

# Staff actions that move the state: action -> (states allowed from, state after).
TRANSITIONS: dict[Action, tuple[frozenset[State], State]] = {
    Action.ACKNOWLEDGED: (frozenset({State.UNCONFIRMED, State.CONFIRMED}), State.ACKNOWLEDGED),
    Action.DISPATCHED: (frozenset({State.ACKNOWLEDGED}), State.DISPATCHED),
    Action.ARRIVED: (frozenset({State.DISPATCHED}), State.ON_SCENE),
    Action.RESOLVED: (OPEN_STATES, State.RESOLVED),
}

# A unit may be changed while officers are assigned.
UNIT_STATES = frozenset({State.DISPATCHED, State.ON_SCENE})


class TransitionError(Exception):
    """The action is not allowed from the incident's current state (HTTP 409)."""

    def __init__(self, action: Action, state: State, allowed: frozenset[State]) -> None:
        self.action = action
        self.state = state
        names = ", ".join(sorted(allowed))
        super().__init__(
            f"cannot {action_verb(action)} an incident in state {state.value!r}: "
            f"allowed only from {names}"
        )


def action_verb(action: Action) -> str:
    return {
        Action.ACKNOWLEDGED: "acknowledge",
        Action.DISPATCHED: "dispatch",
        Action.ARRIVED: "arrive at",
        Action.RESOLVED: "resolve",
        Action.UNIT_ASSIGNED: "assign a unit to",
    }.get(action, action.value)


def plan_transition(action: Action, state: State) -> State:
    """Return the state after ``action``; raise TransitionError when it is not allowed."""
    allowed, target = TRANSITIONS[action]
    if state not in allowed:
        raise TransitionError(action, state, allowed)
    return target


def check_unit_change(state: State) -> None:
    if state not in UNIT_STATES:
        raise TransitionError(Action.UNIT_ASSIGNED, state, UNIT_STATES)


def state_for_confirmation(confirmation: Confirmation) -> State:
    return State.CONFIRMED if confirmation == Confirmation.CONFIRMED else State.UNCONFIRMED


def merge_confirmation(stored: Confirmation, incoming: Confirmation) -> Confirmation:
    """Confirmation only moves upwards: unconfirmed to confirmed, never back."""
    if Confirmation.CONFIRMED in (stored, incoming):
        return Confirmation.CONFIRMED
    return Confirmation.UNCONFIRMED
