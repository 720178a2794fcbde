// Content script on the Sistema TS portal (sistemats1.sanita.finanze.it/portale/*): a small Ponte panel in
// its own shadow root, added at the end of the document. It reads nothing from the portal's page and
// changes none of its content or forms; the page's CSS cannot reach inside. Data comes from the
// service worker (background.js), which asks ponte-host.
(() => {
  "use strict";
  if (window.top !== window || document.getElementById("ponte-portal-panel")) return;
  // Words come from the worker with the answer (the extension's _locales, in this page's language).
  let words = {};
  const msg = (k, subs = []) => {
    const m = words[k.toLowerCase()];
    return m === undefined ? (chrome.i18n.getMessage(k, subs) || k) : m.replace(/\$([1-9])/g, (a, n) => subs[n - 1] ?? a);
  };
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const ddmmyyyy = (iso) => {
    const d = new Date(iso), p = (n) => String(n).padStart(2, "0");
    return `${p(d.getUTCDate())}/${p(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}`;
  };
  const roles = { cns: "roleCns", signature: "roleSignature" };

  const host = el("ponte-panel");
  host.id = "ponte-portal-panel";
  // Inline !important beats the page's !important rules on the host element itself.
  host.setAttribute("style", "all: initial !important; display: block !important; position: fixed !important; " +
    "right: 16px !important; bottom: 16px !important; z-index: 2147483647 !important;");
  // Closed: the portal's scripts cannot read the holder's name or press RINNOVA from outside.
  const root = host.attachShadow({ mode: "closed" });
  const css = el("style", "", `
    :host { all: initial; }
    .panel { font: 14px/1.4 system-ui, sans-serif; color: #1b1f23; background: #fff; border: 2px solid #00703c;
      border-radius: 8px; box-shadow: 0 4px 16px rgba(0,0,0,.2); width: 320px; max-height: 70vh; overflow: auto; }
    .bar { display: flex; justify-content: space-between; align-items: center; background: #00703c; color: #fff;
      padding: 6px 10px; font-weight: 700; }
    .bar button { all: unset; cursor: pointer; padding: 0 4px; font-size: 16px; }
    .body { padding: 8px 10px; }
    .card { border-top: 1px solid #e4e7ea; padding: 6px 0; } .card:first-child { border-top: 0; }
    .muted { color: #5b6670; } .bad { color: #b00020; font-weight: 600; } .warn { color: #8a5300; font-weight: 600; }
    .good { color: #00703c; } ul { margin: 4px 0; padding-left: 18px; }
    .renew { all: unset; display: block; text-align: center; background: #00703c; color: #fff; border-radius: 6px;
      padding: 6px; margin-top: 6px; font-weight: 700; cursor: pointer; }
    .renew:focus-visible, .bar button:focus-visible { outline: 3px solid #ffbf47; }`);
  const panel = el("section", "panel");
  panel.setAttribute("role", "complementary");
  panel.setAttribute("aria-label", msg("portalTitle"));
  const bar = el("div", "bar", "");
  const title = el("span", "", msg("portalTitle"));
  bar.append(title);
  const close = el("button", "close", "×");
  close.setAttribute("aria-label", msg("portalClose"));
  close.addEventListener("click", () => host.remove());
  bar.append(close);
  const body = el("div", "body");
  body.append(el("p", "muted", msg("portalChecking")));
  panel.append(bar, body);
  root.append(css, panel);
  document.documentElement.appendChild(host);

  function cardView(c, now) {
    const box = el("div", "card");
    box.dataset.card = c.id;
    box.append(el("strong", "holder", c.holder || msg("portalCardIn", [c.reader])));
    box.append(el("div", "family", c.family || msg("portalFamilyUnknown")));
    if (c.drivers.length) {
      box.append(el("div", "driver", msg("portalDriverNeeded", [c.drivers.join(", ")])));
    }
    box.append(c.loaded ? el("div", "good", msg("portalDriverLoaded", [c.loaded])) : el("div", "bad", msg("portalDriverMissing")));
    const list = el("ul", "certs");
    for (const x of c.certs) {
      const days = Math.floor((Date.parse(x.notAfter) - now) / 86400000);
      const role = msg(roles[x.role] || "roleOther");
      const key = days < 0 ? "portalCertExpired" : days <= 30 ? "portalCertExpiring" : "portalCertExpires";
      list.append(el("li", days < 0 ? "bad" : days <= 30 ? "warn" : "", msg(key, [role, ddmmyyyy(x.notAfter), String(days)])));
    }
    box.append(list);
    const renew = el("button", "renew", msg("portalRenew"));
    renew.type = "button";
    renew.addEventListener("click", () => chrome.runtime.sendMessage({ type: "ponte-open-renewal", card: c.id }));
    box.append(renew);
    return box;
  }

  function show(r) {
    words = (r && r.text) || {};
    title.textContent = msg("portalTitle");
    panel.setAttribute("aria-label", msg("portalTitle"));
    close.setAttribute("aria-label", msg("portalClose"));
    body.replaceChildren();
    if (!r || !r.ok) {
      const code = r && r.code;
      body.append(el("p", "bad", msg(code === "HOST_MISSING" ? "portalHostMissing" : "portalError")));
      if (r && r.detail) body.append(el("p", "muted", r.detail));
      return;
    }
    if (!r.cards.length) {
      body.append(el("p", "bad", msg(r.readers ? "portalNoCard" : "portalNoReader")));
      return;
    }
    const now = Date.now();
    for (const c of r.cards) body.append(cardView(c, now));
  }

  host.dataset.state = "loading";
  chrome.runtime.sendMessage({ type: "ponte-portal-status", lang: navigator.language })
    .then((r) => { show(r); host.dataset.state = r && r.ok ? "ready" : "error"; },
      (e) => { show({ ok: false, detail: String(e && e.message) }); host.dataset.state = "error"; });
})();
