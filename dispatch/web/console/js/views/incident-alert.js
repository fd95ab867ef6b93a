// The banner shown at the top of every view when a new emergency arrives.

import { h } from "../dom.js";
import { t } from "../i18n.js";
import { formatClock } from "../format.js";
import { AlertKind } from "../incidents.js";
import { confirmationBadge } from "./badges.js";

export function renderIncidentAlert({ kind, incident }, { stationName, onOpen, onDismiss }) {
  const heading = kind === AlertKind.NOW_CONFIRMED ? t("alert.upgraded") : t("alert.new");
  return h(
    "div",
    {
      class: `incident-alert ${incident.confirmation === "confirmed" ? "incident-alert--confirmed" : "incident-alert--unconfirmed"}`,
      role: "alert",
      dataset: { incidentId: incident.id },
    },
    h("strong", { class: "incident-alert-title" }, h("span", { "aria-hidden": "true" }, "⚠ "), heading),
    confirmationBadge(incident),
    h("span", { class: "incident-alert-where" }, stationName(incident.polsek)),
    h("span", { class: "incident-alert-time" }, formatClock(incident.first_event_at)),
    h(
      "button",
      { type: "button", class: "button button--primary", onclick: () => onOpen(incident.id) },
      t("alert.open"),
    ),
    h(
      "button",
      { type: "button", class: "button button--quiet", "aria-label": t("alert.dismiss"), title: t("alert.dismiss"), onclick: () => onDismiss(incident.id) },
      "✕",
    ),
  );
}
