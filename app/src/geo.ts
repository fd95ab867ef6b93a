// The phone's position from the browser's geolocation. A request waits at
// most GEO_TIMEOUT_MS, and an alert without a fix by then goes out without loc.

import { GEO_MAX_AGE_MS, GEO_TIMEOUT_MS } from "./config";
import type { Location } from "./events";

export type GeoStatus = "unknown" | "granted" | "denied" | "unavailable";

export class LocationSource {
  private last: { loc: Location; atMs: number } | null = null;
  status: GeoStatus = "unknown";

  get supported(): boolean {
    return "geolocation" in navigator;
  }

  /** Latest position if it is younger than GEO_MAX_AGE_MS. */
  recent(nowMs: number): Location | null {
    if (this.last && nowMs - this.last.atMs <= GEO_MAX_AGE_MS) {
      return this.last.loc;
    }
    return null;
  }

  /**
   * Return a position within GEO_TIMEOUT_MS, or null when the person refused
   * it, the phone has none or it is too slow.
   */
  current(timeoutMs: number = GEO_TIMEOUT_MS): Promise<Location | null> {
    const cached = this.recent(Date.now());
    if (cached) {
      return Promise.resolve(cached);
    }
    if (!this.supported) {
      this.status = "unavailable";
      return Promise.resolve(null);
    }
    return new Promise((resolve) => {
      // The browser's own timeout does not cover the permission prompt, so a
      // timer of ours bounds the whole wait.
      const timer = setTimeout(() => resolve(null), timeoutMs);
      navigator.geolocation.getCurrentPosition(
        (position) => {
          clearTimeout(timer);
          const loc: Location = {
            lat: position.coords.latitude,
            lon: position.coords.longitude,
            acc_m: position.coords.accuracy,
          };
          this.last = { loc, atMs: Date.now() };
          this.status = "granted";
          resolve(loc);
        },
        (error) => {
          clearTimeout(timer);
          this.status = error.code === error.PERMISSION_DENIED ? "denied" : "unavailable";
          resolve(null);
        },
        { enableHighAccuracy: true, maximumAge: GEO_MAX_AGE_MS, timeout: timeoutMs },
      );
    });
  }

  /** Ask for a position in the background, so the next alert has one at once. */
  warmUp(): void {
    void this.current();
  }
}
