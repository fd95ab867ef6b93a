// The alert view shown to the person, as a pure reducer. Every function takes
// the view, an input and the phone's time, and returns the next view. Nothing
// here does I/O or reads the clock, so tests drive it with numbers.

import { DEFAULT_CONFIRM_WINDOW_S } from "./config";

/** Feedback states the gateway sends on ampera/v1/dev/{device_id}/feedback. */
export type FeedbackState =
  | "pending"
  | "confirmed"
  | "unconfirmed"
  | "cancelled"
  | "acknowledged"
  | "dispatched"
  | "resolved"
  | "test";

const FEEDBACK_STATES: readonly FeedbackState[] = [
  "pending",
  "confirmed",
  "unconfirmed",
  "cancelled",
  "acknowledged",
  "dispatched",
  "resolved",
  "test",
];

/**
 * Phase of the alert on screen: the gateway's feedback states, plus three
 * local ones. `queued` is stored without a connection, `sent` is published
 * without feedback yet, and `cancelling` is a cancel sent without an answer.
 */
export type Phase = "idle" | "queued" | "sent" | "cancelling" | FeedbackState;

export type AlertKind = "panic" | "test";

export interface AlertView {
  /** Event id of the event that opened the alert; feedback names it in `alert`. */
  alertId: string | null;
  /** Every event id sent for this alert (press, second press, hold, cancel). */
  eventIds: string[];
  kind: AlertKind | null;
  /** Whether the alert was opened by a plain press, so a cancel is offered. */
  openedByPress: boolean;
  phase: Phase;
  /** End of the confirm window on the phone clock, Unix ms, or null. */
  deadlineMs: number | null;
  /** True once the gateway's `remaining_s` set the deadline. */
  windowFromGateway: boolean;
  /** Unit named in `dispatched` feedback, when the gateway sends one. */
  unit: string | null;
  startedAtMs: number | null;
  updatedAtMs: number | null;
}

export interface Feedback {
  alert: string;
  state: FeedbackState;
  remaining_s?: number;
  unit?: string;
}

export const IDLE: AlertView = {
  alertId: null,
  eventIds: [],
  kind: null,
  openedByPress: false,
  phase: "idle",
  deadlineMs: null,
  windowFromGateway: false,
  unit: null,
  startedAtMs: null,
  updatedAtMs: null,
};

// Order of the alert's life. Feedback that would move the view backwards
// (a redelivered or reordered QoS 1 message) is ignored.
const RANK: Record<Phase, number> = {
  idle: 0,
  queued: 0,
  sent: 0,
  pending: 1,
  cancelling: 1,
  unconfirmed: 2,
  confirmed: 3,
  acknowledged: 4,
  dispatched: 5,
  resolved: 6,
  cancelled: 6,
  test: 6,
};

const FINISHED: readonly Phase[] = ["idle", "resolved", "cancelled", "test"];
const WAITING_FOR_GATEWAY: readonly Phase[] = ["queued", "sent"];

/** Tell whether no alert is in progress, so that a new press opens a new alert. */
export function isFinished(view: AlertView): boolean {
  return FINISHED.includes(view.phase);
}

/** Tell whether a cancel is still possible: in the window of an alert opened by a press. */
export function canCancel(view: AlertView): boolean {
  return (
    view.kind === "panic" &&
    view.openedByPress &&
    (view.phase === "queued" || view.phase === "sent" || view.phase === "pending")
  );
}

/** Parse a feedback message; return null for anything that is not valid feedback. */
export function parseFeedback(text: string): Feedback | null {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof data !== "object" || data === null) {
    return null;
  }
  const record = data as Record<string, unknown>;
  const { alert, state } = record;
  if (typeof alert !== "string" || alert.length === 0) {
    return null;
  }
  if (typeof state !== "string" || !FEEDBACK_STATES.includes(state as FeedbackState)) {
    return null;
  }
  const feedback: Feedback = { alert, state: state as FeedbackState };
  if (typeof record.remaining_s === "number" && Number.isFinite(record.remaining_s)) {
    feedback.remaining_s = Math.max(0, record.remaining_s);
  }
  if (typeof record.unit === "string" && record.unit.length > 0) {
    feedback.unit = record.unit;
  }
  return feedback;
}

/**
 * Record a press, hold or test event made by the person.
 *
 * A press or hold while a panic alert is still open belongs to that alert,
 * because the gateway confirms it or attaches it to the open incident.
 * Anything else opens a new alert.
 */
