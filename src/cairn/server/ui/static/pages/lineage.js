// The lineage graph of a model: an SVG DAG of its versions, their parents (also from other
// models) and the datasets they were trained on. Layered by longest path from the sources.

import { allPages, seg } from "../api.js";
import { h, s, link, modelHref, versionHref, section, fill } from "../dom.js";
import { modelNav } from "./model.js";

const NODE_W = 132;
const NODE_H = 46;
const COL_GAP = 72;
const ROW_GAP = 18;
const PAD = 20;
const MAX_VERSIONS = 1000;

const datasetKey = (d) => "ds:" + (d.digest || `${d.name}|${d.uri}`);

/** Nodes and edges of the graph (pure: easy to reason about and to test). */
export function buildGraph(versions) {
  const nodes = new Map();
  const edges = [];
  for (const v of versions) nodes.set(`${v.model}/${v.number}`, { id: `${v.model}/${v.number}`, kind: "version", v });
  for (const v of versions) {
    const id = `${v.model}/${v.number}`;
    for (const p of v.parents) {
      const pid = `${p.model}/${p.number}`;
      if (!nodes.has(pid)) nodes.set(pid, { id: pid, kind: "external", model: p.model, number: p.number });
      edges.push({ from: pid, to: id, kind: "parent" });
    }
    for (const d of v.datasets) {
      const did = datasetKey(d);
      if (!nodes.has(did)) nodes.set(did, { id: did, kind: "dataset", d });
      edges.push({ from: did, to: id, kind: "dataset" });
    }
  }
  // Longest-path layering: sources (datasets, outside parents, roots) on the left.
  const incoming = new Map([...nodes.keys()].map((k) => [k, []]));
  for (const e of edges) incoming.get(e.to).push(e.from);
  const layer = new Map();
  const visiting = new Set();
  const depth = (id) => {
    if (layer.has(id)) return layer.get(id);
    if (visiting.has(id)) return 0; // a cycle cannot happen (parents are older), but never loop
    visiting.add(id);
    const node = nodes.get(id);
    const ins = incoming.get(id);
    let d = node.kind === "version" ? 1 : 0;
    for (const from of ins) d = Math.max(d, depth(from) + 1);
    visiting.delete(id);
    layer.set(id, d);
    return d;
  };
  for (const id of nodes.keys()) depth(id);
  return { nodes: [...nodes.values()], edges, layer };
}

function order(a, b) {
  const rank = { dataset: 0, external: 1, version: 2 };
  if (rank[a.kind] !== rank[b.kind]) return rank[a.kind] - rank[b.kind];
  if (a.kind === "version") return a.v.number - b.v.number;
  return a.id.localeCompare(b.id);
}

function label(node) {
  if (node.kind === "version") {
    const v = node.v;
    const first = Object.entries(v.metrics).sort()[0];
    const sub = v.aliases.length ? v.aliases.join(", ") : first ? `${first[0]} ${Number(first[1].toPrecision(4))}` : v.author;
    return ["v" + v.number, sub];
  }
  if (node.kind === "external") return [`${node.model}/${node.number}`, "other model"];
  return [node.d.name, "dataset"];
}

const clip = (text, n) => (text.length > n ? text.slice(0, n - 1) + "…" : text);

export function drawGraph(graph) {
  const columns = new Map();
  for (const node of graph.nodes) {
    const c = graph.layer.get(node.id);
    if (!columns.has(c)) columns.set(c, []);
    columns.get(c).push(node);
  }
  const used = [...columns.keys()].sort((a, b) => a - b);
  const pos = new Map();
  let tallest = 0;
  used.forEach((c, ci) => {
    const list = columns.get(c).sort(order);
    tallest = Math.max(tallest, list.length);
    list.forEach((node, ri) => pos.set(node.id, { x: PAD + ci * (NODE_W + COL_GAP), y: PAD + ri * (NODE_H + ROW_GAP) }));
  });
  const width = PAD * 2 + used.length * NODE_W + Math.max(0, used.length - 1) * COL_GAP;
  const height = PAD * 2 + tallest * NODE_H + Math.max(0, tallest - 1) * ROW_GAP;
  const svg = s("svg", { class: "lineage", id: "lineage-graph", width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "lineage graph" },
    s("defs", {}, s("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" },
      s("path", { d: "M0,0 L10,5 L0,10 z", class: "arrow" }))));
  for (const e of graph.edges) {
    const a = pos.get(e.from);
    const b = pos.get(e.to);
    const x1 = a.x + NODE_W;
    const y1 = a.y + NODE_H / 2;
    const x2 = b.x - 2;
    const y2 = b.y + NODE_H / 2;
    const mid = (x1 + x2) / 2;
    svg.append(s("path", {
      d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`, class: "edge " + e.kind,
      "marker-end": "url(#arrow)", "data-from": e.from, "data-to": e.to,
    }));
  }
  for (const node of graph.nodes) {
    const { x, y } = pos.get(node.id);
    const [top, sub] = label(node);
    const status = node.kind === "version" ? " status-" + node.v.status : "";
    const g = s("g", { class: `node ${node.kind}${status}`, "data-id": node.id, transform: `translate(${x},${y})` },
      s("title", {}, node.kind === "dataset" ? `${node.d.name} ${node.d.uri} ${node.d.digest || ""}` : node.id),
      s("rect", { width: NODE_W, height: NODE_H, rx: node.kind === "dataset" ? 16 : 6 }),
      s("text", { x: 10, y: 19, class: "node-title" }, clip(top, 18)),
      s("text", { x: 10, y: 36, class: "node-sub" }, clip(sub, 22)));
    const href = node.kind === "version" ? versionHref(node.v.model, node.v.number)
      : node.kind === "external" ? versionHref(node.model, node.number) : null;
    svg.append(href ? s("a", { href }, g) : g);
  }
  return svg;
}

export async function lineagePage(view, [name]) {
  const { items, more } = await allPages(`/models/${seg(name)}/versions`, { limit: 200 }, MAX_VERSIONS);
  const graph = buildGraph(items);
  const counts = `${items.length} versions, ${graph.edges.filter((e) => e.kind === "parent").length} parent links, ` +
    `${graph.nodes.filter((n) => n.kind === "dataset").length} datasets`;
  fill(view, 
    h("div", { class: "page-head" }, h("h1", {}, link("#/", "Models"), " / ", link(modelHref(name), name), " / lineage"),
      h("span", { class: "muted", id: "lineage-counts" }, counts)),
    modelNav(name, "/lineage"),
    section("Lineage",
      h("p", { class: "legend-line" },
        h("span", { class: "key version" }, "version"), h("span", { class: "key external" }, "version of another model"),
        h("span", { class: "key dataset" }, "dataset"), " Arrows point from a parent or dataset to the version made from it."),
      more ? h("p", { class: "muted" }, `Only the newest ${items.length} versions are drawn.`) : null,
      items.length ? h("div", { class: "graph-box" }, drawGraph(graph)) : h("p", { class: "muted" }, "No versions yet.")));
}
