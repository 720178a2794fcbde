// Ponte's page API, the service worker's side (docs/page-api.md). An allow-listed web page asks, through
// window.postMessage to the content script pagebridge.js, for the card status, a certificate, a login
// (`authenticate`: the authentication key signs an origin-bound structure, never the page's bytes) or a
// signature over a digest with the signature key; the content script hands the request here with the
// page's secure-context flag, and the browser names the page's origin (sender.origin). Every signature,
// login and certificate hand-over is confirmed by the user in consent.html, an extension window that
// shows the origin (and asks the PIN for a signature or login); the page never sees the PIN.
//
// The logic takes its surroundings as arguments (deps) so node --test runs it without a browser.

export const VERSION = 1;                       // the "ponte" field of every message
export const ALLOWED = "ponteAllowedOrigins";   // chrome.storage.local: [origin, ...], written by options.html
export const CONSENT_MS = 5 * 60 * 1000;        // the user has this long to confirm a signature
const HASHES = { "SHA-256": 32, "SHA-384": 48, "SHA-512": 64 }; // WebCrypto names, digest bytes
const ROLES = ["signature", "cns"];
export const REMEMBERED = "ponteCertOrigins"; // chrome.storage.local: origins the holder lets read the certificate without asking
// Nonce of `authenticate`: canonical base64 of 32 to 128 bytes (examples/page-api/authverify.CheckNonce).
export const NONCE_MIN = 32, NONCE_MAX = 128;
// After the holder refuses, the same origin waits before it may ask again: 5 s, doubled on every
// further refusal, at most 10 minutes (as browsers quiet a site that keeps asking for a permission).
export const REFUSAL_BASE_MS = 5000, REFUSAL_MAX_MS = 10 * 60 * 1000;

// PageError carries a code of pageapi-codes.json.
export class PageError extends Error {
  constructor(code, detail) {
    super(detail || code);
    this.code = code;
  }
}

// secureOrigin: https, or http on a loopback address or a localhost name (W3C Secure Contexts, §3.1).
// Same rule as internal/pageapi.SecureOrigin; both are tested on internal/pageapi/testdata/origins.json.
export function secureOrigin(origin) {
  let u;
  try { u = new URL(origin); } catch { return false; }
  if (u.origin !== origin && u.origin + "/" !== origin) return false;
  if (u.protocol === "https:") return u.hostname !== "";
  if (u.protocol !== "http:") return false;
  const h = u.hostname;
  return h === "localhost" || h.endsWith(".localhost") || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === "[::1]";
}

// fromPage: the message comes from a content script of this extension in a web page's top frame: the
// extension's own id, a tab, frame 0, an http(s) URL, and (Chrome) an origin that is that URL's. Extension
// pages, other frames, other extensions and pages the browser could not name are refused.
export function fromPage(sender, extensionID, extensionURL) {
  if (!sender || sender.id !== extensionID || !sender.tab || sender.frameId !== 0) return false;
  const url = String(sender.url || "");
  if (url.startsWith(extensionURL)) return false;
  let u;
  try { u = new URL(url); } catch { return false; }
  if (u.protocol !== "https:" && u.protocol !== "http:") return false;
  return sender.origin === undefined || sender.origin === u.origin;
}

// originOf is the page's origin as the browser reports it for the sending content script (Chrome gives
// sender.origin; Firefox only sender.url).
export function originOf(sender) {
  if (sender && typeof sender.origin === "string") return sender.origin;
  try { return new URL(sender.url).origin; } catch { return "null"; }
}

const isB64 = (s) => typeof s === "string" && s.length <= 200 && /^[A-Za-z0-9+/]*={0,2}$/.test(s) && s.length % 4 === 0;
const b64len = (s) => (s.length / 4) * 3 - (s.endsWith("==") ? 2 : s.endsWith("=") ? 1 : 0);

