// DOM helpers, formatting and the error banner. No framework: h() builds elements.

const SVG_NS = "http://www.w3.org/2000/svg";

function build(el, attrs, children, isSvg) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else if (key === "class" && !isSvg) {
      el.className = value;
    } else if (key in el && !isSvg && typeof value !== "string") {
      el[key] = value;
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace the children of `el` (null/false skipped, arrays flattened). */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** h("a", {href: "#/"}, "text", child, [more]) */
export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children, false);
}

/** Same as h() for SVG elements. */
export function s(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children, true);
}

export function link(href, ...children) {
  return h("a", { href }, ...children);
}

export const versionHref = (model, n) => `#/models/${encodeURIComponent(model)}/versions/${n}`;
export const modelHref = (model) => `#/models/${encodeURIComponent(model)}`;

/** "fraud/3" -> link to that version page (refs of other forms are shown as text). */
export function refLink(ref) {
  const m = /^(.+)\/(\d+)$/.exec(ref);
  return m ? link(versionHref(m[1], m[2]), ref) : h("span", {}, ref);
}

export function bytes(n) {
  if (n === null || n === undefined) return "";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = Number(n);
  let i = 0;
  while (Math.abs(value) >= 1024 && i < units.length - 1) {
    value /= 1024;
    i += 1;
  }
  return (i === 0 ? String(value) : value.toFixed(value >= 100 ? 0 : 1)) + " " + units[i];
}

/** A <time> with a short local date and the full ISO timestamp as tooltip. */
export function when(iso) {
  if (!iso) return h("span", { class: "muted" }, "—");
  const d = new Date(iso);
  const text = isNaN(d) ? iso : d.toLocaleString(undefined, {
    year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
  });
  return h("time", { datetime: iso, title: iso }, text);
}

export function num(v) {
  if (v === null || v === undefined) return "";
  if (typeof v !== "number") return String(v);
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3);
  return String(Number(v.toPrecision(5)));
}

export function signed(v) {
  if (v === null || v === undefined) return "";
  const text = num(v);
  return v > 0 ? "+" + text : text;
}

export const shortDigest = (d) => (d ? d.replace(/^blake3:/, "").slice(0, 12) : "");

export function chip(text, cls = "") {
  return h("span", { class: "chip " + cls }, text);
}

/** A table from header labels and rows of cells (strings or nodes). */
export function table(headers, rows, attrs = {}) {
  return h("table", attrs,
    h("thead", {}, h("tr", {}, headers.map((x) => h("th", {}, x)))),
    h("tbody", {}, rows.map((row) => (row instanceof Node ? row : h("tr", {}, row.map((c) => h("td", {}, c)))))));
}

/** A key/value table of a flat object ({} -> a muted "none"). */
export function kvTable(obj, cls = "kv", format = num) {
  const keys = Object.keys(obj || {}).sort();
  if (!keys.length) return h("p", { class: "muted" }, "none");
  return table(["name", "value"], keys.map((k) => [k, format(obj[k])]), { class: cls });
}

export function section(title, ...children) {
  return h("section", { class: "card" }, h("h2", {}, title), ...children);
}

// ---- the one-line error banner -------------------------------------------------------

export function showError(err) {
  const banner = document.getElementById("banner");
  const message = err && err.message ? err.message : String(err);
  const code = err && err.code ? err.code : "error";
  fill(banner, 
    h("strong", {}, code.replace(/_/g, " ") + ": "),
    h("span", { class: "message" }, message),
    err && err.hint ? h("span", { class: "hint" }, " — " + err.hint) : null,
    h("button", { class: "close", title: "dismiss", "aria-label": "dismiss", onclick: clearError }, "×"),
  );
  banner.hidden = false;
}

export function clearError() {
  const banner = document.getElementById("banner");
  banner.hidden = true;
  fill(banner);
}

/** Run an async action; its API error goes to the banner instead of escaping. */
export async function guarded(action) {
  try {
    clearError();
    return await action();
  } catch (err) {
    showError(err);
    return undefined;
  }
}
