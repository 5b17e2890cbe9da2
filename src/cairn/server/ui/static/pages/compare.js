// Compare 2+ versions: metrics/params side by side (best highlighted), a grouped bar chart,
// and the diff of the first two (param/metric deltas, files, new bytes).

import { api, seg } from "../api.js";
import { h, num, signed, bytes, refLink, section, table, chip, fill } from "../dom.js";
import { groupedBars, chartBox, color } from "../charts.js";

// Metrics whose name says smaller is better; every other metric: larger is better.
const LOWER_IS_BETTER = /(loss|err|error|mae|mse|rmse|mape|latency|perplexity|time|size|fpr|fnr)/i;

export const lowerIsBetter = (metric) => LOWER_IS_BETTER.test(metric);

function picker(refs) {
  const input = h("input", {
    id: "compare-refs", size: 60, value: refs.join(", "), "aria-label": "versions to compare",
    placeholder: "refs, e.g. fraud/1, fraud/2, fraud@production",
  });
  const modelSel = h("select", { id: "pick-model", "aria-label": "model" }, h("option", { value: "" }, "add versions of…"));
  const boxes = h("div", { class: "pick-list" });
  api("/models", { query: { limit: 200 } }).then((page) => {
    modelSel.append(...page.items.map((m) => h("option", { value: m.name }, m.name)));
  }).catch(() => {});
  modelSel.addEventListener("change", async () => {
    const name = modelSel.value;
    if (!name) return fill(boxes);
    const page = await api(`/models/${seg(name)}/versions`, { query: { limit: 50 } });
    fill(boxes, ...page.items.map((v) => {
      const ref = `${v.model}/${v.number}`;
      const current = () => input.value.split(",").map((x) => x.trim()).filter(Boolean);
      return h("label", { class: "pick" }, h("input", {
        type: "checkbox", checked: current().includes(ref),
        onchange: (e) => {
          const list = current().filter((x) => x !== ref);
          if (e.target.checked) list.push(ref);
          input.value = list.join(", ");
        },
      }), ` v${v.number}`, v.aliases.length ? chip(v.aliases.join(","), "alias") : null);
    }));
  });
  const form = h("form", { class: "toolbar", id: "compare-form" }, input, h("button", { type: "submit", class: "primary" }, "Compare"), modelSel);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const list = input.value.split(",").map((x) => x.trim()).filter(Boolean);
    window.location.hash = "#/compare?refs=" + encodeURIComponent(list.join(","));
  });
  return h("div", {}, form, boxes);
}

/** The index of the best value of a metric across versions (null when there is no contest). */
export function best(values, metric) {
  let at = null;
  values.forEach((v, i) => {
    if (typeof v !== "number") return;
    if (at === null || (lowerIsBetter(metric) ? v < values[at] : v > values[at])) at = i;
  });
  const numbers = values.filter((v) => typeof v === "number");
  return numbers.length > 1 && new Set(numbers).size > 1 ? at : null;
}

function sideBySide(cmp) {
  const head = ["", ...cmp.refs.map((r, i) => h("span", {}, h("i", { class: "swatch", style: `background:${color(i)}` }), refLink(r)))];
  const rows = [];
  const group = (title) => h("tr", { class: "group" }, h("th", { colspan: cmp.refs.length + 1 }, title));
  if (cmp.metrics.length) rows.push(group("metrics"));
  for (const m of cmp.metrics) {
    const values = cmp.rows.map((r) => r[`metrics.${m}`]);
    const at = best(values, m);
    rows.push(h("tr", { dataset: { metric: m } }, h("th", {}, m, lowerIsBetter(m) ? h("span", { class: "muted small" }, " ↓") : null),
      values.map((v, i) => h("td", { class: "num" + (i === at ? " best" : ""), title: i === at ? "best" : null }, num(v)))));
  }
  if (cmp.params.length) rows.push(group("params"));
  for (const p of cmp.params) {
    const values = cmp.rows.map((r) => r[`params.${p}`]);
    const differs = new Set(values.map((v) => JSON.stringify(v))).size > 1;
    rows.push(h("tr", { dataset: { param: p }, class: differs ? "differs" : "" }, h("th", {}, p),
      values.map((v) => h("td", { class: "num" }, v === null || v === undefined ? "—" : num(v)))));
  }
  rows.push(group("aliases"));
  rows.push(h("tr", {}, h("th", {}, "aliases"), cmp.rows.map((r) => h("td", {}, r.aliases ? chip(r.aliases, "alias") : ""))));
  return h("table", { class: "compare", id: "compare-table" }, h("thead", {}, h("tr", {}, head.map((x) => h("th", {}, x)))), h("tbody", {}, rows));
}

