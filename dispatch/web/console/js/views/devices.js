// Devices that broke their supervision class (GET /v1/devices?attention=true).

import { h, replaceContent } from "../dom.js";
import { formatAgo, formatDateTime } from "../format.js";
import { t, tOr } from "../i18n.js";
import { loadInto } from "./common.js";

function deviceRow(device, context) {
  const reasons = Array.isArray(device.attention) ? device.attention : [];
  return h(
    "tr",
    { dataset: { deviceId: device.device_id } },
    h("th", { scope: "row" }, h("span", { class: "mono" }, device.device_id), device.label ? h("div", { class: "muted small" }, device.label) : null),
    h("td", { "data-label": t("detail.station") }, context.stationName(device.polsek)),
    h("td", { "data-label": t("devices.reason") }, reasons.map((reason) => h("span", { class: "chip chip--warning" }, "⚠ ", tOr(`devices.attention.${reason}`, reason)))),
    h(
      "td",
      { "data-label": t("devices.last_seen") },
      device.last_seen_at
        ? [formatDateTime(device.last_seen_at), h("div", { class: "muted small" }, formatAgo(device.last_seen_at, context.now()))]
        : t("devices.never"),
    ),
    h("td", { "data-label": t("devices.battery") }, device.bat === null || device.bat === undefined ? t("common.unknown") : `${device.bat}%`),
    h(
      "td",
      { "data-label": t("devices.contact") },
      [device.contact_name, device.contact_phone].filter(Boolean).join(" · ") || t("common.unknown"),
    ),
  );
}

export function renderDevices(main, context) {
  const body = h("div", { id: "device-list" });
  replaceContent(
    main,
    h(
      "section",
      { class: "page", "aria-labelledby": "devices-heading" },
      h("div", { class: "pane-header" }, h("h1", { id: "devices-heading" }, t("devices.heading"))),
      h("p", { class: "muted" }, t("devices.intro")),
      body,
    ),
  );
  loadInto(
    body,
    async () => context.api.itemsOf(await context.api.get("/v1/devices", { attention: "true" })).items,
    (devices) => {
      if (!devices.length) {
        replaceContent(body, h("p", { class: "ok-note" }, h("span", { "aria-hidden": "true" }, "✓ "), t("devices.empty")));
        return;
      }
      replaceContent(
        body,
        h(
          "table",
          { class: "table table--cards" },
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              [t("detail.device"), t("detail.station"), t("devices.reason"), t("devices.last_seen"), t("devices.battery"), t("devices.contact")].map(
                (label) => h("th", { scope: "col" }, label),
              ),
            ),
          ),
          h("tbody", {}, devices.map((device) => deviceRow(device, context))),
        ),
      );
    },
    { onUnavailable: () => context.markUnavailable("devices") },
  );
  return { destroy() {} };
}
