// One incident: what is known about it, its location on the map, the
// lifecycle actions, and its audit trail.

import { h, replaceContent } from "../dom.js";
import { formatAgo, formatClock, formatCoordinates, formatDateTime, formatDurationMs } from "../format.js";
import { t, tOr } from "../i18n.js";
import { Action, availableActions, OUTCOMES } from "../incidents.js";
import { confirmationBadge, stateBadge } from "./badges.js";

const FULL_FETCH_DELAY_MS = 250;

// Optional fields under the names a dispatch server may use for them; the
// first present one is shown.
const CONTACT_FIELDS = ["callback", "contact", "callback_contact"];

function firstField(incident, names) {
  for (const name of names) {
    const value = incident?.[name];
    if (value !== null && value !== undefined && !(Array.isArray(value) && value.length === 0)) return value;
  }
  return null;
}

function row(label, ...value) {
  return [h("dt", {}, label), h("dd", {}, ...value)];
}

function locationKey(incident) {
  const loc = incident?.loc;
  return loc ? `${loc.lat},${loc.lon},${loc.acc_m}` : "none";
}

function renderContact(contact, unconfirmed) {
  const fields = typeof contact === "object" ? contact : { phone: String(contact) };
  const phone = fields.phone || fields.telephone || fields.tel;
  return h(
    "section",
    { class: `contact-card${unconfirmed ? " contact-card--urgent" : ""}`, id: "incident-contact" },
    h("h2", {}, h("span", { "aria-hidden": "true" }, "☎ "), t("detail.contact")),
    unconfirmed ? h("p", { class: "muted" }, t("detail.contact.hint")) : null,
    fields.name ? h("p", { class: "contact-name" }, fields.name) : null,
    fields.source ? h("p", { class: "muted small" }, tOr(`detail.contact.${fields.source}`, fields.source)) : null,
    phone ? h("a", { class: "button button--primary contact-phone", href: `tel:${String(phone).replace(/[^+\d]/g, "")}` }, phone) : null,
    fields.email ? h("p", {}, fields.email) : null,
  );
}

// One entry of GET /v1/incidents/{id}/history: {seq, at, actor, action,
// from_state, to_state, polsek, detail}.
function auditEntry(entry, stationName) {
  const detail = entry.detail && typeof entry.detail === "object" ? entry.detail : {};
  const extra = [
    detail.unit,
    detail.outcome ? tOr(`outcome.${detail.outcome}`, detail.outcome) : null,
    entry.action === "reassigned" ? stationName(entry.polsek) : null,
    detail.text || detail.note || detail.reason,
  ]
    .filter(Boolean)
    .join(" · ");
  return h(
    "li",
    { dataset: { action: entry.action } },
    h("time", { datetime: entry.at }, formatDateTime(entry.at)),
    " ",
    h("strong", {}, tOr(`audit.${entry.action}`, entry.action)),
    h("span", { class: "muted" }, ` · ${entry.actor || t("audit.system")}`),
    extra ? h("div", { class: "audit-extra" }, extra) : null,
  );
}

function deviceEventEntry(event) {
  return h(
    "li",
    {},
    h("time", { datetime: event.received_at }, formatDateTime(event.received_at)),
    " ",
    h("strong", {}, event.type || ""),
    event.seq !== undefined ? h("span", { class: "muted" }, ` · seq ${event.seq}`) : null,
  );
}

function reporterHistory(history) {
  return h(
    "span",
    {},
    t("detail.reporter_history.value", { false_alerts: history.false_alerts, alerts: history.alerts }),
    history.review ? h("span", { class: "chip chip--warning" }, t("detail.reporter_history.review")) : null,
  );
}

