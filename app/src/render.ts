// Rendering of the screens from the app's state. Only DOM updates here: the
// decisions live in alert-state.ts and the controller in main.ts.

import { type AlertView, canCancel, canClose, remainingSeconds } from "./alert-state";
import { COMPLAINT_CATEGORIES } from "./api";
import { deviceErrorText } from "./device-credentials";
import { APP_VERSION } from "./config";
import type { GeoStatus } from "./geo";
import { isTextKey, lang, t, type TextKey } from "./i18n";
import type { LinkState } from "./link";
import type { DeviceCredentials, Session } from "./store";

export type Screen = "register" | "login" | "panic" | "report" | "settings";

export interface ViewState {
  screen: Screen;
  device: DeviceCredentials | null;
  /** Cause of the last failed request for new device credentials; null after success. */
  deviceError: unknown;
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

/** Set an element's text only when it changed, so live regions announce real changes only. */
function setText(element: HTMLElement, text: string): void {
  if (element.textContent !== text) {
    element.textContent = text;
  }
}

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
  setText(conn, t(`conn.${state.link}` as TextKey));

  const notice = byId("conn-notice");
  if (state.link === "rejected") {
    setText(notice, t("conn.rejectedHelp"));
    notice.hidden = false;
  } else if (state.link === "online" && state.gatewayOnline === false) {
    setText(notice, t("conn.gatewayDown"));
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
        ? { text: t("state.pendingEstimate"), detail: t("panic.hintPending") }
        : { text: t("state.windowOver"), detail: "" };
    case "pending":
      return remaining !== null && remaining > 0
        ? { text: t("state.pending"), detail: t("panic.hintPending") }
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
  const deviceMissing = byId("device-missing");
  deviceMissing.hidden = state.device !== null;
  setText(
    deviceMissing,
    state.deviceError === null ? t("panic.noDevice") : deviceErrorText(state.deviceError),
  );

  const button = byId<HTMLButtonElement>("panic-button");
  button.disabled = state.device === null;
  setText(byId("panic-label"), t(state.testMode ? "panic.labelTest" : "panic.label"));
  setText(
    byId("panic-sub"),
    state.holdProgress > 0 ? t("panic.holding") : t(state.testMode ? "panic.subTest" : "panic.sub"),
  );
  button.setAttribute("aria-label", t(state.testMode ? "panic.ariaTest" : "panic.aria"));
  const ring = byId("ring");
  ring.style.strokeDashoffset = String(100 - state.holdProgress * 100);
  ring.style.visibility = state.holdProgress > 0 ? "visible" : "hidden";

  const status = byId("alert-status");
  status.dataset.phase = alert.phase;
  status.dataset.kind = alert.kind ?? "";
  const { text, detail } = statusText(alert, nowMs);
  setText(byId("status-text"), text);
  setText(byId("status-detail"), detail);

  const remaining = remainingSeconds(alert, nowMs);
  const countdown = byId("countdown");
  countdown.hidden = remaining === null || remaining <= 0 || alert.kind === "test";
  setText(byId("countdown-value"), remaining === null ? "" : String(remaining));

  byId("cancel-button").hidden = !canCancel(alert);
  byId("dismiss-button").hidden = !canClose(alert);
  setText(byId("hint"), alert.phase === "idle" && !state.testMode ? t("panic.hint") : "");

  const locLine = byId("loc-line");
  if (state.geoStatus === "denied") {
    setText(locLine, t("loc.denied"));
  } else if (state.geoAccuracyM !== null) {
    setText(locLine, t("loc.ok", { acc: Math.round(state.geoAccuracyM) }));
  } else {
    setText(locLine, state.geoStatus === "unavailable" ? t("loc.unavailable") : "");
  }

  const queueLine = byId("queue-line");
  queueLine.hidden = state.queued === 0;
  setText(queueLine, t("queue.count", { n: state.queued }));
}

function renderReport(state: ViewState): void {
  const loggedIn = state.session !== null;
  byId("report-login").hidden = loggedIn;
  byId("report-form").hidden = !loggedIn;
}

function renderSettings(state: ViewState): void {
  setText(
    byId("settings-account"),
    state.session ? `${state.session.name ?? ""} (${state.session.email})`.trim() : t("settings.none"),
  );
  setText(byId("settings-device"), state.device?.device_id ?? t("settings.none"));
  setText(byId("settings-version"), APP_VERSION);
  byId<HTMLInputElement>("test-mode").checked = state.testMode;
  byId("logout-button").hidden = state.session === null;
}
