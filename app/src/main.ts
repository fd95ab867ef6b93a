// The app's controller: loads what the phone keeps, wires the button, the
// forms and the MQTT link, and re-renders after every change.

import { registerSW } from "virtual:pwa-register";
import * as alerts from "./alert-state";
import {
  ApiError,
  type ComplaintCategory,
  fetchDeviceCredentials,
  fetchMe,
  fileComplaint,
  login,
  registerCitizen,
  tokenExpiresAtMs,
} from "./api";
import { HOLD_MS } from "./config";
import { deviceErrorText, restoreDevice } from "./device-credentials";
import { type EventType, newEventId } from "./events";
import { GESTURE_EVENTS, type Gesture, HoldRecogniser } from "./gesture";
import { LocationSource } from "./geo";
import { lang, setLang, t } from "./i18n";
import { type LinkState, MqttLink } from "./link";
import { applyTexts, byId, render, type Screen, type ViewState } from "./render";
import * as store from "./store";
import "./style.css";

const TEST_MODE_KEY = "ampera.testMode";

const ROUTES: Record<string, Screen> = {
  "#daftar": "register",
  "#masuk": "login",
  "#darurat": "panic",
  "#laporan": "report",
  "#pengaturan": "settings",
};

const state: ViewState = {
  screen: "register",
  device: null,
  deviceError: null,
  session: null,
  alert: alerts.IDLE,
  link: "offline",
  gatewayOnline: null,
  geoStatus: "unknown",
  geoAccuracyM: null,
  queued: 0,
  testMode: localStorage.getItem(TEST_MODE_KEY) === "1",
  holdProgress: 0,
};

const geo = new LocationSource();
const recogniser = new HoldRecogniser(HOLD_MS);
let link: MqttLink | null = null;
let holdFrame: number | null = null;

function refresh(): void {
  render(state, Date.now());
}

async function setAlert(next: alerts.AlertView): Promise<void> {
  if (next === state.alert) {
    return;
  }
  const before = state.alert.phase;
  state.alert = next;
  refresh();
  if (next.phase !== before) {
    vibrateFor(next.phase);
  }
  await store.setValue("alert", next);
}

function vibrateFor(phase: alerts.Phase): void {
  const patterns: Partial<Record<alerts.Phase, number[]>> = {
    pending: [80],
    confirmed: [200, 100, 200],
    unconfirmed: [200, 100, 200],
    acknowledged: [300],
    dispatched: [300, 100, 300],
  };
  const pattern = patterns[phase];
  if (pattern && "vibrate" in navigator) {
    navigator.vibrate(pattern);
  }
}

async function countQueued(): Promise<void> {
  state.queued = (await store.pendingEvents()).length;
  refresh();
}

// ---- Routing --------------------------------------------------------------

function defaultScreen(): Screen {
  return state.device || state.session ? "panic" : "register";
}

function route(): void {
  const screen = ROUTES[window.location.hash] ?? defaultScreen();
  const needsAccount = screen === "panic" || screen === "report" || screen === "settings";
  state.screen = needsAccount && !state.device && !state.session ? "register" : screen;
  refresh();
}

function go(screen: Screen): void {
  const hash = Object.keys(ROUTES).find((key) => ROUTES[key] === screen) ?? "";
  if (window.location.hash === hash) {
    route();
  } else {
    window.location.hash = hash;
  }
}

// ---- MQTT link ---------------------------------------------------------------

function startLink(device: store.DeviceCredentials): void {
  link?.stop();
  link = new MqttLink(device, {
    onState(linkState: LinkState) {
      state.link = linkState;
      refresh();
    },
    onFeedback(payload: string) {
      const feedback = alerts.parseFeedback(payload);
      if (feedback) {
        void setAlert(alerts.applyFeedback(state.alert, feedback, Date.now()));
      }
    },
    onGatewayStatus(online: boolean) {
      state.gatewayOnline = online;
      refresh();
    },
    onPublished(entry) {
      void setAlert(alerts.recordPublished(state.alert, entry.id, Date.now()));
    },
    onDelivered() {
      void countQueued();
    },
  });
  link.start();
}

// ---- Device credentials after login -----------------------------------------

let restoring: Promise<void> | null = null;

/**
 * Get, store and connect new panic-button credentials when the phone has none
 * but a logged-in session. One request at a time, because each request
 * replaces the password that the previous one returned.
 */
function restoreMissingDevice(): Promise<void> {
  restoring ??= restoreOnce().finally(() => {
    restoring = null;
  });
  return restoring;
}

async function restoreOnce(): Promise<void> {
  const session = state.session;
  if (state.device !== null || session === null) {
    return;
  }
  const result = await restoreDevice(session.access_token, {
    fetchCredentials: fetchDeviceCredentials,
    save: (device) => store.setValue("device", device),
  });
  if (result.device === null) {
    state.deviceError = result.error;
    if (result.sessionExpired) {
      await logOut();
      byId("login-error").textContent = deviceErrorText(result.error);
      go("login");
    }
    refresh();
    return;
  }
  state.device = result.device;
  state.deviceError = null;
  startLink(result.device);
  geo.warmUp();
  refresh();
}