// checkNonce: the canonical standard base64 (RFC 4648, §4, padded, zero pad bits) of 32 to 128 bytes.
export function checkNonce(s) {
  if (!isB64(s) || b64len(s) < NONCE_MIN || b64len(s) > NONCE_MAX || btoa(atob(s)) !== s) {
    throw new PageError("BAD_REQUEST", `nonce: canonical base64 of ${NONCE_MIN} to ${NONCE_MAX} random bytes from the site's server`);
  }
  return s;
}

// checkRequest validates a page's request and returns the fields each type uses.
export function checkRequest(m) {
  if (!m || typeof m !== "object" || m.ponte !== VERSION) throw new PageError("BAD_REQUEST", `unsupported version (ponte: ${VERSION})`);
  if (typeof m.id !== "string" || m.id === "" || m.id.length > 64) throw new PageError("BAD_REQUEST", "id: a string of 1 to 64 characters");
  const card = m.card === undefined ? "" : m.card;
  if (typeof card !== "string" || card.length > 64) throw new PageError("BAD_REQUEST", "card: a card id from status()");
  switch (m.type) {
    case "status":
      return { type: "status" };
    case "certificate": {
      const role = m.role === undefined ? "signature" : m.role;
      if (!ROLES.includes(role)) throw new PageError("BAD_REQUEST", `role: ${ROLES.join(" or ")}`);
      return { type: "certificate", role, card };
    }
    case "sign": {
      const role = m.role === undefined ? "signature" : m.role;
      if (!ROLES.includes(role)) throw new PageError("BAD_REQUEST", `role: ${ROLES.join(" or ")}`);
      // The authentication key never signs bytes a page chose: a digest could be a TLS handshake's
      // (a relayed client login to another site). Logins go through "authenticate".
      if (role === "cns") throw new PageError("AUTH_KEY_NOT_FOR_SIGNING", "the authentication (cns) key does not sign: use authenticate");
      if (typeof m.alg !== "string" || !Object.hasOwn(HASHES, m.alg)) throw new PageError("BAD_REQUEST", `alg: ${Object.keys(HASHES).join(", ")}`);
      if (!isB64(m.hash) || b64len(m.hash) !== HASHES[m.alg]) throw new PageError("BAD_REQUEST", `hash: base64 of the ${HASHES[m.alg]}-byte ${m.alg} digest`);
      return { type: "sign", role, card, alg: m.alg, hash: m.hash };
    }
    case "authenticate":
      return { type: "authenticate", role: "cns", card, nonce: checkNonce(m.nonce) };
  }
  throw new PageError("BAD_REQUEST", "type: status, certificate, authenticate or sign");
}

// usableCards are the cards a PKCS#11 driver sees (the ones that can sign), from the host's cards result.
export function usableCards(result) {
  const out = [];
  for (const r of (result && result.readers) || []) {
    const c = r.card;
    if (!c || !c.token || (c.problem && ["CARD_REMOVED", "NO_CARD"].includes(c.problem.code))) continue;
    out.push({ reader: r.name, card: c });
  }
  return out;
}

// status is what any allow-listed page may know without a confirmation: no personal data (the holder's
// name is in the certificate, which the page asks for separately), only what it needs to decide.
export function statusOf(result, extension) {
  return {
    extension,
    readers: ((result && result.readers) || []).length,
    cards: usableCards(result).map(({ reader, card }) => ({
      id: String(card.id),
      reader: String(reader),
      family: card.family && card.family.known ? String(card.family.sigla) : "",
      certificates: (card.certificates || []).filter((x) => x.id && ROLES.includes(x.role))
        .map((x) => ({ role: x.role, notAfter: x.notAfter, keyType: x.keyType, keyBits: x.keyBits })),
    })),
  };
}

// pickCertificate finds the card (the named one, else the first usable) and its certificate for role.
export function pickCertificate(result, role, cardID) {
  const cards = usableCards(result).filter(({ card }) => !cardID || card.id === cardID);
  if (!cards.length) throw new PageError("NO_CARD", cardID ? `no card ${cardID}` : "no card with a driver");
  for (const { card } of cards) {
    const x = (card.certificates || []).find((c) => c.role === role && c.id && c.der);
    if (x) return { card: card.id, cert: x };
  }
  throw new PageError("NO_CERTIFICATE", `no ${role} certificate with a key`);
}

