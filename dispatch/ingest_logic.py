"""How one gateway alert snapshot changes the stored incident. Pure logic, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from dispatch.lifecycle import Confirmation, State, merge_confirmation, state_for_confirmation


class GatewayOutcome(StrEnum):
    CONFIRMED = "confirmed"
    UNCONFIRMED = "unconfirmed"
    CANCELLED = "cancelled"


class IngestDecision(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    REOPENED = "reopened"
    # The snapshot's version is not newer than the stored one: a retry or a
    # reordered request, which changes nothing.
    STALE = "stale"


@dataclass(frozen=True)
class StoredAlert:
    state: State
    confirmation: Confirmation
    version: int
    press_count: int


@dataclass(frozen=True)
class IngestPlan:
    decision: IngestDecision
    state: State
    confirmation: Confirmation


def plan_snapshot(
    stored: StoredAlert | None, outcome: GatewayOutcome, version: int, press_count: int
) -> IngestPlan:
    """Decide what a snapshot does to the incident it belongs to.

    A resolved or cancelled incident is reopened when the snapshot brings a new
    press or an upgrade to confirmed, because a new press must reach a person.
    A snapshot that only records a cancel after the incident was resolved does
    not reopen it.
    """
    incoming = (
        Confirmation.UNCONFIRMED if outcome == GatewayOutcome.CANCELLED else Confirmation(outcome)
    )
    if stored is None:
        state = (
            State.CANCELLED
            if outcome == GatewayOutcome.CANCELLED
            else state_for_confirmation(incoming)
        )
        return IngestPlan(IngestDecision.CREATED, state, incoming)

    if version <= stored.version:
        return IngestPlan(IngestDecision.STALE, stored.state, stored.confirmation)

    confirmation = merge_confirmation(stored.confirmation, incoming)
    if outcome == GatewayOutcome.CANCELLED:
        # A cancel never withdraws an incident that was forwarded.
        return IngestPlan(IngestDecision.UPDATED, stored.state, stored.confirmation)

    if stored.state in (State.RESOLVED, State.CANCELLED):
        news = press_count > stored.press_count or confirmation != stored.confirmation
        if stored.state == State.CANCELLED or news:
            return IngestPlan(
                IngestDecision.REOPENED, state_for_confirmation(confirmation), confirmation
            )
        return IngestPlan(IngestDecision.UPDATED, stored.state, confirmation)

    state = stored.state
    if state == State.UNCONFIRMED and confirmation == Confirmation.CONFIRMED:
        state = State.CONFIRMED
    return IngestPlan(IngestDecision.UPDATED, state, confirmation)
