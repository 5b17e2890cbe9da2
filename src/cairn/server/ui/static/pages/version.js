// One version: identity, provenance, params, metrics, tags, datasets, parents, files, flavor.

import { api, seg } from "../api.js";
import { h, link, when, chip, num, bytes, kvTable, table, section, refLink, modelHref, fill } from "../dom.js";
import { modelNav } from "./model.js";

function dl(pairs) {
  return h("dl", { class: "facts" }, pairs.filter(([, v]) => v !== null && v !== undefined && v !== "")
    .map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

async function filesSection(v) {
  try {
    const manifest = await api(`/artifacts/${seg(v.digest)}/manifest`);
    const files = [...(manifest.files || [])].sort((a, b) => a.path.localeCompare(b.path));
    const shown = files.slice(0, 500);
    return section(`Files (${files.length}, ${bytes(v.size)})`,
      table(["path", "size", "digest"], shown.map((f) => [
        h("code", {}, f.path), h("span", { class: "num" }, bytes(f.size)),
        h("code", { class: "muted", title: f.digest }, (f.digest || "").replace(/^blake3:/, "").slice(0, 12)),
      ]), { class: "files", id: "files-table" }),
      files.length > shown.length ? h("p", { class: "muted" }, `… and ${files.length - shown.length} more`) : null);
  } catch (err) {
    return section(`Files (${v.file_count}, ${bytes(v.size)})`,
      h("p", { class: "muted" }, `The file list is not available to you: ${err.message}.`));
  }
}

function short(value) {
  if (value === null || value === undefined) return "";
  if (typeof value !== "object") return num(value);
  const text = JSON.stringify(value);
  return text.length > 80 ? text.slice(0, 77) + "…" : text;
}

/** "dataframe: age float64, city object" / "tensor float32 [-1, 4]" */
export function describeSchema(schema) {
  if (!schema || typeof schema !== "object") return null;
  if (schema.type === "dataframe") {
    const cols = (schema.columns || []).map((c) => `${c.name} ${c.dtype || ""}`.trim());
    return `dataframe (${cols.length} columns): ${cols.slice(0, 8).join(", ")}${cols.length > 8 ? ", …" : ""}`;
  }
  if (schema.type === "tensors") return "tensors: " + (schema.tensors || []).map((x) => `${x.name} ${x.dtype} [${(x.shape || []).join(", ")}]`).join("; ");
  if (schema.type === "tensor") return `tensor ${schema.dtype || ""} [${(schema.shape || []).join(", ")}]`;
  return short(schema);
}

function flavorFacts(v, meta) {
  const safety = meta.safety && typeof meta.safety === "object" ? meta.safety : null;
  const env = meta.environment && typeof meta.environment === "object" ? meta.environment : null;
  const reqs = Array.isArray(meta.requirements) ? meta.requirements : null;
  const sig = meta.signature && typeof meta.signature === "object" ? meta.signature : null;
  return dl([
    ["flavor", v.flavor || meta.flavor || "—"],
    ["format", meta.format],
    ["safety", safety ? chip(safety.safe ? "safe format" : "unsafe: needs trust to load", safety.safe ? "ok" : "bad") : null],
    ["inputs", sig ? describeSchema(sig.inputs) : null],
    ["outputs", sig ? describeSchema(sig.outputs) : null],
    ["python", env && env.python ? `${env.implementation || "Python"} ${env.python}` : null],
    ["platform", env && env.platform ? [env.platform.system, env.platform.machine].filter(Boolean).join(" ") : null],
    ["requirements", reqs && reqs.length ? h("span", {}, reqs.map((r) => chip(String(r)))) : null],
  ]);
}

/** What the flavor wrote in `meta` (signature, environment, safety, card …): a summary, then
 * every key expandable. */
function flavorSection(v) {
  const meta = v.meta || {};
  const keys = Object.keys(meta).sort();
  if (!v.flavor && !keys.length) return null;
  return section("Flavor", flavorFacts(v, meta),
    keys.length ? h("details", { class: "meta-all" }, h("summary", {}, `all metadata (${keys.length} keys)`),
      h("table", { class: "kv meta", id: "meta-table" }, h("tbody", {}, keys.map((k) => h("tr", {},
        h("th", {}, k),
        h("td", {}, typeof meta[k] === "object" && meta[k] !== null
          ? h("details", {}, h("summary", {}, short(meta[k])), h("pre", {}, JSON.stringify(meta[k], null, 2)))
          : short(meta[k]))))))) : null);
}

export async function versionPage(view, [name, n]) {
  const v = await api(`/models/${seg(name)}/versions/${n}`);
  const git = v.git
    ? h("span", {}, h("code", {}, v.git.commit.slice(0, 12)), v.git.branch ? ` on ${v.git.branch}` : "", v.git.dirty ? chip("dirty", "warn") : "")
    : null;
  const number = Number(n);
  const files = await filesSection(v);
  fill(view, 
    h("div", { class: "page-head" },
      h("h1", {}, link("#/", "Models"), " / ", link(modelHref(name), name), " / v" + v.number),
      h("span", {}, v.aliases.map((a) => chip(a, "alias")), v.status !== "ready" ? chip(v.status, "status") : null)),
    modelNav(name, null),
    h("div", { class: "toolbar" },
      number > 1 ? link(`#/compare?refs=${encodeURIComponent(`${name}/${number - 1},${name}/${number}`)}`, "Compare with v" + (number - 1)) : null),
    h("div", { class: "grid2" },
      section("Version",
        dl([
          ["digest", h("code", { id: "digest" }, v.digest)],
          ["status", v.status],
          ["author", v.author],
          ["created", when(v.created)],
          ["git commit", git],
          ["size", `${bytes(v.size)} in ${v.file_count} file${v.file_count === 1 ? "" : "s"}`],
          ["flavor", v.flavor],
        ]),
        v.description ? h("p", { class: "description" }, v.description) : null),
      section("Metrics", kvTable(v.metrics, "kv metrics"))),
    h("div", { class: "grid2" },
      section("Params", kvTable(v.params, "kv params")),
      section("Tags", kvTable(v.tags, "kv tags", String))),
    h("div", { class: "grid2" },
      section("Parents", v.parents.length
        ? h("ul", { class: "parents" }, v.parents.map((p) => h("li", {}, refLink(`${p.model}/${p.number}`))))
        : h("p", { class: "muted" }, "none")),
      section("Datasets", v.datasets.length
        ? table(["name", "uri", "digest"], v.datasets.map((d) => [d.name, h("code", {}, d.uri), h("code", { class: "muted", title: d.digest || "" }, (d.digest || "").slice(0, 20))]), { class: "datasets" })
        : h("p", { class: "muted" }, "none"))),
    files,
    flavorSection(v));
}
