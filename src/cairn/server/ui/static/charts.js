// Inline SVG charts drawn here: a line chart of one metric across versions, and a grouped
// bar chart of several metrics for several versions. No library.

import { h, s, num } from "./dom.js";

const PALETTE = ["#3b6ea8", "#d9822b", "#3a9e6f", "#b0413e", "#7d5ba6", "#5c8c9c", "#a68a3b", "#6b6b6b"];
export const color = (i) => PALETTE[i % PALETTE.length];

/** About `count` round tick values covering [lo, hi]. */
export function ticks(lo, hi, count = 5) {
  if (lo === hi) {
    const pad = Math.abs(lo) * 0.1 || 1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((m) => raw <= m) || 10 * mag;
  const out = [];
  for (let t = Math.floor(lo / step) * step; t <= hi + step * 1e-9; t += step) {
    out.push(Number(t.toPrecision(12)));
    if (out.length > 50) break;
  }
  if (out[out.length - 1] < hi) out.push(Number((out[out.length - 1] + step).toPrecision(12)));
  return out;
}

/**
 * points: [{x: version number, y: value, label, href}] -> an <svg> line chart.
 */
export function lineChart(points, { title = "", width = 720, height = 260 } = {}) {
  const m = { top: 24, right: 20, bottom: 36, left: 64 };
  const w = width - m.left - m.right;
  const ht = height - m.top - m.bottom;
  const svg = s("svg", {
    class: "chart line-chart", viewBox: `0 0 ${width} ${height}`, width, height,
    role: "img", "aria-label": title || "chart",
  });
  if (!points.length) {
    svg.append(s("text", { x: width / 2, y: height / 2, "text-anchor": "middle", class: "empty" },
      "no version has this metric"));
    return svg;
  }
  const ys = ticks(Math.min(...points.map((p) => p.y)), Math.max(...points.map((p) => p.y)));
  const y0 = ys[0];
  const y1 = ys[ys.length - 1];
  const xs = points.map((p) => p.x);
  const xmin = Math.min(...xs);
  const xmax = Math.max(...xs);
  const X = (x) => m.left + (xmax === xmin ? w / 2 : ((x - xmin) / (xmax - xmin)) * w);
  const Y = (y) => m.top + ht - ((y - y0) / (y1 - y0)) * ht;
  for (const t of ys) {
    svg.append(s("line", { x1: m.left, x2: m.left + w, y1: Y(t), y2: Y(t), class: "grid" }));
    svg.append(s("text", { x: m.left - 8, y: Y(t) + 4, "text-anchor": "end", class: "tick" }, num(t)));
  }
  const step = Math.max(1, Math.ceil(points.length / 12));
  points.forEach((p, i) => {
    if (i % step === 0 || i === points.length - 1) {
      svg.append(s("text", { x: X(p.x), y: m.top + ht + 18, "text-anchor": "middle", class: "tick" }, "v" + p.x));
    }
  });
  svg.append(s("text", { x: m.left + w / 2, y: height - 4, "text-anchor": "middle", class: "axis-label" }, "version"));
  if (title) svg.append(s("text", { x: m.left, y: 14, class: "chart-title" }, title));
  const d = points.map((p, i) => `${i ? "L" : "M"}${X(p.x).toFixed(1)},${Y(p.y).toFixed(1)}`).join(" ");
  svg.append(s("path", { d, class: "series", stroke: color(0) }));
  for (const p of points) {
    const dot = s("circle", { cx: X(p.x), cy: Y(p.y), r: 4, class: "point", fill: color(0), "data-version": p.x },
      s("title", {}, `${p.label || "v" + p.x}: ${num(p.y)}`));
    svg.append(p.href ? s("a", { href: p.href }, dot) : dot);
  }
  return svg;
}

/**
 * groups: metric names; series: [{name: ref, values: {metric: value}}]. Each metric group is
 * scaled to its own largest absolute value (metrics have different units); bars carry values.
 */
export function groupedBars(groups, series, { width = 720, height = 280 } = {}) {
  const m = { top: 16, right: 16, bottom: 64, left: 16 };
  const w = width - m.left - m.right;
  const ht = height - m.top - m.bottom;
  const svg = s("svg", {
    class: "chart bar-chart", viewBox: `0 0 ${width} ${height}`, width, height,
    role: "img", "aria-label": "metrics by version",
  });
  if (!groups.length || !series.length) {
    svg.append(s("text", { x: width / 2, y: height / 2, "text-anchor": "middle", class: "empty" }, "no metrics to chart"));
    return svg;
  }
  const gw = w / groups.length;
  const bw = Math.min(48, (gw * 0.8) / series.length);
  const base = m.top + ht;
  svg.append(s("line", { x1: m.left, x2: m.left + w, y1: base, y2: base, class: "axis" }));
  groups.forEach((g, gi) => {
    const values = series.map((sr) => sr.values[g]).filter((v) => typeof v === "number");
    const top = Math.max(...values.map(Math.abs), 0) || 1;
    const start = m.left + gi * gw + (gw - bw * series.length) / 2;
    series.forEach((sr, si) => {
      const v = sr.values[g];
      if (typeof v !== "number") return;
      const bh = (Math.abs(v) / top) * (ht - 14);
      const x = start + si * bw;
      svg.append(s("rect", {
        x: x + 1, y: base - bh, width: bw - 2, height: Math.max(bh, 0.5), fill: color(si),
        class: "bar", "data-metric": g, "data-ref": sr.name,
      }, s("title", {}, `${sr.name} ${g}: ${num(v)}`)));
      svg.append(s("text", { x: x + bw / 2, y: base - bh - 3, "text-anchor": "middle", class: "bar-value" }, num(v)));
    });
    svg.append(s("text", { x: m.left + gi * gw + gw / 2, y: base + 18, "text-anchor": "middle", class: "tick" }, g));
  });
  let lx = m.left;
  series.forEach((sr, si) => {
    svg.append(s("rect", { x: lx, y: height - 22, width: 12, height: 12, fill: color(si) }));
    svg.append(s("text", { x: lx + 16, y: height - 12, class: "legend" }, sr.name));
    lx += 28 + sr.name.length * 7;
  });
  return svg;
}

/** A chart in a horizontally scrollable box. */
export function chartBox(svg, note) {
  return h("div", { class: "chart-box" }, svg, note ? h("p", { class: "muted small" }, note) : null);
}
