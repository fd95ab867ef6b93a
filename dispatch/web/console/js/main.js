// Entry point of the staff console: login, the page frame, the router and
// the live incident feed that every view shares.

import * as api from "./api.js";
import { needsGesture, playAlertBeep, setSoundEnabled, soundEnabled, unlockAudio, updateTitle } from "./alert.js";
import { config, loadConfig } from "./config.js";
import { h, replaceContent } from "./dom.js";
import { language, setLanguage, t } from "./i18n.js";
import { AlertKind, IncidentStore, OPEN_STATES, QueueFilter } from "./incidents.js";
import { IncidentStream, StreamStatus } from "./stream.js";
import { renderComplaints } from "./views/complaints.js";
import { renderDevices } from "./views/devices.js";
import { renderIncidentAlert } from "./views/incident-alert.js";
import { renderLogin } from "./views/login.js";
import { renderQueue } from "./views/queue.js";
import { renderSettings } from "./views/settings.js";
import { renderStats } from "./views/stats.js";

const MAX_LIST_PAGES = 10;

// Panels whose endpoint a dispatch server may not offer yet: a 404 from the
// probe hides the tab instead of showing an error.
const OPTIONAL_PANELS = {
  complaints: { path: "/v1/complaints", query: {} },
  devices: { path: "/v1/devices", query: { attention: "true" } },
};

const app = {
  root: document.getElementById("app"),
  store: new IncidentStore(),
  stations: new Map(),
  stream: null,
  claims: {},
  queueFilter: QueueFilter.OPEN,
  unavailable: new Set(),
  view: null,
  streamStatus: StreamStatus.CONNECTING,
  alerts: [],
  loginMessage: null,
  now: () => Date.now(),
};
window.amperaConsole = app; // for browser tests and support staff in the devtools console

function signedIn() {
  return Boolean(api.storedToken());
}

function role() {
  return app.claims.role || "";
}

function stationName(id) {
  if (id === null || id === undefined) return t("queue.no_station");
  return app.stations.get(id)?.name || String(id);
}

// ---- session ----

async function handleLogin(username, password) {
  unlockAudio();
  await api.login(username, password);
  app.loginMessage = null;
  await startSession();
}

function endSession(message = null) {
  app.stream?.stop();
  app.stream = null;
  api.logout();
  app.store.clear();
  app.alerts = [];
  app.loginMessage = message;
  app.view?.destroy?.();
  app.view = null;
  if (location.hash && location.hash !== "#/") history.replaceState(null, "", "#/");
  render();
}

api.onUnauthorized(() => endSession("login.error.expired"));

async function startSession() {
  const claims = api.tokenClaims(api.storedToken());
  app.claims = { role: claims.role, polsek: claims.polsek, username: claims.name };
  if (app.claims.role === "citizen") {
    endSession("login.error.citizen");
    return;
  }
  try {
    const me = await api.get("/v1/auth/me");
    app.claims = { ...app.claims, ...me };
  } catch (error) {
    if (error.status === 401) return; // onUnauthorized already went back to the login page
    console.warn("GET /v1/auth/me failed, showing the token's claims:", error.message);
  }
  if (app.claims.role === "citizen") {
    endSession("login.error.citizen");
    return;
  }
  render();
  await Promise.all([loadStations(), probePanels()]);
  if (role() !== "technician") {
    const changeSeq = await reloadIncidents();
    startStream(changeSeq);
  }
  render();
}

async function loadStations() {
  try {
    const stations = await api.get("/v1/polsek");
    app.stations = new Map((Array.isArray(stations) ? stations : api.itemsOf(stations).items).map((s) => [s.id, s]));
  } catch (error) {
    console.warn("stations could not be loaded:", error.message);
  }
}

async function probePanels() {
  await Promise.all(
    Object.entries(OPTIONAL_PANELS).map(async ([panel, { path, query }]) => {
      try {
        await api.get(path, { ...query, limit: 1 });
        app.unavailable.delete(panel);
      } catch (error) {
        if (error.status === 404 || error.status === 405) app.unavailable.add(panel);
      }
    }),
  );
}