// ---- Panic button --------------------------------------------------------------

async function sendEvent(type: EventType): Promise<void> {
  const pressedAtMs = Date.now();
  const id = newEventId();
  if (type === "press" || type === "hold" || type === "test") {
    await setAlert(
      alerts.recordEvent(state.alert, id, type, link?.connected ?? false, pressedAtMs),
    );
  }
  const loc = type === "cancel" ? null : await geo.current();
  noteGeo();
  const cancelled = type === "cancel" ? state.alert.alertId : null;
  await store.enqueueEvent({ id, type, tsMs: pressedAtMs, loc, alert: cancelled });
  await countQueued();
  await link?.flush();
  if (!link?.connected) {
    await setAlert(alerts.recordQueued(state.alert, id, Date.now()));
  }
}

function noteGeo(): void {
  state.geoStatus = geo.status;
  const recent = geo.recent(Date.now());
  state.geoAccuracyM = recent ? recent.acc_m : state.geoAccuracyM;
}

function onGesture(gesture: Gesture): void {
  const type = GESTURE_EVENTS[state.testMode ? "test" : "panic"][gesture];
  void sendEvent(type);
}

function animateHold(): void {
  const now = Date.now();
  const held = recogniser.tick(now);
  state.holdProgress = recogniser.isDown ? recogniser.progress(now) : 0;
  refresh();
  if (held) {
    onGesture(held);
  }
  holdFrame = recogniser.isDown ? requestAnimationFrame(animateHold) : null;
}

function buttonDown(): void {
  if (state.device === null) {
    return;
  }
  geo.warmUp();
  recogniser.down(Date.now());
  if (holdFrame === null) {
    holdFrame = requestAnimationFrame(animateHold);
  }
}

function buttonUp(): void {
  const gesture = recogniser.up(Date.now());
  state.holdProgress = 0;
  refresh();
  if (gesture) {
    onGesture(gesture);
  }
}

function wirePanicButton(): void {
  const button = byId<HTMLButtonElement>("panic-button");
  button.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    button.setPointerCapture(event.pointerId);
    buttonDown();
  });
  button.addEventListener("pointerup", buttonUp);
  button.addEventListener("pointercancel", buttonUp);
  button.addEventListener("contextmenu", (event) => event.preventDefault());
  button.addEventListener("keydown", (event) => {
    if ((event.key === " " || event.key === "Enter") && !event.repeat) {
      event.preventDefault();
      buttonDown();
    }
  });
  button.addEventListener("keyup", (event) => {
    if (event.key === " " || event.key === "Enter") {
      event.preventDefault();
      buttonUp();
    }
  });
  // Losing focus while a key is down ends the gesture like a release.
  button.addEventListener("blur", () => recogniser.isDown && buttonUp());

  byId("cancel-button").addEventListener("click", () => {
    if (!alerts.canCancel(state.alert)) {
      return;
    }
    const id = newEventId();
    const target = state.alert.alertId;
    void setAlert(alerts.recordCancel(state.alert, id, Date.now())).then(async () => {
      await store.enqueueEvent({ id, type: "cancel", tsMs: Date.now(), alert: target });
      await countQueued();
      await link?.flush();
    });
  });
  byId("dismiss-button").addEventListener("click", () => {
    void setAlert(alerts.close(state.alert));
  });
}

// ---- Forms ------------------------------------------------------------------

function formValue(form: HTMLFormElement, name: string): string {
  return String(new FormData(form).get(name) ?? "").trim();
}

function apiMessage(error: unknown, key: "error.register" | "error.login" | "report.error"): string {
  if (error instanceof ApiError && error.status === 0) {
    return t("error.network");
  }
  if (key === "error.login" && error instanceof ApiError && error.status === 401) {
    return t("error.loginWrong");
  }
  const detail = error instanceof Error ? error.message : String(error);
  return t(key, { detail });
}

async function submitForm(
  form: HTMLFormElement,
  output: HTMLElement,
  action: () => Promise<void>,
  errorKey: "error.register" | "error.login" | "report.error",
): Promise<void> {
  output.textContent = "";
  if (!form.reportValidity()) {
    return;
  }
  const submit = form.querySelector<HTMLButtonElement>("button[type=submit]");
  const label = submit?.textContent ?? "";
  if (submit) {
    submit.disabled = true;
    submit.textContent = t("form.busy");
  }
  try {
    await action();
  } catch (error) {
    output.textContent = apiMessage(error, errorKey);
  } finally {
    if (submit) {
      submit.disabled = false;
      submit.textContent = label;
    }
  }
}