// hostError maps a failure of the worker's host call (hostbridge.mjs) to a page code.
export function hostError(e) {
  const code = e && e.code;
  if (code === "HOST_MISSING" || code === "TIMEOUT") return new PageError(code, e.message);
  if (["NO_CARD", "CARD_REMOVED", "NO_READER", "PCSC_UNAVAILABLE", "MODULE_MISSING"].includes(code)) return new PageError("NO_CARD", e.message);
  return new PageError("INTERNAL", (e && e.message) || String(e));
}

// handle answers one page request. deps:
//   allowed(): Promise<string[]>      the allow-list
//   readCards(): Promise<cards result> ponte-host's cards
//   consent(origin, req, tabId): Promise<result> opens consent.html and resolves with its result
//   remembered(): Promise<string[]>   origins that get the certificate without asking ("ricorda")
//   extension: string                  the extension's version
// It resolves to { type: "result", result } or { type: "error", error: { code, detail } }.
export async function handle(msg, sender, deps) {
  try {
    const origin = originOf(sender);
    // The origin first: a page that may not use Ponte learns nothing but the refusal.
    if (!msg || msg.secure !== true || !secureOrigin(origin)) throw new PageError("INSECURE_CONTEXT", origin);
    const list = await deps.allowed();
    if (!Array.isArray(list) || !list.includes(origin)) throw new PageError("ORIGIN_NOT_ALLOWED", origin);
    const req = checkRequest(msg.request);
    let cards;
    try {
      cards = await deps.readCards();
    } catch (e) {
      throw hostError(e);
    }
    if (req.type === "status") return { type: "result", result: statusOf(cards, deps.extension) };
    const { card, cert } = pickCertificate(cards, req.role, req.card); // before any window: NO_CARD, NO_CERTIFICATE
    if (req.type === "certificate") {
      const known = deps.remembered ? await deps.remembered() : [];
      if (Array.isArray(known) && known.includes(origin)) {
        return { type: "result", result: { card, role: cert.role, certificate: cert.der, notAfter: cert.notAfter } };
      }
      // The certificate names the holder (name, codice fiscale): the holder says yes first.
      await deps.consent(origin, { ...req, origin }, sender.tab && sender.tab.id);
      return { type: "result", result: { card, role: cert.role, certificate: cert.der, notAfter: cert.notAfter } };
    }
    // The consent page looks the card up again: it gets the page's own choice (a card's id can differ
    // between two listings when the host reads the card's PC/SC files in one and not the other).
    const result = await deps.consent(origin, { ...req, origin }, sender.tab && sender.tab.id);
    return { type: "result", result };
  } catch (e) {
    const err = e instanceof PageError ? e : new PageError("INTERNAL", (e && e.message) || String(e));
    return { type: "error", error: { code: err.code, detail: err.message } };
  }
}

// refusalWait is how long an origin waits after its n-th refusal in a row (n ≥ 1).
export function refusalWait(n) {
  return Math.min(REFUSAL_BASE_MS * 2 ** Math.min(n - 1, 20), REFUSAL_MAX_MS);
}

// Consents is the set of requests waiting for the user: one at a time (BUSY otherwise), each ending
// exactly once — confirmed, refused, window closed, or timed out. An origin the user refused waits
// (refusalWait, growing with each refusal in a row) before its next request opens a window. The count
// is kept in store ({ load(): Promise<object>, save(object) }: chrome.storage.session in the worker),
// because the browser stops an idle service worker after 30 s and a page could wait for that to start
// afresh; without a store it lives in memory.
export class Consents {
  constructor({ openWindow, closeWindow, timeoutMs = CONSENT_MS, newID, now = Date.now, store = null }) {
    Object.assign(this, { openWindow, closeWindow, timeoutMs, newID, now, store });
    this.pending = new Map(); // id -> { req, resolve, reject, windowId, timer }
    this.refusals = new Map(); // origin -> { n, until }
    this.loaded = store ? Promise.resolve().then(() => store.load()).then((v) => {
      for (const [o, r] of Object.entries(v || {})) {
        if (!this.refusals.has(o) && Number.isInteger(r && r.n) && Number.isFinite(r.until)) this.refusals.set(o, { n: r.n, until: r.until });
      }
    }, () => {}) : Promise.resolve();
  }