// ---- incidents ----

let reloadRunning = null;

// Loads every open incident (and with the "all" filter, recent closed ones)
// page by page. Ids updated by the stream meanwhile keep the stream's copy.
// Returns the change sequence number the server read before the first page
// (X-Change-Seq), from which the live stream resumes without a gap.
function reloadIncidents() {
  if (reloadRunning) return reloadRunning;
  reloadRunning = (async () => {
    const touched = new Set();
    const unsubscribe = app.store.subscribe((change) => {
      if (change.kind === "update") touched.add(change.incident.id);
    });
    try {
      const query = app.queueFilter === QueueFilter.OPEN ? { state: [...OPEN_STATES] } : {};
      const incidents = [];
      let cursor = null;
      let changeSeq = null;
      for (let page = 0; page < MAX_LIST_PAGES; page += 1) {
        const { body, headers } = await api.requestWithHeaders("GET", "/v1/incidents", { query: { ...query, cursor } });
        if (page === 0) changeSeq = headers.get("X-Change-Seq");
        const { items, next } = api.itemsOf(body);
        incidents.push(...items);
        if (!next) break;
        cursor = next;
      }
      const firstLoad = app.store.byId.size === 0;
      if (!firstLoad && app.stream?.status === StreamStatus.POLLING) {
        // Without a stream, polled changes are the live feed and may alert.
        for (const incident of incidents) {
          const known = app.store.get(incident.id);
          if (!known || JSON.stringify(known) !== JSON.stringify(incident)) receiveIncident(incident);
        }
      } else {
        app.store.load(incidents, touched);
      }
      await refreshVanished(incidents, touched);
      app.queueError = null;
      return changeSeq;
    } catch (error) {
      app.queueError = error;
      app.store.notify({ kind: "error", error });
      return null;
    } finally {
      unsubscribe();
      reloadRunning = null;
    }
  })();
  return reloadRunning;
}

// An open incident in the page that a fresh open-state list lacks was
// closed elsewhere while the page was not listening. Fetch each one so the
// queue shows its real state.
async function refreshVanished(listed, touched) {
  if (app.queueFilter !== QueueFilter.OPEN) return;
  const listedIds = new Set(listed.map((incident) => incident.id));
  const vanished = app.store
    .list(QueueFilter.OPEN)
    .filter((incident) => !listedIds.has(incident.id) && !touched.has(incident.id))
    .slice(0, 50);
  for (const incident of vanished) {
    try {
      app.store.apply(await api.get(`/v1/incidents/${encodeURIComponent(incident.id)}`));
    } catch (error) {
      if (error.status === 404) {
        // Handed to another station: it is out of this user's scope now.
        app.store.byId.delete(incident.id);
        app.store.notify({ kind: "load" });
      }
    }
  }
}

function receiveIncident(incident) {
  if (role() === "polsek" && incident.polsek !== app.claims.polsek) {
    // The stream also reports an incident handed from this station to
    // another one, so the page can drop it.
    if (app.store.byId.delete(incident.id)) app.store.notify({ kind: "load" });
    return;
  }
  const alert = app.store.apply(incident, { fromStream: true });
  if (alert !== AlertKind.NONE) raiseAlert(alert, incident);
  refreshChrome();
}

function startStream(resumeAfter) {
  app.stream?.stop();
  app.stream = new IncidentStream({
    onIncident: receiveIncident,
    onStatus: (status) => {
      app.streamStatus = status;
      refreshChrome();
    },
    onResync: () => reloadIncidents(),
    onUnauthorized: () => endSession("login.error.expired"),
    pollIntervalMs: Math.max(0.2, Number(config().poll_interval_s) || 5) * 1000,
  });
  if (resumeAfter !== null && resumeAfter !== undefined && /^\d+$/.test(resumeAfter)) app.stream.lastEventId = resumeAfter;
  app.stream.start();
}

function setQueueFilter(filter) {
  app.queueFilter = filter;
  reloadIncidents();
}

// ---- alerts ----