async function startSession(email: string, password: string, name: string | null): Promise<void> {
  const token = await login(email, password);
  let shownName = name;
  if (shownName === null) {
    // Only for display in the settings screen, so a failure changes nothing.
    shownName = await fetchMe(token).then(
      (me) => me.name,
      () => null,
    );
  }
  const session: store.Session = { access_token: token, email, name: shownName };
  state.session = session;
  await store.setValue("session", session);
}

function wireForms(): void {
  const registerForm = byId<HTMLFormElement>("register-form");
  registerForm.addEventListener("submit", (event) => {
    event.preventDefault();
    void submitForm(
      registerForm,
      byId("register-error"),
      async () => {
        const input = {
          email: formValue(registerForm, "email"),
          name: formValue(registerForm, "name"),
          phone: formValue(registerForm, "phone"),
          password: String(new FormData(registerForm).get("password") ?? ""),
        };
        const registration = await registerCitizen(input);
        const device: store.DeviceCredentials = {
          device_id: registration.device_id,
          mqtt: registration.mqtt,
        };
        // The credentials come only once: keep them before anything else.
        state.device = device;
        await store.setValue("device", device);
        startLink(device);
        geo.warmUp();
        try {
          await startSession(input.email, input.password, input.name);
        } catch {
          // The panic button works without a session; reports ask to log in.
        }
        registerForm.reset();
        go("panic");
      },
      "error.register",
    );
  });

  const loginForm = byId<HTMLFormElement>("login-form");
  loginForm.addEventListener("submit", (event) => {
    event.preventDefault();
    void submitForm(
      loginForm,
      byId("login-error"),
      async () => {
        await startSession(
          formValue(loginForm, "email"),
          String(new FormData(loginForm).get("password") ?? ""),
          null,
        );
        loginForm.reset();
        go("panic");
        // A failure shows its message on the panic screen, and the session stays stored.
        await restoreMissingDevice();
      },
      "error.login",
    );
  });

  const reportForm = byId<HTMLFormElement>("report-form");
  const result = byId("report-result");
  reportForm.addEventListener("submit", (event) => {
    event.preventDefault();
    void submitForm(
      reportForm,
      result,
      async () => {
        const session = state.session;
        if (!session) {
          go("login");
          return;
        }
        const withLocation = byId<HTMLInputElement>("report-location").checked;
        const loc = withLocation ? await geo.current() : null;
        noteGeo();
        try {
          const complaint = await fileComplaint(session.access_token, {
            category: formValue(reportForm, "category") as ComplaintCategory,
            text: formValue(reportForm, "text"),
            loc,
          });
          reportForm.reset();
          result.textContent = t("report.sent", { id: complaint.id });
        } catch (error) {
          if (error instanceof ApiError && error.status === 401) {
            await logOut();
            byId("login-error").textContent = t("error.sessionExpired");
            go("login");
            return;
          }
          throw error;
        }
      },
      "report.error",
    );
  });
}

// ---- Settings ---------------------------------------------------------------

async function logOut(): Promise<void> {
  state.session = null;
  await store.deleteValue("session");
  refresh();
}

function wireSettings(): void {
  byId("lang-toggle").addEventListener("click", () => {
    setLang(lang() === "id" ? "en" : "id");
    applyTexts();
    refresh();
  });
  byId<HTMLInputElement>("test-mode").addEventListener("change", (event) => {
    state.testMode = (event.target as HTMLInputElement).checked;
    localStorage.setItem(TEST_MODE_KEY, state.testMode ? "1" : "0");
    refresh();
  });
  byId("logout-button").addEventListener("click", () => {
    void logOut().then(() => go(state.device ? "panic" : "login"));
  });
  byId("wipe-button").addEventListener("click", () => {
    if (!window.confirm(t("settings.wipeConfirm"))) {
      return;
    }
    link?.stop();
    link = null;
    void store.deleteAll().then(() => {
      Object.assign(state, {
        device: null,
        deviceError: null,
        session: null,
        alert: alerts.IDLE,
        queued: 0,
        link: "offline",
      });
      go("register");
    });
  });
}

// ---- Start ----------------------------------------------------------------------

async function start(): Promise<void> {
  applyTexts();
  wirePanicButton();
  wireForms();
  wireSettings();
  window.addEventListener("hashchange", route);

  state.device = (await store.getValue("device")) ?? null;
  state.session = (await store.getValue("session")) ?? null;
  const expiresAtMs = state.session ? tokenExpiresAtMs(state.session.access_token) : null;
  if (expiresAtMs !== null && expiresAtMs <= Date.now()) {
    // An expired token is of no use, so the phone does not keep it.
    await logOut();
  }
  state.alert = (await store.getValue("alert")) ?? alerts.IDLE;
  await countQueued();
  route();

  if (state.device) {
    startLink(state.device);
    geo.warmUp();
  } else if (state.session) {
    // An earlier login could not get credentials: try again at every start.
    void restoreMissingDevice();
  }
  // The countdown and the position line follow the clock.
  window.setInterval(() => {
    noteGeo();
    refresh();
  }, 250);
  registerSW({ immediate: true });
}

void start();