function cell(value, numeric) {
  if (value === null || value === undefined) return h("span", { class: "muted" }, "—");
  if (numeric) return num(value);
  const text = String(value);
  // Digests are long: show the start, keep the whole value in the tooltip.
  return /^blake3:[0-9a-f]{16,}$/.test(text) ? h("code", { title: text }, text.slice(0, 19) + "…") : text;
}

/** Metric deltas are coloured by whether they are better; param deltas are neutral. */
function deltaClass(change, kind) {
  if (kind !== "metrics" || typeof change.delta !== "number" || change.delta === 0) return "";
  const better = lowerIsBetter(change.key) ? change.delta < 0 : change.delta > 0;
  return better ? "better" : "worse";
}

function changeRows(changes, numeric, kind) {
  return changes.map((c) => h("tr", { dataset: { key: c.key } }, h("th", {}, c.key),
    h("td", { class: "num" }, cell(c.old, numeric)),
    h("td", { class: "num" }, cell(c.new, numeric)),
    h("td", { class: ("num delta " + deltaClass(c, kind)).trim() }, signed(c.delta))));
}

function diffSection(d) {
  const kinds = [["metrics", d.metrics, true], ["params", d.params, true], ["tags", d.tags, false], ["lineage", d.lineage, false], ["fields", d.fields, false]];
  const blocks = kinds.filter(([, list]) => list.length).map(([title, list, numeric]) =>
    h("div", { class: "diff-block", dataset: { kind: title } }, h("h3", {}, title),
      h("table", { class: "diff" }, h("colgroup", {}, h("col", { class: "c-key" }), h("col", { class: "c-val" }), h("col", { class: "c-val" }), h("col", { class: "c-delta" })),
        h("thead", {}, h("tr", {}, h("th", {}, ""), h("th", {}, d.a), h("th", {}, d.b), h("th", {}, "Δ"))),
        h("tbody", {}, changeRows(list, numeric, title)))));
  const files = d.files.length
    ? table(["file", "change", "size " + d.a, "size " + d.b], d.files.map((f) => [
      h("code", {}, f.path), chip(f.change, "file-" + f.change), bytes(f.old_size), bytes(f.new_size)]), { class: "files-diff", id: "files-diff" })
    : h("p", { class: "muted" }, "Same files (same artifact digest).");
  return section(`Diff ${d.a} → ${d.b}`,
    h("p", { class: "summary", id: "diff-summary" },
      `${d.files.length} file${d.files.length === 1 ? "" : "s"} changed, ${d.unchanged_files} unchanged; `,
      h("strong", {}, bytes(d.new_bytes)), ` new bytes of ${bytes(d.size_b)} (the rest is shared).`),
    blocks.length ? blocks : h("p", { class: "muted" }, "No metadata differences."),
    h("h3", {}, "files"), files);
}

export async function comparePage(view, _args, query) {
  const refs = (query.get("refs") || "").split(",").map((x) => x.trim()).filter(Boolean);
  if (refs.length < 2) {
    fill(view, h("h1", {}, "Compare versions"), section("Pick two or more versions", picker(refs)));
    return;
  }
  const [cmp, diff] = await Promise.all([
    api("/compare", { query: { ref: refs } }),
    api("/diff", { query: { a: refs[0], b: refs[1] } }),
  ]);
  const series = cmp.rows.map((r, i) => ({ name: cmp.refs[i], values: Object.fromEntries(cmp.metrics.map((m) => [m, r[`metrics.${m}`]])) }));
  fill(view, 
    h("h1", {}, "Compare ", cmp.refs.join(" · ")),
    section("Versions", picker(refs)),
    section("Side by side", sideBySide(cmp), h("p", { class: "muted small" }, "Best value in green (larger is better unless the name says loss, error, latency …, marked ↓).")),
    section("Metrics", chartBox(groupedBars(cmp.metrics, series), "Each metric is scaled to its own largest value.")),
    diffSection(diff));
}