function raiseAlert(kind, incident) {
  app.alerts = app.alerts.filter((entry) => entry.incident.id !== incident.id);
  app.alerts.unshift({ kind, incident });
  playAlertBeep();
  document.body.classList.remove("flash");
  void document.body.offsetWidth; // restart the CSS flash animation
  document.body.classList.add("flash");
  renderAlerts();
}

function dismissAlert(id) {
  app.alerts = app.alerts.filter((entry) => entry.incident.id !== id);
  renderAlerts();
}

app.store.subscribe((change) => {
  if (change.kind === "update" && !OPEN_STATES.slice(0, 2).includes(change.incident.state)) {
    // Someone acted on it: the banner is no longer needed.
    if (app.alerts.some((entry) => entry.incident.id === change.incident.id)) dismissAlert(change.incident.id);
  }
});

function renderAlerts() {
  const container = document.getElementById("alerts");
  if (!container) return;
  replaceContent(
    container,
    app.alerts.map((entry) =>
      renderIncidentAlert(entry, {
        stationName,
        onOpen: (id) => {
          dismissAlert(id);
          location.hash = `#/incident/${encodeURIComponent(id)}`;
        },
        onDismiss: dismissAlert,
      }),
    ),
  );
}

// ---- page frame ----

function navItems() {
  const items = [];
  if (role() !== "technician") items.push(["queue", "nav.queue"]);
  if (!app.unavailable.has("complaints") && role() !== "technician") items.push(["complaints", "nav.complaints"]);
  if (!app.unavailable.has("devices")) items.push(["devices", "nav.devices"]);
  if (role() !== "technician") items.push(["stats", "nav.stats"]);
  items.push(["settings", "nav.settings"]);
  return items;
}