  // ask opens the window for req, from the page in tab tabId, and resolves with the consent page's result.
  // The refusals are read first; between that and taking the slot nothing awaits, so BUSY holds.
  async ask(origin, req, tabId) {
    await this.loaded;
    const r = this.refusals.get(origin);
    if (r && this.now() < r.until) {
      return Promise.reject(new PageError("RATE_LIMITED", `refused ${r.n} time(s): ask again in ${Math.ceil((r.until - this.now()) / 1000)} s`));
    }
    if (this.pending.size) return Promise.reject(new PageError("BUSY", "a request is waiting for confirmation"));
    const id = this.newID();
    return new Promise((resolve, reject) => {
      const p = { req: { ...req, origin }, resolve, reject, windowId: null, tabId };
      p.timer = setTimeout(() => this.finish(id, { ok: false, code: "TIMEOUT", detail: "not confirmed in time" }), this.timeoutMs);
      this.pending.set(id, p);
      Promise.resolve(this.openWindow(id)).then((windowId) => {
        if (this.pending.get(id) === p) p.windowId = windowId;
        else if (windowId != null) this.closeWindow(windowId);
      }, (e) => this.finish(id, { ok: false, code: "INTERNAL", detail: "cannot open the confirmation window: " + e }));
    });
  }

  // request is what consent.html shows and signs (null once ended).
  request(id) {
    const p = this.pending.get(id);
    return p ? p.req : null;
  }

  // finish ends a request with the consent page's answer: { ok: true, result } or
  // { ok: false, code, detail, keepOpen }.
  finish(id, answer) {
    const p = this.pending.get(id);
    if (!p) return false;
    this.pending.delete(id);
    clearTimeout(p.timer);
    this.remember(p.req.origin, answer);
    if (answer && answer.ok === true) p.resolve(answer.result);
    else p.reject(new PageError(String((answer && answer.code) || "INTERNAL"), answer && answer.detail));
    // The consent page keeps its window open (keepOpen) when it shows why nothing was signed.
    if (p.windowId != null && !(answer && answer.keepOpen === true)) this.closeWindow(p.windowId);
    return true;
  }

  // remember counts the user's refusals in a row per origin; a confirmation ends the count.
  remember(origin, answer) {
    if (answer && answer.ok === true) {
      if (!this.refusals.delete(origin)) return;
    } else if (answer && answer.code === "USER_CANCELLED" && answer.pageGone !== true) {
      const n = ((this.refusals.get(origin) || {}).n || 0) + 1;
      this.refusals.set(origin, { n, until: this.now() + refusalWait(n) });
    } else {
      return;
    }
    if (this.store) Promise.resolve(this.store.save(Object.fromEntries(this.refusals))).catch(() => {});
  }

  // tabClosed: the page that asked is gone; its window would ask for nothing.
  tabClosed(tabId) {
    for (const [id, p] of this.pending) {
      if (tabId !== undefined && p.tabId === tabId) this.finish(id, { ok: false, code: "USER_CANCELLED", detail: "the page was closed", pageGone: true });
    }
  }

  // windowClosed: the user closed the consent window without answering.
  windowClosed(windowId) {
    for (const [id, p] of this.pending) {
      if (p.windowId === windowId) {
        p.windowId = null;
        this.finish(id, { ok: false, code: "USER_CANCELLED", detail: "confirmation window closed" });
      }
    }
  }
}
