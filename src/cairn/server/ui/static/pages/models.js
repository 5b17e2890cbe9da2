// The models list: name, latest version, aliases, owner, updated; a filter box.

import { api } from "../api.js";
import { h, link, when, chip, modelHref, versionHref, table, fill } from "../dom.js";

export async function modelsPage(view, _args, query) {
  const models = [];
  let next = null;
  const first = await api("/models", { query: { limit: 100 } });
  models.push(...first.items);
  next = first.next_token;

  const filter = h("input", {
    type: "search", id: "model-filter", placeholder: "Filter by name, owner, alias or tag…",
    value: query.get("q") || "", "aria-label": "filter models",
  });
  const body = h("div", {});
  const more = h("button", { id: "more-models", hidden: !next }, "More models");

  function row(m) {
    const aliases = Object.entries(m.aliases || {}).sort();
    return h("tr", { dataset: { model: m.name } },
      h("td", {}, link(modelHref(m.name), h("strong", {}, m.name)),
        m.description ? h("div", { class: "muted small" }, m.description.slice(0, 120)) : null),
      h("td", { class: "num" }, m.latest_version ? link(versionHref(m.name, m.latest_version), "v" + m.latest_version) : "—"),
      h("td", {}, aliases.length ? aliases.map(([a, n]) => link(versionHref(m.name, n), chip(`${a} → v${n}`, "alias"))) : h("span", { class: "muted" }, "—")),
      h("td", {}, m.owner || h("span", { class: "muted" }, "—")),
      h("td", { class: "num" }, String(m.version_count)),
      h("td", {}, when(m.updated)));
  }

  function matches(m, words) {
    const text = [m.name, m.owner || "", m.description || "",
      ...Object.keys(m.aliases || {}), ...Object.entries(m.tags || {}).map(([k, v]) => `${k}=${v}`)]
      .join(" ").toLowerCase();
    return words.every((w) => text.includes(w));
  }

  function draw() {
    const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    const shown = models.filter((m) => matches(m, words));
    if (!models.length) {
      fill(body, h("div", { class: "empty-state" },
        h("p", {}, "No models yet."),
        h("p", { class: "muted" }, "Log one with ", h("code", {}, "cairn log ./model --model NAME"), " and reload.")));
      return;
    }
    fill(body, 
      table(["model", "latest", "aliases", "owner", "versions", "updated"], shown.map(row), { class: "models", id: "models-table" }),
      shown.length ? null : h("p", { class: "muted" }, "No model matches the filter."));
  }

  filter.addEventListener("input", draw);
  more.addEventListener("click", async () => {
    const page = await api("/models", { query: { limit: 100, page_token: next } });
    models.push(...page.items);
    next = page.next_token;
    more.hidden = !next;
    draw();
  });
  draw();
  fill(view, 
    h("div", { class: "page-head" }, h("h1", {}, "Models"), h("span", { class: "muted" }, `${models.length}${next ? "+" : ""} models`)),
    h("div", { class: "toolbar" }, filter),
    body,
    more);
}
