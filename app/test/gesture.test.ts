import { describe, expect, it } from "vitest";
import { GESTURE_EVENTS, HoldRecogniser } from "../src/gesture";

describe("HoldRecogniser", () => {
  it("reports a tap on an early release", () => {
    const recogniser = new HoldRecogniser(2500);
    recogniser.down(0);
    expect(recogniser.tick(1000)).toBeNull();
    expect(recogniser.progress(1000)).toBeCloseTo(0.4);
    expect(recogniser.up(1200)).toBe("tap");
    expect(recogniser.isDown).toBe(false);
  });

  it("reports a hold once, and nothing on release", () => {
    const recogniser = new HoldRecogniser(2500);
    recogniser.down(0);
    expect(recogniser.tick(2499)).toBeNull();
    expect(recogniser.tick(2500)).toBe("hold");
    expect(recogniser.tick(3000)).toBeNull();
    expect(recogniser.up(4000)).toBeNull();
  });

  it("reports a hold on a late release that no tick saw", () => {
    const recogniser = new HoldRecogniser(2500);
    recogniser.down(0);
    expect(recogniser.up(2600)).toBe("hold");
  });

  it("ignores a second down and an up without a down", () => {
    const recogniser = new HoldRecogniser(2500);
    expect(recogniser.up(10)).toBeNull();
    recogniser.down(0);
    recogniser.down(2000);
    expect(recogniser.tick(2500)).toBe("hold");
  });

  it("maps gestures to event types per mode", () => {
    expect(GESTURE_EVENTS.panic).toEqual({ tap: "press", hold: "hold" });
    expect(GESTURE_EVENTS.test).toEqual({ tap: "test", hold: "test" });
  });
});
