import { describe, expect, it } from "vitest";
import { describeDetail, tokenExpiresAtMs } from "../src/api";

function token(claims: object): string {
  const encode = (value: object) =>
    btoa(JSON.stringify(value)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return `${encode({ alg: "HS256", typ: "JWT" })}.${encode(claims)}.c2lnbmF0dXJl`;
}

describe("tokenExpiresAtMs", () => {
  it("reads exp in milliseconds", () => {
    expect(tokenExpiresAtMs(token({ sub: "warga@contoh.id", exp: 1796423460 }))).toBe(
      1796423460000,
    );
  });

  it.each([["not-a-token"], ["a.!!!.c"], [token({ sub: "x" })], [token({ exp: "soon" })]])(
    "returns null for %j",
    (value) => {
      expect(tokenExpiresAtMs(value)).toBeNull();
    },
  );
});

describe("describeDetail", () => {
  it("keeps a string detail", () => {
    expect(describeDetail("e-mail 'a@b.id' is already registered")).toBe(
      "e-mail 'a@b.id' is already registered",
    );
  });

  it("joins field errors without the body prefix", () => {
    const detail = [
      { loc: ["body", "password"], msg: "String should have at least 8 characters" },
      { loc: ["body", "email"], msg: "value is not a valid email address" },
    ];
    expect(describeDetail(detail)).toBe(
      "password: String should have at least 8 characters; email: value is not a valid email address",
    );
  });

  it("returns an empty string for anything else", () => {
    expect(describeDetail({ unexpected: true })).toBe("");
  });
});
