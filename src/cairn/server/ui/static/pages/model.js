// One model: aliases (with rollback), versions (search, keyset "more"), a metric chart.

import { api, seg } from "../api.js";
import { h, link, when, chip, num, shortDigest, versionHref, modelHref, section, showError, clearError, guarded, fill } from "../dom.js";
import { lineChart, chartBox } from "../charts.js";

const PAGE = 25;

export function modelNav(name, active) {
  const tabs = [["", "Versions"], ["/lineage", "Lineage"], ["/aliases", "Alias history"]];
  return h("nav", { class: "tabs" }, tabs.map(([suffix, label]) =>
    h("a", { href: modelHref(name) + suffix, class: suffix === active ? "active" : "" }, label)));
}

export async function modelPage(view, [name], query) {
  const model = await api(`/models/${seg(name)}`);
  const state = { versions: [], next: null, filter: query.get("filter") || "", metric: query.get("metric") || "" };

  const aliasBox = h("div", {});
  const tableBox = h("div", {});
  const chartArea = h("div", {});
  const more = h("button", { id: "more-versions", hidden: true }, "More versions");
  const compareBtn = h("button", { id: "compare-selected", disabled: true }, "Compare selected");
  const search = h("input", {
    type: "search", id: "version-filter", value: state.filter, size: 40,
    placeholder: 'filter, e.g. metrics.auc > 0.9 and tags.team = "fraud"', "aria-label": "filter versions",
  });
  const order = h("select", { id: "version-order", "aria-label": "order" },
    h("option", { value: "" }, "newest first"),
    h("option", { value: "number asc" }, "oldest first"),
    h("option", { value: "created desc" }, "created, newest"));
  const metricSelect = h("select", { id: "chart-metric", "aria-label": "metric to chart" });
  const selected = new Set();

  async function loadAliases() {
    const aliases = await api(`/models/${seg(name)}/aliases`);
    const names = Object.keys(aliases).sort();
    if (!names.length) {
      fill(aliasBox, h("p", { class: "muted" }, "No aliases. Point one with ", h("code", {}, `cairn alias set ${name}@production N`), "."));
      return;
    }
    fill(aliasBox, h("table", { class: "aliases", id: "aliases-table" },
      h("thead", {}, h("tr", {}, h("th", {}, "alias"), h("th", {}, "version"), h("th", {}, ""))),
      h("tbody", {}, names.map((alias) => h("tr", { dataset: { alias } },
        h("td", {}, chip(alias, "alias")),
        h("td", { class: "num" }, link(versionHref(name, aliases[alias]), "v" + aliases[alias])),
        h("td", { class: "actions" },
          h("button", { class: "rollback", dataset: { alias }, onclick: () => rollback(alias, aliases[alias]) }, "Roll back"),
          " ", link(modelHref(name) + "/aliases?alias=" + encodeURIComponent(alias), "history")))))));
  }

  async function rollback(alias, current) {
    if (!window.confirm(`Roll back ${name}@${alias} (now v${current}) to the version it held before?`)) return;
    await guarded(async () => {
      const move = await api(`/models/${seg(name)}/aliases/${seg(alias)}/rollback`, {
        method: "POST", body: { reason: "rolled back from the web UI" },
      });
      await loadAliases();
      await reload();
      aliasBox.prepend(h("p", { class: "notice", id: "rollback-done" }, `${name}@${alias} moved from v${move.from_version} to v${move.to_version}.`));
    });
  }

  function metricNames() {
    const set = new Set();
    for (const v of state.versions) Object.keys(v.metrics).forEach((k) => set.add(k));
    return [...set].sort();
  }

  function drawTable() {
    const metrics = metricNames().slice(0, 4);
    if (!state.versions.length) {
      fill(tableBox, h("p", { class: "muted" }, state.filter ? "No version matches the filter." : "No versions yet."));
      return;
    }
    const rows = state.versions.map((v) => h("tr", { dataset: { version: v.number }, class: "status-" + v.status },
      h("td", {}, h("input", {
        type: "checkbox", class: "pick", "aria-label": `select v${v.number}`, checked: selected.has(v.number),
        onchange: (e) => { if (e.target.checked) selected.add(v.number); else selected.delete(v.number); compareBtn.disabled = selected.size < 2; },
      })),
      h("td", { class: "num" }, link(versionHref(name, v.number), "v" + v.number)),
      h("td", {}, v.aliases.map((a) => chip(a, "alias"))),
      h("td", {}, v.status === "ready" ? "ready" : chip(v.status, "status")),
      ...metrics.map((m) => h("td", { class: "num" }, num(v.metrics[m]))),
      h("td", {}, v.author),
      h("td", {}, when(v.created)),
      h("td", {}, h("code", { title: v.digest }, shortDigest(v.digest)))));
    fill(tableBox, h("table", { class: "versions", id: "versions-table" },
      h("thead", {}, h("tr", {}, ["", "version", "aliases", "status", ...metrics, "author", "created", "digest"].map((x) => h("th", {}, x)))),
      h("tbody", {}, rows)));
  }

  function drawChart() {
    const names = metricNames();
    if (!names.length) {
      fill(chartArea, h("p", { class: "muted" }, "No metrics logged yet."));
      return;
    }
    if (!names.includes(state.metric)) state.metric = names[0];
    fill(metricSelect, ...names.map((m) => h("option", { value: m, selected: m === state.metric }, m)));
    const points = state.versions
      .filter((v) => typeof v.metrics[state.metric] === "number")
      .map((v) => ({ x: v.number, y: v.metrics[state.metric], href: versionHref(name, v.number) }))
      .sort((a, b) => a.x - b.x);
    fill(chartArea, 
      h("div", { class: "toolbar" }, h("label", {}, "metric ", metricSelect)),
      chartBox(lineChart(points, { title: state.metric, width: 540, height: 250 }),
        `${points.length} of the ${state.versions.length} versions listed above${state.next ? " (load more to extend)" : ""}.`));
  }

  async function fetchPage(token) {
    return api(`/models/${seg(name)}/versions`, {
      query: { filter: state.filter || null, order_by: order.value || null, limit: PAGE, page_token: token },
    });
  }

  async function reload() {
    const page = await fetchPage(null);
    state.versions = page.items;
    state.next = page.next_token;
    more.hidden = !state.next;
    drawTable();
    drawChart();
  }

  const searchForm = h("form", { class: "toolbar", id: "version-search" }, search, order,
    h("button", { type: "submit" }, "Search"),
    h("button", { type: "button", onclick: () => { search.value = ""; searchForm.requestSubmit(); } }, "Clear"));
  searchForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const previous = state.filter;
    state.filter = search.value.trim();
    clearError();
    try {
      await reload();
    } catch (err) {
      state.filter = previous;
      showError(err);
    }
  });
  more.addEventListener("click", () => guarded(async () => {
    const page = await fetchPage(state.next);
    state.versions.push(...page.items);
    state.next = page.next_token;
    more.hidden = !state.next;
    drawTable();
    drawChart();
  }));
  compareBtn.addEventListener("click", () => {
    const refs = [...selected].sort((a, b) => a - b).map((n) => `${name}/${n}`);
    window.location.hash = "#/compare?refs=" + encodeURIComponent(refs.join(","));
  });
  metricSelect.addEventListener("change", () => { state.metric = metricSelect.value; drawChart(); });
  order.addEventListener("change", () => guarded(reload));

  await Promise.all([loadAliases(), reload()]);
  const tags = Object.entries(model.tags || {});
  fill(view, 
    h("div", { class: "page-head" },
      h("h1", {}, link("#/", "Models"), " / ", name),
      h("span", { class: "muted" }, `${model.version_count} versions · owner ${model.owner || "—"} · updated `, when(model.updated))),
    model.description ? h("p", { class: "description" }, model.description) : null,
    tags.length ? h("p", {}, tags.map(([k, v]) => chip(`${k}=${v}`, "tag"))) : null,
    modelNav(name, ""),
    h("div", { class: "grid2" },
      section("Aliases", aliasBox),
      section("Metric across versions", chartArea)),
    section("Versions", searchForm, tableBox, h("div", { class: "toolbar" }, more, compareBtn)));
}
