import { describe, expect, it } from "vitest";
import { buildEvent, encodeEvent, MAX_EVENT_BYTES, newEventId } from "../src/events";
import { deviceTopic, isValidDeviceId } from "../src/topics";

describe("buildEvent", () => {
  it("builds a press with location", () => {
    const event = buildEvent({
      id: "e1",
      type: "press",
      seq: 4,
      tsMs: 1733346782000.7,
      loc: { lat: -2.976073456789, lon: 104.775431234567, acc_m: 12.6 },
    });
    expect(event).toEqual({
      v: 1,
      id: "e1",
      type: "press",
      source: "app",
      seq: 4,
      ts: 1733346782000,
      loc: { lat: -2.9760735, lon: 104.7754312, acc_m: 13 },
    });
  });

  it("leaves out empty optional fields", () => {
    const event = buildEvent({ id: "c1", type: "cancel", seq: 0, tsMs: 5, loc: null, alert: "e1" });
    expect(Object.keys(event).sort()).toEqual(["alert", "id", "seq", "source", "ts", "type", "v"]);
  });

  it.each([
    [{ id: "", seq: 0 }],
    [{ id: "x".repeat(65), seq: 0 }],
    [{ id: "e", seq: -1 }],
    [{ id: "e", seq: 1.5 }],
  ])("rejects %j", (fields) => {
    expect(() => buildEvent({ type: "press", tsMs: 0, ...fields })).toThrow();
  });

  it("encodes compact JSON within the size limit", () => {
    const text = encodeEvent(buildEvent({ id: newEventId(), type: "hold", seq: 1, tsMs: 1 }));
    expect(text).not.toContain(" ");
    expect(new TextEncoder().encode(text).length).toBeLessThanOrEqual(MAX_EVENT_BYTES);
  });
});

describe("newEventId", () => {
  it("returns distinct version 4 UUIDs", () => {
    const ids = new Set(Array.from({ length: 100 }, newEventId));
    expect(ids.size).toBe(100);
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
  });
});

describe("deviceTopic", () => {
  it("builds the contract's topics", () => {
    expect(deviceTopic("app-0001", "event")).toBe("ampera/v1/dev/app-0001/event");
    expect(deviceTopic("app-0001", "feedback")).toBe("ampera/v1/dev/app-0001/feedback");
  });

  it.each(["", "ab", "App-1", "-abc", "a/b/c", "a+bc"])("rejects device id %j", (id) => {
    expect(isValidDeviceId(id)).toBe(false);
    expect(() => deviceTopic(id, "event")).toThrow();
  });
});
