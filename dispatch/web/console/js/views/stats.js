// Statistics (GET /v1/stats?from&to), overall and per station, as figures,
// a daily column chart (GET /v1/stats/daily), a bar chart and a table.
// Dates are WIB calendar days.

import { h, replaceContent } from "../dom.js";
import { barChart, columnChart } from "../chart.js";
import { addDays, formatDay, formatNumber, wibDayStartIso, wibToday } from "../format.js";
import { t } from "../i18n.js";
import { errorText, loadInto } from "./common.js";

const COUNTERS = ["panic_presses", "confirmed", "unconfirmed", "mis_presses", "followed_up", "complaints"];
const DAILY_SERIES = [
  { key: "panic_presses", className: "chart-bar--presses" },
  { key: "followed_up", className: "chart-bar--followed" },
];
// Maximum number of days drawn as columns. Longer ranges show only the totals.
const MAX_CHART_DAYS = 62;

// Every WIB day from the first to the last (inclusive), with zero counters
// for the days the API left out because nothing happened.
export function fillDays(days, firstDay, lastDay) {
  const byDate = new Map(days.map((day) => [day.date, day]));
  const first = firstDay || days[0]?.date;
  const last = lastDay || days[days.length - 1]?.date;
  if (!first || !last) return [];
  const filled = [];
  for (let day = first; day <= last && filled.length <= MAX_CHART_DAYS; day = addDays(day, 1)) {
    filled.push(byDate.get(day) || { date: day });
  }
  return filled;
}

const CHART_SERIES = [
  { key: "panic_presses", className: "chart-bar--presses" },
  { key: "followed_up", className: "chart-bar--followed" },
  { key: "mis_presses", className: "chart-bar--mis" },
];

// A preset's [from, to) as WIB days; `to` is exclusive, as the API's is.
function presetRange(preset, today) {
  switch (preset) {
    case "today":
      return [today, addDays(today, 1)];
    case "week":
      return [addDays(today, -6), addDays(today, 1)];
    case "month":
      return [addDays(today, -29), addDays(today, 1)];
    default:
      return ["", ""];
  }
}

