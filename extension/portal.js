// Content script on the Sistema TS portal (sistemats1.sanita.finanze.it/portale/*): a small Ponte panel in
// its own shadow root, added at the end of the document, kept live on the card events. It reads nothing from the portal's page and
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
  // say words failure codes ([{code, params}], internal/words): each under its key "err" + the code's
  // words in camel case (words.Key).
  const say = (ms) => ms.map((m) => msg("err" + m.code.split(/[^A-Za-z0-9]+/).filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1).toLowerCase()).join(""), m.params || [])).join(" ");
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
    .state { margin-top: 4px; } .reason { font-size: 12px; margin-top: 2px; }
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
    for (const x of c.certs) list.append(certView(c, x, now));
    box.append(list);
    return box;
  }

  // certView: the certificate's expiry, then SOSPESO / REVOCATO with the date (the last OCSP check), or
  // RINNOVA where the card list offers it, or the card list's reason why not (wasm/portalmode.go).
  function certView(c, x, now) {
    const li = el("li", "cert");
    li.dataset.role = x.role;
    const days = Math.floor((Date.parse(x.notAfter) - now) / 86400000);
    const role = msg(roles[x.role] || "roleOther");
    const urging = days <= 30 && !x.state; // "rinnova ora" only for a certificate that can still be renewed
    const key = days < 0 ? "portalCertExpired" : urging ? "portalCertExpiring" : "portalCertExpires";
    li.append(el("span", days < 0 ? "bad" : urging ? "warn" : "", msg(key, [role, ddmmyyyy(x.notAfter), String(days)])));
    if (x.state === "suspended" || x.state === "revoked") {
      const st = el("div", x.state === "revoked" ? "bad state" : "warn state",
        msg(x.state === "revoked" ? "portalCertRevoked" : "portalCertSuspended", [ddmmyyyy(x.since)]));
      st.dataset.state = x.state;
      li.append(st);
    } else if (x.renew) {
      const renew = el("button", "renew", msg("portalRenew"));
      renew.type = "button";
      renew.addEventListener("click", () => chrome.runtime.sendMessage({ type: "ponte-open-renewal", card: c.id }));
      li.append(renew);
    } else if (x.reason) {
      li.append(el("div", "muted reason", say(x.reason)));
    }
    return li;
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

  // Live: the worker posts a new view at every card or reader event while this port is open (no reload);
  // data-updates counts the views shown.
  host.dataset.state = "loading";
  host.dataset.updates = "0";
  const port = chrome.runtime.connect({ name: "ponte-portal" });
  port.onMessage.addListener((r) => {
    show(r);
    host.dataset.state = r && r.ok ? "ready" : "error";
    host.dataset.updates = String(Number(host.dataset.updates) + 1);
  });
  port.onDisconnect.addListener(() => { if (host.dataset.state === "loading") { show({ ok: false }); host.dataset.state = "error"; } });
  port.postMessage({ type: "start", lang: navigator.language });
  close.addEventListener("click", () => port.disconnect());
})();
