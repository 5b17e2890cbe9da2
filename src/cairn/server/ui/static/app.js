// The cairn web UI: hash routing, sign-in, and the header. Pages live in ./pages/.

import { api, setToken, getToken } from "./api.js";
import { h, clearError, showError, fill } from "./dom.js";
import { modelsPage } from "./pages/models.js";
import { modelPage } from "./pages/model.js";
import { versionPage } from "./pages/version.js";
import { comparePage } from "./pages/compare.js";
import { lineagePage } from "./pages/lineage.js";
import { aliasesPage } from "./pages/aliases.js";
import { auditPage } from "./pages/audit.js";

const ROUTES = [
  [/^\/?$/, modelsPage, "models"],
  [/^\/models\/([^/]+)$/, modelPage, "models"],
  [/^\/models\/([^/]+)\/versions\/(\d+)$/, versionPage, "models"],
  [/^\/models\/([^/]+)\/lineage$/, lineagePage, "models"],
  [/^\/models\/([^/]+)\/aliases$/, aliasesPage, "models"],
  [/^\/compare$/, comparePage, "compare"],
  [/^\/audit$/, auditPage, "audit"],
];

let renderCount = 0;

/** "#/models/x?refs=a,b" -> ["/models/x", URLSearchParams] */
function location() {
  const raw = window.location.hash.replace(/^#/, "") || "/";
  const [path, qs] = raw.split("?", 2);
  return [path, new URLSearchParams(qs || "")];
}

async function render() {
  const current = ++renderCount;
  const main = document.getElementById("main");
  const [path, query] = location();
  clearError();
  const view = h("div", { class: "view" }, h("p", { class: "muted" }, "Loading…"));
  fill(main, view);
  const found = ROUTES.find(([re]) => re.test(path));
  for (const a of document.querySelectorAll("[data-nav]")) {
    a.classList.toggle("active", Boolean(found) && a.dataset.nav === found[2]);
  }
  if (!found) {
    fill(view, h("h1", {}, "Not found"), h("p", {}, "No page here. ", h("a", { href: "#/" }, "Back to the models.")));
    return;
  }
  const [re, page] = found;
  const args = re.exec(path).slice(1).map(decodeURIComponent);
  try {
    await page(view, args, query, { isCurrent: () => current === renderCount, rerender: render });
  } catch (err) {
    if (current !== renderCount) return;
    if (err && err.status === 401) {
      loginForm(err);
      return;
    }
    fill(view, h("p", { class: "muted" }, "This page could not be loaded."));
    showError(err);
  }
}

function loginForm(err) {
  const hadToken = Boolean(getToken());
  const main = document.getElementById("main");
  const user = h("input", { name: "username", autocomplete: "username", required: true, autofocus: true });
  const pass = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const form = h("form", { class: "card login", id: "login" },
    h("h1", {}, "Sign in to cairn"),
    h("p", { class: "muted" }, hadToken ? "Your session has ended; sign in again." : "This registry needs an account."),
    h("label", {}, "User name", user),
    h("label", {}, "Password", pass),
    h("button", { type: "submit", class: "primary" }, "Sign in"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearError();
    try {
      const issued = await api("/login", { method: "POST", body: { username: user.value, password: pass.value, label: "web" } });
      setToken(issued.token);
      await refreshWho();
      render();
    } catch (e) {
      showError(e);
    }
  });
  setToken(null);
  refreshWho();
  fill(main, form);
  if (hadToken && err) showError(err);
}

async function refreshWho() {
  const who = document.getElementById("who");
  if (!getToken()) {
    // Without a token the server may still let us in (--no-auth); ask.
    try {
      const me = await api("/whoami");
      fill(who, h("span", { class: "muted", title: "authentication is off" }, me.name + (me.admin ? " (admin)" : "")));
    } catch (e) {
      fill(who);
    }
    return;
  }
  try {
    const me = await api("/whoami");
    const out = h("button", { class: "link", id: "logout", onclick: () => { setToken(null); fill(who); render(); } }, "sign out");
    fill(who, h("span", {}, me.name + (me.admin ? " (admin)" : "")), " · ", out);
  } catch (e) {
    fill(who);
  }
}

window.addEventListener("hashchange", render);
refreshWho();
render();
