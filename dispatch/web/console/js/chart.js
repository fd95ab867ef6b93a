// A horizontal grouped bar chart in inline SVG: one group of bars per
// station, one bar per series. Every bar carries its value as text, so the
// chart does not depend on telling colours apart.

import { svg } from "./dom.js";

const BAR_HEIGHT = 14;
const BAR_GAP = 3;
const GROUP_GAP = 14;
const VALUE_WIDTH = 36;

// groups: [{label, values: {seriesKey: number}}]; series: [{key, label, className}].
// `width` is the width in CSS pixels the chart will have on the page, so the
// text stays at its CSS size instead of shrinking with the drawing.
export function barChart({ groups, series, title, width = 720 }) {
  const WIDTH = Math.round(Math.max(320, Math.min(1000, width)));
  const LABEL_WIDTH = Math.round(Math.min(200, WIDTH * 0.4));
  const max = Math.max(1, ...groups.flatMap((group) => series.map((item) => group.values[item.key] || 0)));
  const groupHeight = series.length * (BAR_HEIGHT + BAR_GAP) - BAR_GAP;
  const height = groups.length * (groupHeight + GROUP_GAP) + 8;
  const plotWidth = WIDTH - LABEL_WIDTH - VALUE_WIDTH;

  const children = [svg("title", {}, title)];
  groups.forEach((group, index) => {
    const top = 4 + index * (groupHeight + GROUP_GAP);
    children.push(
      svg("text", { x: LABEL_WIDTH - 8, y: top + groupHeight / 2, class: "chart-label", "text-anchor": "end", "dominant-baseline": "middle" }, group.label),
    );
    series.forEach((item, position) => {
      const value = group.values[item.key] || 0;
      const y = top + position * (BAR_HEIGHT + BAR_GAP);
      const width = Math.max(value > 0 ? 2 : 0, (value / max) * plotWidth);
      children.push(
        svg(
          "rect",
          { x: LABEL_WIDTH, y, width, height: BAR_HEIGHT, rx: 2, class: `chart-bar ${item.className}`, "data-series": item.key },
          svg("title", {}, `${group.label}: ${item.label} ${value}`),
        ),
        svg("text", { x: LABEL_WIDTH + width + 4, y: y + BAR_HEIGHT / 2, class: "chart-value", "dominant-baseline": "middle" }, String(value)),
      );
    });
  });
  children.push(svg("line", { x1: LABEL_WIDTH, x2: LABEL_WIDTH, y1: 0, y2: height, class: "chart-axis" }));
  return svg(
    "svg",
    { viewBox: `0 0 ${WIDTH} ${height}`, class: "bar-chart", role: "img", "aria-label": title, preserveAspectRatio: "xMinYMin meet" },
    ...children,
  );
}

// A column chart over time: one group of columns per day, one column per
// series, with a day label under every `labelEvery`-th group. Each column's
// value is in its tooltip.
// days: [{label, values: {seriesKey: number}}]; series as for barChart.
export function columnChart({ days, series, title, width = 720, labelEvery = 1 }) {
  const chartWidth = Math.round(Math.max(320, Math.min(1000, width)));
  const height = 190;
  const left = 34;
  const bottom = 28;
  const plotHeight = height - bottom - 10;
  const max = Math.max(1, ...days.flatMap((day) => series.map((item) => day.values[item.key] || 0)));
  const groupWidth = (chartWidth - left - 4) / Math.max(1, days.length);
  const columnWidth = Math.max(1, (groupWidth * 0.8) / series.length);

  const children = [svg("title", {}, title)];
  for (const fraction of [0, 0.5, 1]) {
    const y = 10 + plotHeight * (1 - fraction);
    children.push(
      svg("line", { x1: left, x2: chartWidth, y1: y, y2: y, class: "chart-grid" }),
      svg("text", { x: left - 6, y, class: "chart-value", "text-anchor": "end", "dominant-baseline": "middle" }, String(Math.round(max * fraction))),
    );
  }
  days.forEach((day, index) => {
    const x0 = left + index * groupWidth + groupWidth * 0.1;
    series.forEach((item, position) => {
      const value = day.values[item.key] || 0;
      const columnHeight = (value / max) * plotHeight;
      children.push(
        svg(
          "rect",
          { x: x0 + position * columnWidth, y: 10 + plotHeight - columnHeight, width: columnWidth, height: columnHeight, class: `chart-bar ${item.className}`, "data-series": item.key },
          svg("title", {}, `${day.label}: ${item.label} ${value}`),
        ),
      );
    });
    if (index % labelEvery === 0) {
      children.push(svg("text", { x: x0 + (columnWidth * series.length) / 2, y: height - 8, class: "chart-value", "text-anchor": "middle" }, day.label));
    }
  });
  return svg(
    "svg",
    { viewBox: `0 0 ${chartWidth} ${height}`, class: "column-chart", role: "img", "aria-label": title, preserveAspectRatio: "xMinYMin meet" },
    ...children,
  );
}
