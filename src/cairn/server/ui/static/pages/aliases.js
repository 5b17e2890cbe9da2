// Alias history: every move of every alias of a model (from → to, who, when, why).

import { api, seg } from "../api.js";
import { h, link, when, chip, modelHref, versionHref, section, fill } from "../dom.js";
import { modelNav } from "./model.js";

function version(name, n) {
  return n === null || n === undefined ? h("span", { class: "muted" }, "—") : link(versionHref(name, n), "v" + n);
}

function moveKind(m) {
  if (m.from_version === null) return chip("created", "move-created");
  if (m.to_version === null) return chip("removed", "move-removed");
  if (m.to_version < m.from_version) return chip("back", "move-back");
  return chip("forward", "move-forward");
}

export async function aliasesPage(view, [name], query) {
  const aliases = await api(`/models/${seg(name)}/aliases`);
  const names = Object.keys(aliases).sort();
  const histories = await Promise.all(names.map((a) => api(`/models/${seg(name)}/aliases/${seg(a)}/history`)));
  const blocks = names.map((alias, i) => section(h("span", {}, chip(alias, "alias"), ` now at `, version(name, aliases[alias]),
    h("span", { class: "muted small" }, ` · ${histories[i].length} move${histories[i].length === 1 ? "" : "s"}`)),
  h("table", { class: "history", id: "history-" + alias, dataset: { alias } },
    h("thead", {}, h("tr", {}, ["when", "move", "from", "", "to", "who", "why", "event"].map((x) => h("th", {}, x)))),
    h("tbody", {}, histories[i].map((m) => h("tr", { dataset: { seq: m.seq } },
      h("td", {}, when(m.time)),
      h("td", {}, moveKind(m)),
      h("td", { class: "num" }, version(name, m.from_version)),
      h("td", { class: "muted" }, "→"),
      h("td", { class: "num" }, version(name, m.to_version)),
      h("td", {}, m.actor),
      h("td", {}, m.reason || h("span", { class: "muted" }, "—")),
      h("td", { class: "num muted" }, "#" + m.seq)))))));
  fill(view, 
    h("div", { class: "page-head" }, h("h1", {}, link("#/", "Models"), " / ", link(modelHref(name), name), " / alias history")),
    modelNav(name, "/aliases"),
    ...(names.length ? blocks : [h("p", { class: "muted" }, "This model has no aliases.")]));
  const wanted = query.get("alias");
  const target = wanted && view.querySelector(`table[data-alias="${CSS.escape(wanted)}"]`);
  if (target) {
    target.closest("section").classList.add("focus");
    requestAnimationFrame(() => target.closest("section").scrollIntoView({ block: "start" }));
  }
}