function currentRoute() {
  const [, name = "", ...rest] = location.hash.replace(/^#/, "").split("/");
  const fallback = role() === "technician" ? "devices" : "queue";
  return { name: name || fallback, id: rest.length ? decodeURIComponent(rest.join("/")) : null };
}

function whoAmI() {
  const user = app.claims.username || "";
  const scope = app.claims.polsek ? stationName(app.claims.polsek) : role() === "polsek" ? "" : t("scope.city");
  const roleLabel = role() ? t(`role.${role()}`) : "";
  return [user, roleLabel, scope].filter(Boolean).join(" · ");
}

function renderFrame() {
  const route = currentRoute();
  const languageButton = h(
    "button",
    {
      type: "button",
      class: "button button--quiet",
      id: "language-switch",
      lang: language() === "id" ? "en" : "id",
      "aria-label": t("lang.switch_label"),
      onclick: () => {
        setLanguage(language() === "id" ? "en" : "id");
        render();
      },
    },
    t("lang.switch"),
  );
  const soundButton = h(
    "button",
    {
      type: "button",
      class: "button button--quiet",
      id: "sound-toggle",
      "aria-pressed": soundEnabled() ? "true" : "false",
      "aria-label": soundEnabled() ? t("sound.on") : t("sound.off"),
      onclick: () => {
        unlockAudio();
        setSoundEnabled(!soundEnabled());
        refreshChrome();
      },
    },
    h("span", { "aria-hidden": "true" }, soundEnabled() ? "♪ " : "✕ "),
    h("span", { class: "wide-only" }, soundEnabled() ? t("sound.on") : t("sound.off")),
  );
  const header = h(
    "header",
    { class: "topbar" },
    h(
      "div",
      { class: "brand" },
      h("span", { class: "brand-mark", "aria-hidden": "true" }, "◉"),
      h("span", {}, t("app.short")),
      h("small", { class: "who", id: "who-am-i" }, whoAmI()),
    ),
    h(
      "div",
      { class: "topbar-tools" },
      h("span", { class: "stream-pill", id: "stream-status", title: t("stream.title"), dataset: { status: app.streamStatus } }, t(`stream.${app.streamStatus}`)),
      soundButton,
      languageButton,
      h(
        "button",
        { type: "button", class: "button button--quiet", id: "logout", onclick: () => endSession() },
        t("nav.logout"),
      ),
    ),
  );
  const waiting = app.store.waitingCount();
  const nav = h(
    "nav",
    { class: "tabs", "aria-label": t("nav.menu") },
    navItems().map(([name, key]) =>
      h(
        "a",
        {
          href: `#/${name}`,
          class: "tab",
          id: `tab-${name}`,
          "aria-current": route.name === name || (name === "queue" && route.name === "incident") ? "page" : null,
        },
        t(key),
        name === "queue" && waiting > 0 ? h("span", { class: "tab-count", id: "waiting-count" }, String(waiting)) : null,
      ),
    ),
  );
  const soundBanner = h(
    "button",
    {
      type: "button",
      class: "sound-banner",
      id: "sound-banner",
      hidden: !(soundEnabled() && needsGesture()),
      onclick: () => {
        unlockAudio();
        setTimeout(refreshChrome, 100);
      },
    },
    h("span", { "aria-hidden": "true" }, "♪ "),
    t("sound.enable"),
  );
  return [header, nav, soundBanner, h("div", { id: "alerts", class: "alerts", "aria-live": "assertive" })];
}

// Updates the parts of the frame that change with every incident, without
// touching the view (which may hold a half-filled form).
function refreshChrome() {
  const status = document.getElementById("stream-status");
  if (status) {
    status.dataset.status = app.streamStatus;
    status.textContent = t(`stream.${app.streamStatus}`);
  }
  const sound = document.getElementById("sound-toggle");
  if (sound) {
    sound.setAttribute("aria-pressed", soundEnabled() ? "true" : "false");
    sound.setAttribute("aria-label", soundEnabled() ? t("sound.on") : t("sound.off"));
    replaceContent(
      sound,
      h("span", { "aria-hidden": "true" }, soundEnabled() ? "♪ " : "✕ "),
      h("span", { class: "wide-only" }, soundEnabled() ? t("sound.on") : t("sound.off")),
    );
  }
  const banner = document.getElementById("sound-banner");
  if (banner) banner.hidden = !(soundEnabled() && needsGesture());
  const tab = document.getElementById("tab-queue");
  if (tab) {
    const waiting = app.store.waitingCount();
    tab.querySelector(".tab-count")?.remove();
    if (waiting > 0) tab.append(h("span", { class: "tab-count", id: "waiting-count" }, String(waiting)));
  }
  updateTitle(t("app.title"), app.store.waitingCount());
}

function viewContext() {
  return {
    app,
    api,
    store: app.store,
    stations: () => [...app.stations.values()],
    stationName,
    role,
    claims: () => app.claims,
    now: app.now,
    queueFilter: () => app.queueFilter,
    setQueueFilter,
    reloadIncidents,
    refreshChrome,
    markUnavailable: (panel) => {
      app.unavailable.add(panel);
      render();
    },
  };
}

function render() {
  app.view?.destroy?.();
  app.view = null;
  document.documentElement.lang = language();
  if (!signedIn()) {
    document.title = t("app.title");
    replaceContent(app.root, renderLogin({ onLogin: handleLogin, message: app.loginMessage }));
    return;
  }
  const main = h("main", { id: "view", class: "view", tabindex: "-1" });
  replaceContent(app.root, ...renderFrame(), main);
  renderAlerts();
  const route = currentRoute();
  const context = viewContext();
  const views = {
    queue: () => renderQueue(main, context, null),
    incident: () => renderQueue(main, context, route.id),
    complaints: () => renderComplaints(main, context),
    devices: () => renderDevices(main, context),
    stats: () => renderStats(main, context),
    settings: () => renderSettings(main, context),
  };
  app.view = (views[route.name] || views.queue)();
  refreshChrome();
}

window.addEventListener("hashchange", () => {
  if (signedIn()) render();
});
// Any click counts as the user gesture that lets the alert sound play.
document.addEventListener("pointerdown", unlockAudio, { capture: true });
document.addEventListener("keydown", unlockAudio, { capture: true });

async function boot() {
  await loadConfig();
  if (signedIn()) await startSession();
  else render();
}

boot();