export function recordEvent(
  view: AlertView,
  eventId: string,
  type: "press" | "hold" | "test",
  connected: boolean,
  nowMs: number,
): AlertView {
  if (type !== "test" && view.kind === "panic" && !isFinished(view)) {
    return { ...view, eventIds: [...view.eventIds, eventId], updatedAtMs: nowMs };
  }
  const phase: Phase = connected ? "sent" : "queued";
  return {
    ...IDLE,
    alertId: eventId,
    eventIds: [eventId],
    kind: type === "test" ? "test" : "panic",
    openedByPress: type === "press",
    phase,
    deadlineMs: type === "press" && connected ? nowMs + DEFAULT_CONFIRM_WINDOW_S * 1000 : null,
    startedAtMs: nowMs,
    updatedAtMs: nowMs,
  };
}

/** Note that the queued event that opened the alert has now been published. */
export function recordPublished(view: AlertView, eventId: string, nowMs: number): AlertView {
  if (view.phase !== "queued" || eventId !== view.alertId) {
    return view;
  }
  return {
    ...view,
    phase: "sent",
    deadlineMs: view.openedByPress ? nowMs + DEFAULT_CONFIRM_WINDOW_S * 1000 : null,
    updatedAtMs: nowMs,
  };
}

/**
 * Note that the event that opened the alert could not be published, because
 * the connection dropped between the press and the publish.
 */
export function recordQueued(view: AlertView, eventId: string, nowMs: number): AlertView {
  if (view.phase !== "sent" || eventId !== view.alertId) {
    return view;
  }
  return { ...view, phase: "queued", deadlineMs: null, updatedAtMs: nowMs };
}

/** Record the person's cancel; ignored when a cancel is no longer possible. */
export function recordCancel(view: AlertView, eventId: string, nowMs: number): AlertView {
  if (!canCancel(view)) {
    return view;
  }
  return {
    ...view,
    eventIds: [...view.eventIds, eventId],
    phase: "cancelling",
    updatedAtMs: nowMs,
  };
}

function belongsToView(view: AlertView, alertId: string): boolean {
  return alertId === view.alertId || view.eventIds.includes(alertId);
}

/** Apply one feedback message from the gateway. */
export function applyFeedback(view: AlertView, feedback: Feedback, nowMs: number): AlertView {
  let current = view;
  if (!belongsToView(view, feedback.alert)) {
    if (isFinished(view)) {
      // News about an alert this view does not show, for example after the
      // app was reinstalled or its data cleared: show it.
      current = {
        ...IDLE,
        alertId: feedback.alert,
        eventIds: [feedback.alert],
        kind: feedback.state === "test" ? "test" : "panic",
        startedAtMs: nowMs,
      };
    } else if (WAITING_FOR_GATEWAY.includes(view.phase)) {
      // The gateway attached this press to an alert it already had open and
      // reports on that one.
      current = { ...view, alertId: feedback.alert, eventIds: [...view.eventIds, feedback.alert] };
    } else {
      return view;
    }
  }

  if (feedback.state === "pending") {
    if (current.phase !== "idle" && RANK[current.phase] > RANK.pending) {
      return current;
    }
    const remainingS = feedback.remaining_s ?? DEFAULT_CONFIRM_WINDOW_S;
    return {
      ...current,
      phase: current.phase === "cancelling" ? "cancelling" : "pending",
      openedByPress: current.phase === "idle" ? true : current.openedByPress,
      deadlineMs: nowMs + remainingS * 1000,
      windowFromGateway: true,
      updatedAtMs: nowMs,
    };
  }

  if (RANK[feedback.state] < RANK[current.phase]) {
    return current;
  }
  return {
    ...current,
    phase: feedback.state,
    deadlineMs: null,
    unit: feedback.unit ?? current.unit,
    updatedAtMs: nowMs,
  };
}

/** Seconds left in the confirm window (rounded up), or null when no countdown runs. */
export function remainingSeconds(view: AlertView, nowMs: number): number | null {
  if (view.deadlineMs === null) {
    return null;
  }
  if (view.phase !== "sent" && view.phase !== "pending" && view.phase !== "cancelling") {
    return null;
  }
  return Math.max(0, Math.ceil((view.deadlineMs - nowMs) / 1000));
}

// Phases the person may close: the alert is over, or staff have it. Closing
// only hides the view; the next feedback on an open incident shows it again.
const CLOSABLE: readonly Phase[] = [
  "confirmed",
  "unconfirmed",
  "acknowledged",
  "dispatched",
  "resolved",
  "cancelled",
  "test",
];

export function canClose(view: AlertView): boolean {
  return CLOSABLE.includes(view.phase);
}

/** Hide the alert, so the screen shows the ready button again. */
export function close(view: AlertView): AlertView {
  return canClose(view) ? IDLE : view;
}
