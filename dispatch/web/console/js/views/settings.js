// Per-browser settings: the alert sound and, for admins, the map tile server.

import { playAlertBeep, setSoundEnabled, soundEnabled, unlockAudio } from "../alert.js";
import { config, saveTileUrl, storedTileUrl, tileUrl, validTileUrl } from "../config.js";
import { h, replaceContent } from "../dom.js";
import { t } from "../i18n.js";

export function renderSettings(main, context) {
  const isAdmin = context.role() === "admin";
  const feedback = h("p", { class: "action-feedback", id: "settings-feedback", role: "status" });
  feedback.hidden = true;
  const show = (text, kind) => {
    feedback.hidden = false;
    feedback.textContent = text;
    feedback.className = `action-feedback action-feedback--${kind}`;
    feedback.setAttribute("role", kind === "error" ? "alert" : "status");
  };

  const soundBox = h("input", { type: "checkbox", id: "settings-sound", checked: soundEnabled() });
  soundBox.addEventListener("change", () => {
    unlockAudio();
    setSoundEnabled(soundBox.checked);
    context.refreshChrome();
  });
  const soundSection = h(
    "section",
    { class: "settings-section" },
    h("h2", {}, t("settings.sound")),
    h("label", { class: "choice" }, soundBox, h("span", {}, t("settings.sound_enabled"))),
    h(
      "button",
      {
        type: "button",
        class: "button",
        id: "sound-test",
        onclick: () => {
          unlockAudio();
          playAlertBeep();
        },
      },
      h("span", { "aria-hidden": "true" }, "♪ "),
      t("sound.test"),
    ),
  );

  const current = () => tileUrl() || t("settings.tile_url.none");
  const currentLine = h("p", { class: "muted small", id: "tile-url-current" }, t("settings.tile_url.current", { value: current() }));
  const tileInput = h("input", {
    id: "settings-tile-url",
    name: "tile_url",
    type: "text",
    inputmode: "url",
    spellcheck: "false",
    value: storedTileUrl() ?? config().tile_url ?? "",
    disabled: !isAdmin,
  });
  const mapSection = h(
    "section",
    { class: "settings-section" },
    h("h2", {}, t("settings.map")),
    h(
      "form",
      {
        class: "action-form",
        onsubmit: (event) => {
          event.preventDefault();
          const value = tileInput.value.trim();
          if (!validTileUrl(value)) {
            show(t("settings.tile_url.invalid"), "error");
            return;
          }
          saveTileUrl(value);
          currentLine.textContent = t("settings.tile_url.current", { value: current() });
          show(t("settings.saved"), "success");
        },
      },
      h("label", { for: "settings-tile-url" }, t("settings.tile_url")),
      tileInput,
      h("p", { class: "muted small" }, t("settings.tile_url.hint")),
      currentLine,
      isAdmin
        ? h(
            "div",
            { class: "button-row" },
            h("button", { type: "submit", class: "button button--primary", id: "settings-save" }, t("settings.save")),
            h(
              "button",
              {
                type: "button",
                class: "button",
                id: "settings-reset",
                onclick: () => {
                  saveTileUrl(null);
                  tileInput.value = config().tile_url || "";
                  currentLine.textContent = t("settings.tile_url.current", { value: current() });
                  show(t("settings.saved"), "success");
                },
              },
              t("settings.reset"),
            ),
          )
        : h("p", { class: "muted" }, t("settings.tile_url.admin_only")),
    ),
  );

  replaceContent(
    main,
    h("section", { class: "page", "aria-labelledby": "settings-heading" }, h("h1", { id: "settings-heading" }, t("settings.heading")), feedback, soundSection, mapSection),
  );
  return { destroy() {} };
}
