// Pieces shared by the list views: loading, error and "not available" states.

import { h, replaceContent } from "../dom.js";
import { t } from "../i18n.js";

export function errorText(error) {
  if (error.status === 0) return t("error.network");
  if (error.status === 403) return t("error.forbidden");
  if (error.status === 404) return t("error.unavailable");
  return error.message || t("error.generic", { status: error.status });
}

// Runs `load` and shows its result with `draw`, or an error with a retry
// button. A 404 from a list endpoint means the server lacks the panel.
export async function loadInto(container, load, draw, { onUnavailable } = {}) {
  replaceContent(container, h("p", { class: "muted" }, t("common.loading")));
  try {
    const result = await load();
    draw(result);
  } catch (error) {
    if (error.status === 404 && onUnavailable) onUnavailable();
    replaceContent(
      container,
      h("p", { class: "form-error", role: "alert" }, errorText(error)),
      error.status === 404 || error.status === 403
        ? null
        : h(
            "button",
            { type: "button", class: "button", onclick: () => loadInto(container, load, draw, { onUnavailable }) },
            t("common.retry"),
          ),
    );
  }
}
