// Rendering of the screens from the app's state. Only DOM updates here: the
// decisions live in alert-state.ts and the controller in main.ts.

import { type AlertView, canCancel, canClose, remainingSeconds } from "./alert-state";
import { COMPLAINT_CATEGORIES } from "./api";
import { APP_VERSION } from "./config";
import type { GeoStatus } from "./geo";
import { isTextKey, lang, t, type TextKey } from "./i18n";
import type { LinkState } from "./link";
import type { DeviceCredentials, Session } from "./store";

export type Screen = "register" | "login" | "panic" | "report" | "settings";

export interface ViewState {
  screen: Screen;
  device: DeviceCredentials | null;
  session: Session | null;
  alert: AlertView;
  link: LinkState;
  gatewayOnline: boolean | null;
  geoStatus: GeoStatus;
  geoAccuracyM: number | null;
  queued: number;
  testMode: boolean;
  holdProgress: number;
}

const SCREENS: readonly Screen[] = ["register", "login", "panic", "report", "settings"];

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) {
    throw new Error(`missing element #${id} in index.html`);
  }
  return element as T;
}

/** Fill every element marked with data-i18n* in the current language. */
export function applyTexts(): void {
  document.documentElement.lang = lang();
  document.title = t("app.title");
  for (const element of document.querySelectorAll<HTMLElement>("[data-i18n]")) {
    const key = element.dataset.i18n ?? "";
    if (isTextKey(key)) {
      element.textContent = t(key);
    }
  }
  for (const element of document.querySelectorAll<HTMLElement>("[data-i18n-aria]")) {
    const key = element.dataset.i18nAria ?? "";
    if (isTextKey(key)) {
      element.setAttribute("aria-label", t(key));
    }
  }
  const select = byId<HTMLSelectElement>("report-category");
  const chosen = select.value;
  select.replaceChildren(
    ...COMPLAINT_CATEGORIES.map((category) => new Option(t(`cat.${category}` as TextKey), category)),
  );
  if (chosen) {
    select.value = chosen;
  }
}

export function render(state: ViewState, nowMs: number): void {
  for (const screen of SCREENS) {
    byId(`screen-${screen}`).hidden = screen !== state.screen;
  }
  const signedIn = state.device !== null || state.session !== null;
  byId("tabs").hidden = !signedIn;
  for (const tab of document.querySelectorAll<HTMLAnchorElement>("#tabs a")) {
    if (tab.dataset.screen === state.screen) {
      tab.setAttribute("aria-current", "page");
    } else {
      tab.removeAttribute("aria-current");
    }
  }
  byId("test-banner").hidden = !state.testMode;
  document.body.classList.toggle("test-mode", state.testMode);
  renderConnection(state);
  renderPanic(state, nowMs);
  renderReport(state);
  renderSettings(state);
}

function renderConnection(state: ViewState): void {
  const conn = byId("conn");
  conn.hidden = state.device === null;
  conn.className = `conn conn-${state.link}`;
  conn.textContent = t(`conn.${state.link}` as TextKey);

  const notice = byId("conn-notice");
  if (state.link === "rejected") {
    notice.textContent = t("conn.rejectedHelp");
    notice.hidden = false;
  } else if (state.link === "online" && state.gatewayOnline === false) {
    notice.textContent = t("conn.gatewayDown");
    notice.hidden = false;
  } else {
    notice.hidden = true;
  }
}

function statusText(alert: AlertView, nowMs: number): { text: string; detail: string } {
  const remaining = remainingSeconds(alert, nowMs);
  const isTest = alert.kind === "test";
  switch (alert.phase) {
    case "sent":
      if (isTest) {
        return { text: t("state.testSent"), detail: "" };
      }
      if (remaining === null) {
        return { text: t("state.sent"), detail: "" };
      }
      return remaining > 0
        ? { text: t("state.pendingEstimate", { s: remaining }), detail: t("panic.hintPending") }
        : { text: t("state.windowOver"), detail: "" };
    case "pending":
      return remaining !== null && remaining > 0
        ? { text: t("state.pending", { s: remaining }), detail: t("panic.hintPending") }
        : { text: t("state.windowOver"), detail: "" };
    case "dispatched":
      return {
        text: t("state.dispatched"),
        detail: alert.unit ? t("state.unit", { unit: alert.unit }) : t("state.stayCalm"),
      };
    case "confirmed":
    case "unconfirmed":
    case "acknowledged":
      return { text: t(`state.${alert.phase}`), detail: t("state.stayCalm") };
    default:
      return { text: t(`state.${alert.phase}` as TextKey), detail: "" };
  }
}

function renderPanic(state: ViewState, nowMs: number): void {
  const { alert } = state;
  byId("device-missing").hidden = state.device !== null;

  const button = byId<HTMLButtonElement>("panic-button");
  button.disabled = state.device === null;
  byId("panic-label").textContent = t(state.testMode ? "panic.labelTest" : "panic.label");
  byId("panic-sub").textContent =
    state.holdProgress > 0 ? t("panic.holding") : t(state.testMode ? "panic.subTest" : "panic.sub");
  button.setAttribute("aria-label", t(state.testMode ? "panic.ariaTest" : "panic.aria"));
  byId("ring").style.strokeDashoffset = String(100 - state.holdProgress * 100);

  const status = byId("alert-status");
  status.dataset.phase = alert.phase;
  status.dataset.kind = alert.kind ?? "";
  const { text, detail } = statusText(alert, nowMs);
  byId("status-text").textContent = text;
  byId("status-detail").textContent = detail;

  const remaining = remainingSeconds(alert, nowMs);
  const countdown = byId("countdown");
  countdown.hidden = remaining === null || remaining <= 0 || alert.kind === "test";
  byId("countdown-value").textContent = remaining === null ? "" : String(remaining);

  byId("cancel-button").hidden = !canCancel(alert);
  byId("dismiss-button").hidden = !canClose(alert);
  byId("hint").textContent = alert.phase === "idle" && !state.testMode ? t("panic.hint") : "";

  const locLine = byId("loc-line");
  if (state.geoStatus === "denied") {
    locLine.textContent = t("loc.denied");
  } else if (state.geoAccuracyM !== null) {
    locLine.textContent = t("loc.ok", { acc: Math.round(state.geoAccuracyM) });
  } else {
    locLine.textContent = state.geoStatus === "unavailable" ? t("loc.unavailable") : "";
  }

  const queueLine = byId("queue-line");
  queueLine.hidden = state.queued === 0;
  queueLine.textContent = t("queue.count", { n: state.queued });
}

function renderReport(state: ViewState): void {
  const loggedIn = state.session !== null;
  byId("report-login").hidden = loggedIn;
  byId("report-form").hidden = !loggedIn;
}

function renderSettings(state: ViewState): void {
  byId("settings-account").textContent = state.session
    ? `${state.session.name ?? ""} (${state.session.email})`.trim()
    : t("settings.none");
  byId("settings-device").textContent = state.device?.device_id ?? t("settings.none");
  byId("settings-version").textContent = APP_VERSION;
  byId<HTMLInputElement>("test-mode").checked = state.testMode;
  byId("logout-button").hidden = state.session === null;
}
