// Status badges. Confirmation is shown by colour, icon AND text, so it
// reads the same in greyscale and to people who do not see red.

import { h } from "../dom.js";
import { t, tOr } from "../i18n.js";

export function confirmationBadge(incident, { large = false } = {}) {
  const confirmed = incident.confirmation === "confirmed";
  return h(
    "span",
    {
      class: `badge ${confirmed ? "badge--confirmed" : "badge--unconfirmed"}${large ? " badge--large" : ""}`,
      dataset: { confirmation: confirmed ? "confirmed" : "unconfirmed" },
      title: t(confirmed ? "confirmation.confirmed.hint" : "confirmation.unconfirmed.hint"),
    },
    h("span", { class: "badge-icon", "aria-hidden": "true" }, confirmed ? "▲!" : "?"),
    t(confirmed ? "confirmation.confirmed" : "confirmation.unconfirmed"),
  );
}

export function stateBadge(incident) {
  return h(
    "span",
    { class: `state state--${incident.state}`, dataset: { state: incident.state } },
    tOr(`state.${incident.state}`, incident.state),
  );
}

export function flagChip(text, kind, title = null) {
  return h("span", { class: `chip chip--${kind}`, title }, text);
}
