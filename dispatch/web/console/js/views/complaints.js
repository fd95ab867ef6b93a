// Complaint reports (laporan pengaduan): list and close.

import { h, replaceContent } from "../dom.js";
import { formatCoordinates, formatDateTime } from "../format.js";
import { t, tOr } from "../i18n.js";
import { errorText, loadInto } from "./common.js";

const Filter = Object.freeze({ OPEN: "open", ALL: "all" });

function complaintCard(complaint, context, onClosed) {
  const open = complaint.status === "open";
  const feedback = h("p", { class: "action-feedback", role: "status" });
  feedback.hidden = true;
  const note = h("textarea", { name: "note", rows: "2", maxlength: "2000", id: `close-note-${complaint.id}` });
  const button = h("button", { type: "submit", class: "button button--primary", dataset: { action: "close" } }, t("complaints.close"));
  const closeForm = open
    ? h(
        "details",
        { class: "close-details" },
        h("summary", {}, t("complaints.close")),
        h(
          "form",
          {
            class: "action-form",
            onsubmit: async (event) => {
              event.preventDefault();
              button.disabled = true;
              try {
                const updated = await context.api.post(`/v1/complaints/${encodeURIComponent(complaint.id)}/close`, {
                  note: note.value.trim() || null,
                });
                onClosed(updated);
              } catch (error) {
                feedback.hidden = false;
                feedback.className = "action-feedback action-feedback--error";
                feedback.setAttribute("role", "alert");
                feedback.textContent =
                  error.status === 409 ? t("action.conflict", { message: error.message }) : t("action.error", { message: errorText(error) });
                button.disabled = false;
              }
            },
          },
          h("label", { for: `close-note-${complaint.id}` }, t("complaints.close_note")),
          note,
          button,
        ),
      )
    : null;
  const coordinates = formatCoordinates(complaint.loc);
  return h(
    "li",
    { class: `complaint complaint--${complaint.status}`, dataset: { complaintId: complaint.id, status: complaint.status } },
    h(
      "div",
      { class: "complaint-head" },
      h("span", { class: "chip chip--category" }, tOr(`complaints.category.${complaint.category}`, complaint.category)),
      h(
        "span",
        { class: `state ${open ? "state--open" : "state--resolved"}` },
        h("span", { "aria-hidden": "true" }, open ? "● " : "✓ "),
        open ? t("complaints.open") : t("complaints.closed"),
      ),
      h("time", { datetime: complaint.created_at }, formatDateTime(complaint.created_at)),
    ),
    h("p", { class: "complaint-text" }, complaint.text),
    h(
      "p",
      { class: "muted small" },
      [
        context.stationName(complaint.polsek),
        coordinates ? `${t("complaints.location")}: ${coordinates}` : null,
        complaint.filed_by ? `${t("complaints.reporter")}: ${complaint.filed_by}` : null,
      ]
        .filter(Boolean)
        .join(" · "),
    ),
    !open
      ? h(
          "p",
          { class: "muted small" },
          [t("complaints.closed_by", { user: complaint.closed_by || t("common.unknown") }), formatDateTime(complaint.closed_at), complaint.close_note]
            .filter(Boolean)
            .join(" · "),
        )
      : null,
    feedback,
    closeForm,
  );
}

export function renderComplaints(main, context) {
  let filter = Filter.OPEN;
  const list = h("div", { id: "complaint-list" });
  const status = h("p", { class: "action-feedback action-feedback--success", role: "status", id: "complaints-feedback" });
  status.hidden = true;
  const buttons = [Filter.OPEN, Filter.ALL].map((value) =>
    h(
      "button",
      {
        type: "button",
        class: "segment",
        id: `complaints-filter-${value}`,
        "aria-pressed": value === filter ? "true" : "false",
        onclick: () => {
          filter = value;
          for (const button of buttons) button.setAttribute("aria-pressed", button.id === `complaints-filter-${value}` ? "true" : "false");
          load();
        },
      },
      t(`complaints.filter.${value}`),
    ),
  );
  replaceContent(
    main,
    h(
      "section",
      { class: "page", "aria-labelledby": "complaints-heading" },
      h("div", { class: "pane-header" }, h("h1", { id: "complaints-heading" }, t("complaints.heading")), h("div", { class: "segmented", role: "group" }, buttons)),
      status,
      list,
    ),
  );

  function load() {
    loadInto(
      list,
      async () => {
        const items = [];
        let cursor = null;
        for (let page = 0; page < 5; page += 1) {
          const body = await context.api.get("/v1/complaints", { status: filter === Filter.OPEN ? "open" : null, cursor });
          const { items: pageItems, next } = context.api.itemsOf(body);
          items.push(...pageItems);
          if (!next) break;
          cursor = next;
        }
        return items;
      },
      (items) => {
        if (!items.length) {
          replaceContent(list, h("p", { class: "muted" }, t("complaints.empty")));
          return;
        }
        replaceContent(
          list,
          h(
            "ol",
            { class: "complaint-list" },
            items.map((complaint) =>
              complaintCard(complaint, context, () => {
                status.hidden = false;
                status.textContent = t("complaints.done");
                load();
              }),
            ),
          ),
        );
      },
      { onUnavailable: () => context.markUnavailable("complaints") },
    );
  }

  load();
  return { destroy() {} };
}
