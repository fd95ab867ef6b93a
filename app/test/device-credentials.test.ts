import { describe, expect, it, vi } from "vitest";
import { ApiError } from "../src/api";
import { deviceErrorText, isDeviceCredentials, restoreDevice } from "../src/device-credentials";
import type { DeviceCredentials } from "../src/store";

const CREDENTIALS: DeviceCredentials = {
  device_id: "app-3f2a9c0d1e2b4a5c",
  mqtt: { username: "app-3f2a9c0d1e2b4a5c", password: "kata-sandi-baru", ws_url: "/mqtt" },
};

describe("restoreDevice", () => {
  it("stores the credentials before returning them", async () => {
    const calls: string[] = [];
    const fetchCredentials = vi.fn(async (token: string) => {
      calls.push(`fetch ${token}`);
      return CREDENTIALS;
    });
    const save = vi.fn(async (device: DeviceCredentials) => {
      calls.push(`save ${device.device_id}`);
    });

    const result = await restoreDevice("token-1", { fetchCredentials, save });

    expect(result).toEqual({ device: CREDENTIALS, error: null, sessionExpired: false });
    expect(calls).toEqual(["fetch token-1", "save app-3f2a9c0d1e2b4a5c"]);
  });

  it("keeps only the credential fields", async () => {
    const answer = { ...CREDENTIALS, citizen: { email: "warga@contoh.id" } };
    const save = vi.fn(async () => {});

    await restoreDevice("token-1", { fetchCredentials: async () => answer, save });

    expect(save).toHaveBeenCalledWith(CREDENTIALS);
  });

  it("stores nothing when the request fails", async () => {
    const save = vi.fn(async () => {});
    const result = await restoreDevice("token-1", {
      fetchCredentials: async () => {
        throw new ApiError(503, "broker account for 'app-1' not created");
      },
      save,
    });

    expect(result.device).toBeNull();
    expect(deviceErrorText(result.error)).toContain("server sedang sibuk");
    expect(result.sessionExpired).toBe(false);
    expect(save).not.toHaveBeenCalled();
  });

  it("reports an expired session on 401", async () => {
    const result = await restoreDevice("old-token", {
      fetchCredentials: async () => {
        throw new ApiError(401, "invalid or expired token");
      },
      save: async () => {},
    });

    expect(result.device).toBeNull();
    expect(result.sessionExpired).toBe(true);
  });

  it("rejects a malformed response without storing it", async () => {
    const save = vi.fn(async () => {});
    const malformed = { device_id: "app-1", mqtt: { username: "app-1" } };

    const result = await restoreDevice("token-1", {
      fetchCredentials: async () => malformed as unknown as DeviceCredentials,
      save,
    });

    expect(result.device).toBeNull();
    expect(deviceErrorText(result.error)).toContain("invalid credentials");
    expect(save).not.toHaveBeenCalled();
  });

  it("does not connect when storing fails", async () => {
    const result = await restoreDevice("token-1", {
      fetchCredentials: async () => CREDENTIALS,
      save: async () => {
        throw new Error("QuotaExceededError");
      },
    });

    expect(result.device).toBeNull();
    expect(deviceErrorText(result.error)).toContain("QuotaExceededError");
  });
});

describe("deviceErrorText", () => {
  it.each([
    [0, "tidak ada koneksi"],
    [401, "Sesi Anda berakhir"],
    [409, "dinonaktifkan petugas"],
    [429, "server sedang sibuk"],
    [503, "server sedang sibuk"],
  ])("explains status %i in Indonesian", (status, text) => {
    expect(deviceErrorText(new ApiError(status, "detail"))).toContain(text);
  });

  it("shows the server's detail for other statuses", () => {
    expect(deviceErrorText(new ApiError(404, "citizen account not found"))).toContain(
      "citizen account not found",
    );
  });
});

describe("isDeviceCredentials", () => {
  it("accepts the registration shape", () => {
    expect(isDeviceCredentials(CREDENTIALS)).toBe(true);
  });

  const emptyPassword = { ...CREDENTIALS, mqtt: { ...CREDENTIALS.mqtt, password: "" } };

  it.each([[null], [{}], [{ device_id: "app-1" }], [emptyPassword]])("rejects %j", (value) => {
    expect(isDeviceCredentials(value)).toBe(false);
  });
});
