import { describe, expect, it } from "vitest";
import {
  type AlertView,
  applyFeedback,
  canCancel,
  canClose,
  close,
  IDLE,
  parseFeedback,
  recordCancel,
  recordEvent,
  recordPublished,
  recordQueued,
  remainingSeconds,
} from "../src/alert-state";
import { DEFAULT_CONFIRM_WINDOW_S } from "../src/config";

const T0 = 1_700_000_000_000;

function pressed(connected = true): AlertView {
  return recordEvent(IDLE, "e1", "press", connected, T0);
}

describe("recordEvent", () => {
  it("opens an alert with the local window estimate", () => {
    const view = pressed();
    expect(view.phase).toBe("sent");
    expect(view.alertId).toBe("e1");
    expect(remainingSeconds(view, T0)).toBe(DEFAULT_CONFIRM_WINDOW_S);
    expect(canCancel(view)).toBe(true);
  });

  it("queues without a countdown while offline", () => {
    const view = pressed(false);
    expect(view.phase).toBe("queued");
    expect(remainingSeconds(view, T0)).toBeNull();
    expect(canCancel(view)).toBe(true);
  });

  it("starts the countdown once the queued press is published", () => {
    const view = recordPublished(pressed(false), "e1", T0 + 60_000);
    expect(view.phase).toBe("sent");
    expect(remainingSeconds(view, T0 + 60_000)).toBe(DEFAULT_CONFIRM_WINDOW_S);
  });

  it("falls back to queued when the publish could not happen", () => {
    const view = recordQueued(pressed(), "e1", T0 + 100);
    expect(view.phase).toBe("queued");
    expect(remainingSeconds(view, T0 + 100)).toBeNull();
    expect(recordQueued(view, "other", T0 + 200)).toBe(view);
  });

  it("adds a second press to the open alert", () => {
    const view = recordEvent(pressed(), "e2", "press", true, T0 + 2000);
    expect(view.alertId).toBe("e1");
    expect(view.eventIds).toEqual(["e1", "e2"]);
  });

  it("offers no cancel for a hold", () => {
    const view = recordEvent(IDLE, "h1", "hold", true, T0);
    expect(canCancel(view)).toBe(false);
    expect(remainingSeconds(view, T0)).toBeNull();
  });

  it("opens a new alert after a finished one", () => {
    const done = applyFeedback(pressed(), { alert: "e1", state: "cancelled" }, T0 + 1000);
    const view = recordEvent(done, "e2", "press", true, T0 + 5000);
    expect(view.alertId).toBe("e2");
  });
});

describe("applyFeedback", () => {
  it("takes the window from pending remaining_s", () => {
    const view = applyFeedback(pressed(), { alert: "e1", state: "pending", remaining_s: 7 }, T0 + 500);
    expect(view.phase).toBe("pending");
    expect(view.windowFromGateway).toBe(true);
    expect(remainingSeconds(view, T0 + 500)).toBe(7);
    expect(remainingSeconds(view, T0 + 500 + 6500)).toBe(1);
    expect(remainingSeconds(view, T0 + 500 + 7000)).toBe(0);
  });

  it.each([
    ["confirmed"],
    ["unconfirmed"],
    ["acknowledged"],
    ["dispatched"],
    ["resolved"],
    ["cancelled"],
  ] as const)("shows %s", (state) => {
    const view = applyFeedback(pressed(), { alert: "e1", state }, T0 + 1000);
    expect(view.phase).toBe(state);
    expect(remainingSeconds(view, T0 + 1000)).toBeNull();
    expect(canCancel(view)).toBe(false);
  });

  it("ignores feedback that moves backwards", () => {
    let view = applyFeedback(pressed(), { alert: "e1", state: "dispatched", unit: "R2-07" }, T0);
    view = applyFeedback(view, { alert: "e1", state: "acknowledged" }, T0 + 1);
    view = applyFeedback(view, { alert: "e1", state: "pending", remaining_s: 5 }, T0 + 2);
    expect(view.phase).toBe("dispatched");
    expect(view.unit).toBe("R2-07");
  });

  it("upgrades unconfirmed to confirmed", () => {
    let view = applyFeedback(pressed(), { alert: "e1", state: "unconfirmed" }, T0);
    view = applyFeedback(view, { alert: "e1", state: "confirmed" }, T0 + 1);
    expect(view.phase).toBe("confirmed");
  });

  it("keeps cancelling through a late pending", () => {
    let view = recordCancel(pressed(), "c1", T0 + 1000);
    view = applyFeedback(view, { alert: "e1", state: "pending", remaining_s: 9 }, T0 + 1100);
    expect(view.phase).toBe("cancelling");
    view = applyFeedback(view, { alert: "e1", state: "cancelled" }, T0 + 1200);
    expect(view.phase).toBe("cancelled");
  });

  it("shows confirmed when the cancel came too late", () => {
    let view = recordCancel(pressed(), "c1", T0 + 1000);
    view = applyFeedback(view, { alert: "e1", state: "unconfirmed" }, T0 + 1100);
    expect(view.phase).toBe("unconfirmed");
  });

  it("follows the gateway to the alert it attached the press to", () => {
    const view = applyFeedback(pressed(), { alert: "older", state: "confirmed" }, T0 + 100);
    expect(view.alertId).toBe("older");
    expect(view.phase).toBe("confirmed");
  });

  it("ignores another alert's feedback during a window", () => {
    const pending = applyFeedback(pressed(), { alert: "e1", state: "pending", remaining_s: 9 }, T0);
    const view = applyFeedback(pending, { alert: "other", state: "resolved" }, T0 + 1);
    expect(view).toBe(pending);
  });

  it("shows news about an alert when idle", () => {
    const view = applyFeedback(IDLE, { alert: "x9", state: "dispatched" }, T0);
    expect(view.alertId).toBe("x9");
    expect(view.phase).toBe("dispatched");
  });
});

describe("recordCancel", () => {
  it("is ignored after the window", () => {
    const confirmed = applyFeedback(pressed(), { alert: "e1", state: "confirmed" }, T0);
    expect(recordCancel(confirmed, "c1", T0 + 1)).toBe(confirmed);
  });
});

describe("close", () => {
  it("returns to idle only from a closable phase", () => {
    expect(canClose(pressed())).toBe(false);
    expect(close(pressed()).phase).toBe("sent");
    const resolved = applyFeedback(pressed(), { alert: "e1", state: "resolved" }, T0);
    expect(close(resolved)).toBe(IDLE);
  });
});

describe("parseFeedback", () => {
  it.each([
    ["not json", null],
    ["[]", null],
    ['{"alert": "", "state": "pending"}', null],
    ['{"alert": "a", "state": "on_scene"}', null],
    ['{"alert": "a"}', null],
  ])("rejects %s", (text, expected) => {
    expect(parseFeedback(text)).toBe(expected);
  });

  it("reads remaining_s and unit", () => {
    expect(parseFeedback('{"alert":"a","state":"pending","remaining_s":8.5}')).toEqual({
      alert: "a",
      state: "pending",
      remaining_s: 8.5,
    });
    expect(parseFeedback('{"alert":"a","state":"dispatched","unit":"R2"}')?.unit).toBe("R2");
  });
});