export function renderStats(main, context) {
  const today = wibToday(context.now());
  const fromInput = h("input", { type: "date", id: "stats-from", name: "from" });
  const toInput = h("input", { type: "date", id: "stats-to", name: "to" });
  const body = h("div", { id: "stats-body" });

  const presets = ["today", "week", "month", "all"].map((preset) =>
    h(
      "button",
      {
        type: "button",
        class: "segment",
        id: `stats-preset-${preset}`,
        onclick: () => {
          const [from, to] = presetRange(preset, today);
          fromInput.value = from;
          // The date field shows the last day included.
          toInput.value = to ? addDays(to, -1) : "";
          load();
        },
      },
      t(`stats.${preset}`),
    ),
  );

  const form = h(
    "form",
    {
      class: "stats-range",
      onsubmit: (event) => {
        event.preventDefault();
        load();
      },
    },
    h("div", { class: "segmented", role: "group", "aria-label": t("stats.range") }, presets),
    h("label", { for: "stats-from" }, t("stats.from")),
    fromInput,
    h("label", { for: "stats-to" }, t("stats.to")),
    toInput,
    h("button", { type: "submit", class: "button" }, t("stats.apply")),
    h("button", { type: "button", class: "button", id: "stats-csv", onclick: () => downloadCsv() }, t("stats.csv")),
  );

  replaceContent(
    main,
    h(
      "section",
      { class: "page", "aria-labelledby": "stats-heading" },
      h("div", { class: "pane-header" }, h("h1", { id: "stats-heading" }, t("stats.heading"))),
      form,
      h("p", { class: "muted small" }, t("stats.note")),
      body,
    ),
  );

  function draw(stats) {
    const cards = h(
      "div",
      { class: "stat-cards", id: "stat-cards" },
      COUNTERS.map((key) =>
        h("div", { class: `stat-card stat-card--${key}`, dataset: { counter: key } }, h("span", { class: "stat-value" }, formatNumber(stats[key])), h("span", { class: "stat-label" }, t(`stats.${key}`))),
      ),
    );
    const stationIds = Object.keys(stats.by_polsek || {});
    const ordered = [...stationIds].sort((a, b) => context.stationName(a).localeCompare(context.stationName(b)));
    const groups = ordered.map((id) => ({ label: context.stationName(id === "null" || id === "" ? null : id), values: stats.by_polsek[id] }));
    const series = CHART_SERIES.map((item) => ({ ...item, label: t(`stats.${item.key}`) }));
    const hasData = groups.some((group) => COUNTERS.some((key) => group.values[key] > 0));

    const chartSection = hasData
      ? h(
          "section",
          { class: "chart-section", "aria-labelledby": "chart-heading" },
          h("h2", { id: "chart-heading" }, t("stats.chart")),
          h(
            "ul",
            { class: "chart-legend" },
            series.map((item) => h("li", {}, h("span", { class: `legend-box ${item.className}`, "aria-hidden": "true" }), item.label)),
          ),
          h("div", { class: "chart-scroll" }, barChart({ groups, series, title: t("stats.chart_label"), width: body.clientWidth })),
        )
      : h("p", { class: "muted" }, t("stats.empty"));

    const table = groups.length
      ? h(
          "section",
          { "aria-labelledby": "by-polsek-heading" },
          h("h2", { id: "by-polsek-heading" }, t("stats.by_polsek")),
          h(
            "div",
            { class: "table-scroll" },
            h(
              "table",
              { class: "table", id: "stats-table" },
              h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("stats.station")), COUNTERS.map((key) => h("th", { scope: "col", class: "num" }, t(`stats.${key}`))))),
              h(
                "tbody",
                {},
                groups.map((group, index) =>
                  h("tr", { dataset: { polsek: ordered[index] } }, h("th", { scope: "row" }, group.label), COUNTERS.map((key) => h("td", { class: "num" }, formatNumber(group.values[key])))),
                ),
              ),
            ),
          ),
        )
      : null;
    const daily = h("section", { class: "chart-section", id: "daily-section", "aria-labelledby": "daily-heading", hidden: true });
    replaceContent(body, cards, daily, chartSection, table);
    drawDaily(daily);
  }

  async function drawDaily(section) {
    let result;
    try {
      result = await context.api.get("/v1/stats/daily", rangeQuery());
    } catch (error) {
      console.warn("daily statistics unavailable:", error.message);
      return;
    }
    const lastDay = toInput.value || (fromInput.value ? wibToday(context.now()) : null);
    const days = fillDays(result.days || [], fromInput.value || null, lastDay);
    if (days.length === 0 || days.length > MAX_CHART_DAYS) return;
    const series = DAILY_SERIES.map((item) => ({ ...item, label: t(`stats.${item.key}`) }));
    const chart = columnChart({
      days: days.map((day) => ({ label: formatDay(`${day.date}T12:00:00+07:00`), values: day })),
      series,
      title: t("stats.daily_label"),
      width: body.clientWidth,
      labelEvery: Math.ceil(days.length / 10),
    });
    replaceContent(
      section,
      h("h2", { id: "daily-heading" }, t("stats.daily")),
      h("ul", { class: "chart-legend" }, series.map((item) => h("li", {}, h("span", { class: `legend-box ${item.className}`, "aria-hidden": "true" }), item.label))),
      h("div", { class: "chart-scroll" }, chart),
    );
    section.hidden = false;
  }

  function rangeQuery() {
    return {
      from: fromInput.value ? wibDayStartIso(fromInput.value) : null,
      to: toInput.value ? wibDayStartIso(addDays(toInput.value, 1)) : null,
    };
  }

  function load() {
    loadInto(body, () => context.api.get("/v1/stats", rangeQuery()), draw);
  }

  // The CSV needs the bearer token, so a plain link cannot fetch it: the page
  // fetches the text and hands it to the browser as a file.
  async function downloadCsv() {
    let text;
    try {
      text = await context.api.request("GET", "/v1/stats.csv", { query: rangeQuery() });
    } catch (error) {
      replaceContent(body, h("p", { class: "form-error", role: "alert" }, errorText(error)));
      return;
    }
    const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
    const name = `ampera-statistik-${fromInput.value || "awal"}-${toInput.value || wibToday(context.now())}.csv`;
    const link = h("a", { href: url, download: name, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  load();
  return { destroy() {} };
}
