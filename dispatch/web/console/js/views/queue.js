// The live queue, and beside it (or instead of it on a phone) the selected
// incident's details.

import { h, replaceContent } from "../dom.js";
import { formatAgo, formatClock, formatDay } from "../format.js";
import { t } from "../i18n.js";
import { QueueFilter } from "../incidents.js";
import { confirmationBadge, flagChip, stateBadge } from "./badges.js";
import { renderDetail } from "./detail.js";

const AGE_REFRESH_MS = 15_000;

function incidentRow(incident, context, selectedId) {
  const isNew = context.store.unseen.has(incident.id);
  const confirmed = incident.confirmation === "confirmed";
  return h(
    "li",
    {},
    h(
      "a",
      {
        href: `#/incident/${encodeURIComponent(incident.id)}`,
        class: `incident-row incident-row--${confirmed ? "confirmed" : "unconfirmed"} incident-row--${incident.state}${isNew ? " incident-row--new" : ""}`,
        "aria-current": incident.id === selectedId ? "true" : null,
        dataset: { incidentId: incident.id, state: incident.state, confirmation: incident.confirmation },
      },
      h(
        "div",
        { class: "row-status" },
        confirmationBadge(incident),
        stateBadge(incident),
      ),
      h(
        "div",
        { class: "row-main" },
        h("span", { class: "row-station" }, context.stationName(incident.polsek)),
        h(
          "span",
          { class: "row-meta" },
          [incident.device_id, t(`source.${incident.source}`), t("queue.presses", { count: incident.press_count ?? 1 })]
            .filter(Boolean)
            .join(" · "),
        ),
        h(
          "span",
          { class: "row-flags" },
          isNew ? flagChip(t("queue.new"), "new") : null,
          incident.cancel_after_confirm ? flagChip(`⚠ ${t("detail.cancel_after_confirm")}`, "warning") : null,
        ),
      ),
      h(
        "div",
        { class: "row-time" },
        h("time", { datetime: incident.first_event_at }, formatClock(incident.first_event_at)),
        h("span", { class: "row-day" }, formatDay(incident.first_event_at)),
        h("span", { class: "row-ago" }, formatAgo(incident.first_event_at, context.now())),
      ),
    ),
  );
}

export function renderQueue(main, context, selectedId) {
  const list = h("ol", { class: "incident-list", id: "incident-list", "aria-live": "polite" });
  const status = h("p", { class: "queue-status muted", id: "queue-status" });
  const filterButtons = [QueueFilter.OPEN, QueueFilter.ALL].map((filter) =>
    h(
      "button",
      {
        type: "button",
        class: "segment",
        id: `queue-filter-${filter}`,
        "aria-pressed": context.queueFilter() === filter ? "true" : "false",
        onclick: () => {
          context.setQueueFilter(filter);
          for (const button of filterButtons) button.setAttribute("aria-pressed", button.id === `queue-filter-${filter}` ? "true" : "false");
          draw();
        },
      },
      t(`queue.filter.${filter}`),
    ),
  );
  const viewButtons = ["list", "map"].map((mode) =>
    h(
      "button",
      {
        type: "button",
        class: "segment",
        id: `queue-view-${mode}`,
        "aria-pressed": (context.app.queueView || "list") === mode ? "true" : "false",
        onclick: () => {
          context.app.queueView = mode;
          for (const button of viewButtons) button.setAttribute("aria-pressed", button.id === `queue-view-${mode}` ? "true" : "false");
          showMode();
        },
      },
      t(`queue.view.${mode}`),
    ),
  );
  const mapBox = h("div", { class: "overview" }, h("p", { class: "muted small" }, t("queue.map_hint")));
  const mapContainer = h("div", { class: "overview-map", id: "overview-map", role: "region", "aria-label": t("queue.map_label") });
  mapBox.append(mapContainer);
  let overview = null;
  let overviewToken = 0;
  const detailPane = h("section", { class: "detail-pane", id: "detail-pane", "aria-label": t("detail.heading", { id: "" }) });
  const layout = h(
    "div",
    { class: `queue-layout${selectedId ? " queue-layout--detail" : ""}` },
    h(
      "section",
      { class: "queue-pane", "aria-labelledby": "queue-heading" },
      h(
        "div",
        { class: "pane-header" },
        h("h1", { id: "queue-heading" }, t("queue.heading")),
        h("div", { class: "segmented", role: "group" }, filterButtons),
        h("div", { class: "segmented", role: "group" }, viewButtons),
      ),
      status,
      list,
      mapBox,
    ),
    detailPane,
  );
  replaceContent(main, layout);

  async function showMode() {
    const mapMode = context.app.queueView === "map";
    list.hidden = mapMode;
    mapBox.hidden = !mapMode;
    if (!mapMode || overview) {
      draw();
      return;
    }
    const token = ++overviewToken;
    // Leaflet is loaded on first use, so the list shows without it.
    const { drawOverviewMap } = await import("../map.js");
    if (token !== overviewToken || destroyed) return;
    overview = drawOverviewMap(mapContainer, {
      stations: context.stations(),
      labels: {
        describe: (incident) =>
          `${t(incident.confirmation === "confirmed" ? "confirmation.confirmed" : "confirmation.unconfirmed")} · ${context.stationName(incident.polsek)} · ${formatClock(incident.first_event_at)}`,
      },
      onOpen: (id) => {
        location.hash = `#/incident/${encodeURIComponent(id)}`;
      },
    });
    draw();
  }

  function draw() {
    const incidents = context.store.list(context.queueFilter());
    overview?.update(incidents);
    replaceContent(list, incidents.map((incident) => incidentRow(incident, context, selectedId)));
    if (context.app.queueError) {
      status.textContent = t("queue.load_error", { message: context.app.queueError.message });
      status.classList.add("form-error");
    } else {
      status.classList.remove("form-error");
      status.textContent = incidents.length
        ? t("queue.count", { count: incidents.length })
        : t(context.queueFilter() === QueueFilter.OPEN ? "queue.empty.open" : "queue.empty.all");
    }
  }

  let destroyed = false;
  showMode();
  const unsubscribe = context.store.subscribe(draw);
  const ageTimer = setInterval(draw, AGE_REFRESH_MS);

  let detail = null;
  if (selectedId) {
    context.store.markSeen(selectedId);
    detail = renderDetail(detailPane, context, selectedId);
  } else {
    replaceContent(detailPane, h("p", { class: "detail-empty muted" }, t("queue.select")));
  }

  return {
    destroy() {
      destroyed = true;
      overview?.remove();
      unsubscribe();
      clearInterval(ageTimer);
      detail?.destroy();
    },
  };
}
