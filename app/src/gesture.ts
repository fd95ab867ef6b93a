// Recognise a tap and a hold on the panic button. The recogniser takes the
// time as an argument; the DOM code feeds it pointer and key events.

import type { EventType } from "./events";

export type Gesture = "tap" | "hold";
export type ButtonMode = "panic" | "test";

/** Event type sent for each gesture, per mode. */
export const GESTURE_EVENTS: Record<ButtonMode, Record<Gesture, EventType>> = {
  panic: { tap: "press", hold: "hold" },
  test: { tap: "test", hold: "test" },
};

export class HoldRecogniser {
  private downAtMs: number | null = null;
  private holdSent = false;

  constructor(readonly holdMs: number) {}

  get isDown(): boolean {
    return this.downAtMs !== null;
  }

  /** Finger or key down; a second down while already down is ignored. */
  down(nowMs: number): void {
    if (this.downAtMs !== null) {
      return;
    }
    this.downAtMs = nowMs;
    this.holdSent = false;
  }

  /** Share of the hold time passed, 0 to 1. */
  progress(nowMs: number): number {
    if (this.downAtMs === null) {
      return 0;
    }
    return Math.min(1, Math.max(0, (nowMs - this.downAtMs) / this.holdMs));
  }

  /** Return "hold" once, when the button has been held long enough. */
  tick(nowMs: number): Gesture | null {
    if (this.downAtMs === null || this.holdSent) {
      return null;
    }
    if (nowMs - this.downAtMs >= this.holdMs) {
      this.holdSent = true;
      return "hold";
    }
    return null;
  }

  /**
   * Finger or key up. Returns "tap" unless the hold already fired. A pointer
   * cancelled by the browser also ends here, because a press must never be
   * lost to a finger that slid off the button.
   */
  up(nowMs: number): Gesture | null {
    if (this.downAtMs === null) {
      return null;
    }
    const holdAlreadySent = this.holdSent;
    const heldLongEnough = nowMs - this.downAtMs >= this.holdMs;
    this.downAtMs = null;
    this.holdSent = false;
    if (holdAlreadySent) {
      return null;
    }
    return heldLongEnough ? "hold" : "tap";
  }
}
