// Times are shown in Palembang local time (WIB, Asia/Jakarta, UTC+7) whatever
// the time zone of the computer at the station desk.

import { locale, t } from "./i18n.js";

export const TIME_ZONE = "Asia/Jakarta";

// API times are UTC. A date-time without an offset is read as UTC too,
// because JavaScript would otherwise take it as the computer's local time.
const WITHOUT_OFFSET = /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

export function parseTime(value) {
  if (!value) return null;
  const text = String(value);
  const date = new Date(WITHOUT_OFFSET.test(text) ? `${text}Z` : text);
  return Number.isNaN(date.getTime()) ? null : date;
}

export function formatDateTime(value) {
  const date = parseTime(value);
  if (!date) return t("common.unknown");
  const text = new Intl.DateTimeFormat(locale(), {
    timeZone: TIME_ZONE,
    day: "2-digit",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hour12: false,
  }).format(date);
  return `${text} ${t("time.zone")}`;
}

export function formatClock(value) {
  const date = parseTime(value);
  if (!date) return t("common.unknown");
  return new Intl.DateTimeFormat(locale(), {
    timeZone: TIME_ZONE,
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hour12: false,
  }).format(date);
}

export function formatDay(value) {
  const date = parseTime(value);
  if (!date) return "";
  return new Intl.DateTimeFormat(locale(), {
    timeZone: TIME_ZONE,
    day: "2-digit",
    month: "short",
  }).format(date);
}

export function formatAgo(value, nowMs) {
  const date = parseTime(value);
  if (!date) return "";
  const seconds = Math.max(0, Math.round((nowMs - date.getTime()) / 1000));
  if (seconds < 10) return t("time.just_now");
  if (seconds < 60) return t("time.seconds_ago", { n: seconds });
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return t("time.minutes_ago", { n: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return t("time.hours_ago", { n: hours });
  return t("time.days_ago", { n: Math.floor(hours / 24) });
}

// A duration in milliseconds, signed, in the largest readable unit.
export function formatDurationMs(ms) {
  if (ms === null || ms === undefined || Number.isNaN(Number(ms))) return t("common.unknown");
  const value = Number(ms);
  const sign = value < 0 ? "−" : "";
  const size = Math.abs(value);
  const number = (n, digits = 0) => new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(n);
  if (size < 1000) return sign + t("unit.ms", { n: number(size) });
  if (size < 120_000) return sign + t("unit.s", { n: number(size / 1000, 1) });
  return sign + t("unit.min", { n: number(size / 60_000, 1) });
}

export function formatNumber(value) {
  return new Intl.NumberFormat(locale()).format(value ?? 0);
}

export function formatCoordinates(loc) {
  if (!loc || typeof loc.lat !== "number" || typeof loc.lon !== "number") return null;
  return `${loc.lat.toFixed(5)}, ${loc.lon.toFixed(5)}`;
}

// The UTC instant at which a WIB calendar day ("2026-12-04") starts.
export function wibDayStartIso(day) {
  return new Date(`${day}T00:00:00+07:00`).toISOString();
}

// Today's WIB calendar day as "YYYY-MM-DD".
export function wibToday(nowMs) {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: TIME_ZONE,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(new Date(nowMs));
  return parts;
}

export function addDays(day, count) {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + count);
  return date.toISOString().slice(0, 10);
}