export function renderDetail(pane, context, id) {
  let incident = context.store.get(id) || null;
  let audit = null;
  let notFound = false;
  let drawnState = null;
  let drawnLocation = null;
  let mapHandle = null;
  let mapToken = 0;
  let applyingOwn = false;
  let fetchTimer = null;
  let destroyed = false;

  const feedback = h("p", { class: "action-feedback", id: "action-feedback", role: "status" });
  feedback.hidden = true;
  const header = h("div", { class: "detail-header" });
  const actions = h("section", { class: "actions", id: "incident-actions", "aria-labelledby": "actions-heading" });
  const facts = h("div", { class: "detail-facts" });
  const mapSection = h("section", { class: "detail-section map-section", "aria-labelledby": "map-heading" });
  const historyList = h("div", {});
  const history = h(
    "section",
    { class: "detail-section detail-history", id: "incident-audit", "aria-labelledby": "audit-heading" },
    h("h2", { id: "audit-heading" }, t("detail.audit")),
    historyList,
  );
  let noteFormShown = false;

  replaceContent(
    pane,
    h(
      "article",
      { class: "incident-detail", id: "incident-detail", dataset: { incidentId: id } },
      h("a", { href: "#/queue", class: "back-link" }, h("span", { "aria-hidden": "true" }, "← "), t("detail.back")),
      header,
      feedback,
      actions,
      facts,
      mapSection,
      history,
    ),
  );

  function showFeedback(text, kind) {
    feedback.textContent = text;
    feedback.hidden = false;
    feedback.className = `action-feedback action-feedback--${kind}`;
    feedback.setAttribute("role", kind === "error" ? "alert" : "status");
  }

  async function fetchFull() {
    const path = `/v1/incidents/${encodeURIComponent(id)}`;
    try {
      const [full, trail] = await Promise.all([
        context.api.get(path),
        context.api.get(`${path}/history`).catch((error) => (error.status === 404 ? null : Promise.reject(error))),
      ]);
      if (destroyed) return;
      incident = full;
      audit = trail;
      notFound = false;
      applyingOwn = true;
      context.store.apply(full);
      applyingOwn = false;
    } catch (error) {
      if (destroyed) return;
      if (error.status === 404) notFound = true;
      else showFeedback(t("action.error", { message: error.message }), "error");
    }
    draw();
  }

  function scheduleFetch() {
    clearTimeout(fetchTimer);
    fetchTimer = setTimeout(fetchFull, FULL_FETCH_DELAY_MS);
  }

  async function act(action, body, button) {
    const buttons = actions.querySelectorAll("button");
    for (const element of buttons) element.disabled = true;
    const label = button.textContent;
    button.textContent = t("action.busy");
    try {
      const updated = await context.api.post(`/v1/incidents/${encodeURIComponent(id)}/${action}`, body);
      if (updated && typeof updated === "object" && updated.id === id) {
        incident = { ...incident, ...updated };
        applyingOwn = true;
        context.store.apply(updated);
        applyingOwn = false;
        // Show the next step at once, before the success message, so nobody
        // fills in a form that is about to be replaced.
        draw();
      }
      showFeedback(t(`action.done.${action}`), "success");
    } catch (error) {
      if (error.status === 409) showFeedback(t("action.conflict", { message: error.message }), "error");
      else if (error.status === 404) showFeedback(t("detail.not_found"), "error");
      else if (error.status === 0) showFeedback(t("action.error", { message: t("error.network") }), "error");
      else showFeedback(t("action.error", { message: error.message }), "error");
    } finally {
      button.textContent = label;
      for (const element of buttons) element.disabled = false;
    }
    await fetchFull();
  }

  function actionForms() {
    const available = availableActions(incident);
    if (available.length === 0) return [h("p", { class: "muted" }, t("action.closed"))];
    const forms = [];
    if (available.includes(Action.ACKNOWLEDGE)) {
      const button = h("button", { type: "button", class: "button button--primary button--big", id: "action-acknowledge" }, t("action.acknowledge"));
      button.addEventListener("click", () => act(Action.ACKNOWLEDGE, undefined, button));
      forms.push(button);
    }
    if (available.includes(Action.DISPATCH)) {
      const unit = h("input", { id: "dispatch-unit", name: "unit", maxlength: "100", autocomplete: "off" });
      const button = h("button", { type: "submit", class: "button button--primary button--big", id: "action-dispatch" }, t("action.dispatch"));
      forms.push(
        h(
          "form",
          {
            class: "action-form",
            onsubmit: (event) => {
              event.preventDefault();
              if (!unit.value.trim()) {
                showFeedback(t("action.unit_missing"), "error");
                unit.focus();
                return;
              }
              act(Action.DISPATCH, { unit: unit.value.trim() }, button);
            },
          },
          h("label", { for: "dispatch-unit" }, t("action.unit")),
          unit,
          button,
        ),
      );
    }
    if (available.includes(Action.ARRIVE)) {
      const button = h("button", { type: "button", class: "button button--primary button--big", id: "action-arrive" }, t("action.arrive"));
      button.addEventListener("click", () => act(Action.ARRIVE, undefined, button));
      forms.push(button);
    }
    if (["dispatched", "on_scene"].includes(incident.state)) forms.push(unitForm());
    if (available.includes(Action.RESOLVE)) {
      const note = h("textarea", { id: "resolve-note", name: "note", rows: "2", maxlength: "2000" });
      const button = h("button", { type: "submit", class: "button button--big", id: "action-resolve" }, t("action.resolve"));
      const choices = OUTCOMES.map((outcome) =>
        h(
          "label",
          { class: "choice" },
          h("input", { type: "radio", name: "outcome", value: outcome, id: `outcome-${outcome}` }),
          h("span", {}, t(`outcome.${outcome}`)),
        ),
      );
      const form = h(
        "form",
        {
          class: "action-form resolve-form",
          onsubmit: (event) => {
            event.preventDefault();
            const chosen = form.querySelector("input[name=outcome]:checked");
            if (!chosen) {
              showFeedback(t("action.outcome_missing"), "error");
              return;
            }
            act(Action.RESOLVE, { outcome: chosen.value, note: note.value.trim() }, button);
          },
        },
        h("fieldset", {}, h("legend", {}, t("action.outcome")), h("div", { class: "choices" }, choices)),
        h("label", { for: "resolve-note" }, t("action.note")),
        note,
        button,
      );
      forms.push(h("details", { class: "resolve-details", open: available.length === 1 }, h("summary", { id: "resolve-open" }, t("action.resolve")), form));
      // Every open state may also be handed to another station.
      forms.push(reassignForm());
    }
    return forms;
  }

  function drawFacts() {
    const loc = incident.loc;
    const coordinates = formatCoordinates(loc);
    const unconfirmed = incident.confirmation !== "confirmed";
    const contact = firstField(incident, CONTACT_FIELDS);
    const outcome = incident.outcome ? tOr(`outcome.${incident.outcome}`, incident.outcome) : null;
    replaceContent(
      facts,
      incident.cancel_after_confirm
        ? h(
            "div",
            { class: "warning-block", id: "cancel-after-confirm", role: "note" },
            h("strong", {}, h("span", { "aria-hidden": "true" }, "⚠ "), t("detail.cancel_after_confirm")),
            h("p", {}, t("detail.cancel_after_confirm.hint")),
          )
        : null,
      contact ? renderContact(contact, unconfirmed) : null,
      h(
        "dl",
        { class: "facts", id: "incident-facts" },
        row(t("detail.state"), stateBadge(incident)),
        row(t("detail.confirmation"), confirmationBadge(incident), h("div", { class: "muted small" }, t(unconfirmed ? "confirmation.unconfirmed.hint" : "confirmation.confirmed.hint"))),
        row(t("detail.station"), context.stationName(incident.polsek)),
        row(
          t("detail.device"),
          incident.device_id || t("common.unknown"),
          incident.registered === false || incident.device_registered === false ? h("span", { class: "chip chip--warning" }, t("detail.unregistered")) : null,
        ),
        row(t("detail.source"), tOr(`source.${incident.source}`, incident.source || t("common.unknown"))),
        row(t("detail.press_count"), h("span", { id: "press-count" }, String(incident.press_count ?? t("common.unknown")))),
        row(
          t("detail.first_event_at"),
          h("time", { datetime: incident.first_event_at, id: "first-event-at" }, formatDateTime(incident.first_event_at)),
          h("span", { class: "muted" }, ` (${formatAgo(incident.first_event_at, context.now())})`),
        ),
        incident.last_event_at ? row(t("detail.last_event_at"), formatDateTime(incident.last_event_at)) : null,
        row(t("detail.age_at_arrival"), formatDurationMs(incident.age_at_arrival_ms)),
        row(
          t("detail.clock_skew"),
          incident.clock_skew_ms === null || incident.clock_skew_ms === undefined ? t("detail.clock_unknown") : formatDurationMs(incident.clock_skew_ms),
        ),
        row(t("detail.cancel_after_confirm"), incident.cancel_after_confirm ? t("common.yes") : t("common.no")),
        row(
          t("detail.location"),
          coordinates || t("detail.location_unknown"),
          coordinates && loc.acc_m ? h("span", { class: "muted" }, ` (${t("detail.accuracy", { metres: Math.round(loc.acc_m) })})`) : null,
          coordinates && incident.loc_source ? h("div", { class: "muted small" }, tOr(`detail.loc_source.${incident.loc_source}`, incident.loc_source)) : null,
        ),
        incident.bat !== null && incident.bat !== undefined ? row(t("detail.battery"), `${incident.bat}%`) : null,
        incident.unit ? row(t("detail.unit"), incident.unit) : null,
        outcome ? row(t("detail.outcome"), outcome) : null,
        incident.resolution_note ? row(t("detail.resolution_note"), incident.resolution_note) : null,
        incident.reporter_history ? row(t("detail.reporter_history"), reporterHistory(incident.reporter_history)) : null,
      ),
    );
  }

  async function drawMap() {
    const key = `${locationKey(incident)}|${incident.confirmation}|${incident.polsek}`;
    if (key === drawnLocation) return;
    drawnLocation = key;
    mapHandle?.remove();
    mapHandle = null;
    const container = h("div", { class: "incident-map", id: "incident-map", role: "img", "aria-label": t("detail.map") });
    replaceContent(mapSection, h("h2", { id: "map-heading" }, t("detail.map")), container);
    const token = ++mapToken;
    // Leaflet is loaded on first use, so the queue shows without it.
    const { drawIncidentMap, mapLegend } = await import("../map.js");
    if (destroyed || token !== mapToken) return;
    const labels = {
      incident: incident.confirmation === "confirmed" ? t("confirmation.confirmed") : t("confirmation.unconfirmed"),
      confirmed: t("confirmation.confirmed"),
      unconfirmed: t("confirmation.unconfirmed"),
      station: t("detail.station"),
    };
    if (!incident.loc) container.before(h("p", { class: "muted" }, t("detail.location_unknown")));
    mapHandle = drawIncidentMap(container, { incident, stations: context.stations(), stationId: incident.polsek, labels });
    container.after(mapLegend(labels));
  }

  function noteForm() {
    const text = h("textarea", { id: "note-text", name: "text", rows: "2", maxlength: "2000" });
    const button = h("button", { type: "submit", class: "button", id: "note-submit" }, t("note.add"));
    return h(
      "form",
      {
        class: "action-form note-form",
        onsubmit: async (event) => {
          event.preventDefault();
          if (!text.value.trim()) {
            showFeedback(t("note.empty"), "error");
            text.focus();
            return;
          }
          button.disabled = true;
          try {
            await context.api.post(`/v1/incidents/${encodeURIComponent(id)}/notes`, { text: text.value.trim() });
            text.value = "";
            showFeedback(t("note.saved"), "success");
          } catch (error) {
            showFeedback(t("action.error", { message: error.status === 0 ? t("error.network") : error.message }), "error");
          } finally {
            button.disabled = false;
          }
          await fetchFull();
        },
      },
      h("label", { for: "note-text" }, t("note.text")),
      text,
      button,
    );
  }

  function drawHistory() {
    const events = Array.isArray(incident.events) ? incident.events : [];
    const entries = Array.isArray(audit) ? [...audit].reverse() : [];
    replaceContent(
      historyList,
      entries.length ? h("ol", { class: "audit-list", id: "audit-list" }, entries.map((entry) => auditEntry(entry, context.stationName))) : h("p", { class: "muted" }, t("detail.no_audit")),
      events.length
        ? h(
            "details",
            { class: "device-events" },
            h("summary", {}, `${t("detail.events")} (${t("detail.device_events", { count: events.length })})`),
            h("ol", { class: "audit-list" }, events.map(deviceEventEntry)),
          )
        : null,
    );
  }

  // Replaces the unit of a dispatched or on-scene incident
  // (POST /v1/incidents/{id}/unit), for example when another patrol takes over.
  function unitForm() {
    const unit = h("input", { id: "change-unit", name: "unit", maxlength: "100", autocomplete: "off", value: incident.unit || "" });
    const button = h("button", { type: "submit", class: "button", id: "action-change-unit" }, t("action.change_unit_submit"));
    const form = h(
      "form",
      {
        class: "action-form",
        onsubmit: async (event) => {
          event.preventDefault();
          const value = unit.value.trim();
          if (!value) {
            showFeedback(t("action.unit_missing"), "error");
            unit.focus();
            return;
          }
          button.disabled = true;
          try {
            const updated = await context.api.post(`/v1/incidents/${encodeURIComponent(id)}/unit`, { unit: value });
            incident = { ...incident, ...updated };
            showFeedback(t("action.done.unit", { unit: value }), "success");
          } catch (error) {
            showFeedback(
              error.status === 409 ? t("action.conflict", { message: error.message }) : t("action.error", { message: error.status === 0 ? t("error.network") : error.message }),
              "error",
            );
          } finally {
            button.disabled = false;
          }
          await fetchFull();
        },
      },
      h("label", { for: "change-unit" }, t("action.unit")),
      unit,
      button,
    );
    return h("details", { class: "resolve-details" }, h("summary", { id: "change-unit-open" }, t("action.change_unit")), form);
  }

  // Hands an open incident to another station, or to the city-wide queue
  // (POST /v1/incidents/{id}/reassign); the server decides who may.
  function reassignForm() {
    const select = h(
      "select",
      { id: "reassign-polsek", name: "polsek" },
      h("option", { value: "" }, t("action.reassign_city")),
      context
        .stations()
        .filter((station) => station.id !== incident.polsek)
        .map((station) => h("option", { value: station.id }, station.name)),
    );
    const reason = h("input", { id: "reassign-reason", name: "reason", maxlength: "500", autocomplete: "off" });
    const button = h("button", { type: "submit", class: "button", id: "action-reassign" }, t("action.reassign_submit"));
    const form = h(
      "form",
      {
        class: "action-form",
        onsubmit: async (event) => {
          event.preventDefault();
          const target = select.value || null;
          const label = button.textContent;
          button.disabled = true;
          button.textContent = t("action.busy");
          try {
            const updated = await context.api.post(`/v1/incidents/${encodeURIComponent(id)}/reassign`, {
              polsek: target,
              reason: reason.value.trim() || null,
            });
            const ownStation = context.claims().polsek;
            if (context.role() === "polsek" && target !== ownStation) {
              // Out of this station's scope now: back to its queue.
              context.store.byId.delete(id);
              context.store.notify({ kind: "load" });
              location.hash = "#/queue";
              return;
            }
            incident = { ...incident, ...updated };
            draw();
            showFeedback(t("action.done.reassign", { station: context.stationName(target) }), "success");
          } catch (error) {
            showFeedback(
              error.status === 409 ? t("action.conflict", { message: error.message }) : t("action.error", { message: error.status === 0 ? t("error.network") : error.message }),
              "error",
            );
          } finally {
            button.disabled = false;
            button.textContent = label;
          }
          await fetchFull();
        },
      },
      h("label", { for: "reassign-polsek" }, t("action.reassign_to")),
      select,
      h("label", { for: "reassign-reason" }, t("action.reassign_reason")),
      reason,
      button,
    );
    return h("details", { class: "resolve-details reassign-details" }, h("summary", { id: "reassign-open" }, t("action.reassign")), form);
  }

  // Fields and fold-out forms whose state a redraw after a change from the
  // stream must keep, so an officer typing in one does not lose it.
  const KEPT_FIELDS = ["#dispatch-unit", "#resolve-note", "#change-unit", "#reassign-polsek", "#reassign-reason"];
  const KEPT_DETAILS = ["#resolve-open", "#change-unit-open", "#reassign-open"];

  // Collects the values typed into the action forms and which forms are open.
  function typedValues() {
    const fields = {};
    for (const selector of KEPT_FIELDS) {
      const field = actions.querySelector(selector);
      if (field) fields[selector] = field.value;
    }
    const opened = KEPT_DETAILS.filter((selector) => actions.querySelector(selector)?.parentElement.open);
    return { fields, opened, outcome: actions.querySelector("input[name=outcome]:checked")?.value };
  }

  function restoreTypedValues(typed) {
    for (const [selector, value] of Object.entries(typed.fields)) {
      const field = actions.querySelector(selector);
      if (field && value) field.value = value;
    }
    const outcome = typed.outcome && actions.querySelector(`#outcome-${typed.outcome}`);
    if (outcome) outcome.checked = true;
    for (const selector of typed.opened) {
      const details = actions.querySelector(selector)?.parentElement;
      if (details) details.open = true;
    }
  }

  function draw() {
    if (destroyed) return;
    if (notFound || !incident) {
      replaceContent(header, h("h1", {}, notFound ? t("detail.not_found") : t("common.loading")));
      actions.hidden = true;
      replaceContent(facts);
      history.hidden = true;
      return;
    }
    actions.hidden = false;
    history.hidden = false;
    if (!noteFormShown) {
      noteFormShown = true;
      history.append(noteForm());
    }
    replaceContent(
      header,
      h("h1", { id: "detail-heading" }, context.stationName(incident.polsek), " · ", formatClock(incident.first_event_at)),
      h("p", { class: "detail-id muted small" }, t("detail.heading", { id: incident.id })),
      h("div", { class: "detail-badges" }, confirmationBadge(incident, { large: true }), stateBadge(incident), incident.test ? h("span", { class: "chip chip--test" }, t("detail.test")) : null),
    );
    const actionsKey = `${incident.state}|${incident.polsek}`;
    if (drawnState !== actionsKey) {
      drawnState = actionsKey;
      const typed = typedValues();
      replaceContent(actions, h("h2", { id: "actions-heading" }, t("action.heading")), h("div", { class: "action-list" }, actionForms()));
      restoreTypedValues(typed);
    }
    drawFacts();
    drawHistory();
    drawMap();
  }

  const unsubscribe = context.store.subscribe((change) => {
    if (applyingOwn || change.kind !== "update" || change.incident.id !== id) return;
    incident = { ...incident, ...change.incident };
    draw();
    scheduleFetch();
  });

  draw();
  fetchFull();

  return {
    destroy() {
      destroyed = true;
      unsubscribe();
      clearTimeout(fetchTimer);
      mapHandle?.remove();
    },
  };
}
