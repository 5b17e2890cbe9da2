// The audit log: the hash-chained events, paged oldest → newest, and a chain check.

import { api } from "../api.js";
import { h, when, section, guarded, chip, fill } from "../dom.js";

const PAGE = 50;

function summary(obj) {
  if (!obj) return h("span", { class: "muted" }, "—");
  const text = JSON.stringify(obj);
  if (text.length <= 44) return h("code", {}, text);
  return h("details", {}, h("summary", {}, h("code", {}, text.slice(0, 41) + "…")), h("pre", {}, JSON.stringify(obj, null, 2)));
}

export async function auditPage(view, _args, query) {
  const after = Math.max(0, Number(query.get("after") || 0) || 0);
  const filters = { model: query.get("model") || "", action: query.get("action") || "" };
  const events = await api("/events", { query: { after, limit: PAGE, model: filters.model || null, action: filters.action || null } });

  const verifyOut = h("span", { id: "verify-result", class: "verify-result", role: "status" });
  const verify = h("button", { id: "verify-chain", class: "primary" }, "Verify chain");
  verify.addEventListener("click", () => guarded(async () => {
    verify.disabled = true;
    fill(verifyOut, "checking…");
    try {
      const report = await api("/audit/verify");
      fill(verifyOut, report.ok
        ? chip(`Chain intact: ${report.checked} events checked`, "ok")
        : chip(`Chain broken at event #${report.first_bad_seq}: ${report.reason || "hash mismatch"}`, "bad"));
    } finally {
      verify.disabled = false;
    }
  }));

  const qs = (extra) => {
    const p = new URLSearchParams();
    if (filters.model) p.set("model", filters.model);
    if (filters.action) p.set("action", filters.action);
    for (const [k, v] of Object.entries(extra)) p.set(k, v);
    return "#/audit?" + p.toString();
  };
  const model = h("input", { name: "model", value: filters.model, placeholder: "model", "aria-label": "model", size: 16 });
  const action = h("input", { name: "action", value: filters.action, placeholder: "action, e.g. alias.*", "aria-label": "action", size: 18 });
  const form = h("form", { class: "toolbar", id: "audit-filter" }, model, action, h("button", { type: "submit" }, "Filter"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    filters.model = model.value.trim();
    filters.action = action.value.trim();
    window.location.hash = qs({ after: 0 });
  });

  const last = events.length ? events[events.length - 1].seq : after;
  const latest = h("button", { type: "button", id: "latest-events", title: "the newest events" }, "Latest ⇥");
  latest.addEventListener("click", () => guarded(async () => {
    // /readyz names the last event; the audit log pages forward by sequence number.
    const ready = await (await fetch("/readyz")).json();
    window.location.hash = qs({ after: Math.max(0, (ready.last_event || 0) - PAGE) });
  }));
  const pager = h("div", { class: "toolbar pager" },
    after > 0 ? h("a", { href: qs({ after: 0 }), class: "button" }, "⇤ First") : null,
    after > 0 ? h("a", { href: qs({ after: Math.max(0, after - PAGE) }), class: "button", id: "prev-events" }, "← Earlier") : null,
    events.length === PAGE ? h("a", { href: qs({ after: last }), class: "button", id: "next-events" }, "Later →") : null,
    filters.model || filters.action ? null : latest,
    h("span", { class: "muted" }, events.length ? `events #${events[0].seq}–#${last}` : "no events here"));

  fill(view, 
    h("div", { class: "page-head" }, h("h1", {}, "Audit log")),
    section("Hash chain", h("p", { class: "muted" }, "Every change is an event whose hash covers the one before; verifying recomputes the whole chain."),
      h("div", { class: "toolbar" }, verify, verifyOut)),
    section("Events", form,
      h("table", { class: "events", id: "events-table" },
        h("thead", {}, h("tr", {}, ["#", "when", "actor", "action", "subject", "before", "after", "hash"].map((x) => h("th", {}, x)))),
        h("tbody", {}, events.map((e) => h("tr", { dataset: { seq: e.seq } },
          h("td", { class: "num" }, String(e.seq)),
          h("td", {}, when(e.time)),
          h("td", {}, e.actor),
          h("td", {}, chip(e.action, "action")),
          h("td", {}, h("code", {}, e.subject)),
          h("td", {}, summary(e.before)),
          h("td", {}, summary(e.after)),
          h("td", {}, h("code", { class: "muted", title: e.hash }, e.hash.slice(0, 10))))))),
      pager));
}
