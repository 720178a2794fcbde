// The page API's JavaScript: the worker's decisions (extension/pageapi.mjs), the content script
// (extension/pagebridge.js) and the page library (examples/page-api/ponte.js). Run by node --test.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import vm from "node:vm";
import { secureOrigin, checkRequest, handle, Consents, statusOf, fromPage, refusalWait, REFUSAL_MAX_MS } from "../../extension/pageapi.mjs";
import * as ponte from "../../examples/page-api/ponte.js";

const root = new URL("../../", import.meta.url);
const cases = JSON.parse(readFileSync(new URL("internal/pageapi/testdata/origins.json", root)));
const b64 = (n) => Buffer.alloc(n, 7).toString("base64");

test("secureOrigin follows the same table as the Go rule", () => {
  for (const c of cases.secure) assert.equal(secureOrigin(c.origin), c.secure, c.origin);
  for (const c of cases.normalize) if (c.origin) assert.equal(secureOrigin(c.origin), true, c.origin);
});

test("checkRequest accepts the three types and names what is wrong", () => {
  assert.deepEqual(checkRequest({ ponte: 1, id: "a", type: "status" }), { type: "status" });
  assert.deepEqual(checkRequest({ ponte: 1, id: "a", type: "certificate" }), { type: "certificate", role: "signature", card: "" });
  assert.equal(checkRequest({ ponte: 1, id: "a", type: "sign", alg: "SHA-384", hash: b64(48) }).alg, "SHA-384");
  assert.throws(() => checkRequest({ ponte: 1, id: "a", type: "sign", alg: "SHA-256", hash: b64(32), role: "cns" }), (e) => e.code === "AUTH_KEY_NOT_FOR_SIGNING");
  assert.deepEqual(checkRequest({ ponte: 1, id: "a", type: "authenticate", nonce: b64(32) }), { type: "authenticate", role: "cns", card: "", nonce: b64(32) });
  for (const [m, word] of [
    [{ ponte: 2, id: "a", type: "status" }, "version"],
    [{ ponte: 1, id: "", type: "status" }, "id"],
    [{ ponte: 1, id: "x".repeat(65), type: "status" }, "id"],
    [{ ponte: 1, id: "a", type: "decrypt" }, "type"],
    [{ ponte: 1, id: "a", type: "certificate", role: "other" }, "role"],
    [{ ponte: 1, id: "a", type: "sign", alg: "SHA-1", hash: b64(20) }, "alg"],
    [{ ponte: 1, id: "a", type: "sign", alg: "toString", hash: b64(32) }, "alg"],
    [{ ponte: 1, id: "a", type: "sign", alg: "SHA-256", hash: b64(48) }, "hash"],
    [{ ponte: 1, id: "a", type: "sign", alg: "SHA-256", hash: "%%%%" }, "hash"],
    [{ ponte: 1, id: "a", type: "sign", alg: "SHA-256", hash: null }, "hash"],
  ]) {
    assert.throws(() => checkRequest(m), (e) => e.code === "BAD_REQUEST" && e.message.includes(word), JSON.stringify(m));
  }
});

const cards = {
  readers: [
    { name: "Lettore vuoto" },
    { name: "Virtual PCD 00 00", card: { id: "8038000000000001", family: { known: true, sigla: "ST 2021" },
      holder: { surname: "ROSSI", name: "MARIO", fiscalCode: "RSSMRA80A01H501U" }, token: { driver: "safedive" },
      certificates: [
        { id: "01", role: "cns", der: "MIIB", notAfter: "2026-12-24T00:00:00Z", keyType: "RSA", keyBits: 2048 },
        { id: "02", role: "signature", der: "MIIC", notAfter: "2027-12-29T00:00:00Z", keyType: "RSA", keyBits: 2048 },
      ] } },
  ],
};

function deps(over = {}) {
  const calls = { readCards: 0, consent: [] };
  return {
    calls,
    allowed: async () => ["https://firma.example.it", "http://localhost:8080"],
    readCards: async () => { calls.readCards++; return cards; },
    consent: async (origin, req, tabId) => { calls.consent.push({ origin, req, tabId }); return { signature: "c2ln" }; },
    extension: "1.2.3",
    ...over,
  };
}
const page = (origin) => ({ id: "ext", origin, tab: { id: 1 }, frameId: 0 });
const ask = (request, secure = true) => ({ type: "ponte-page", request: { ponte: 1, id: "r1", ...request }, secure });

test("an origin not on the list learns only the refusal, before anything is read", async () => {
  const d = deps();
  const a = await handle(ask({ type: "sign", alg: "SHA-256", hash: b64(32) }), page("https://altro.example.it"), d);
  assert.deepEqual(a, { type: "error", error: { code: "ORIGIN_NOT_ALLOWED", detail: "https://altro.example.it" } });
  const bad = await handle(ask({ type: "nonsense" }), page("https://altro.example.it"), d);
  assert.equal(bad.error.code, "ORIGIN_NOT_ALLOWED");
  assert.equal(d.calls.readCards, 0);
  assert.equal(d.calls.consent.length, 0);
});

test("insecure pages are refused first, even when listed", async () => {
  const d = deps({ allowed: async () => ["http://firma.example.it", "https://firma.example.it"] });
  assert.equal((await handle(ask({ type: "status" }), page("http://firma.example.it"), d)).error.code, "INSECURE_CONTEXT");
  // The content script's flag counts too (a page of a listed origin that is not a secure context).
  assert.equal((await handle(ask({ type: "status" }, false), page("https://firma.example.it"), d)).error.code, "INSECURE_CONTEXT");
  assert.equal((await handle(ask({ type: "status" }), page("null"), d)).error.code, "INSECURE_CONTEXT");
  assert.equal(d.calls.readCards, 0);
});

test("an allowed page gets status without personal data, the certificate, and a signature through consent", async () => {
  const d = deps();
  const s = await handle(ask({ type: "status" }), page("https://firma.example.it"), d);
  assert.equal(s.type, "result");
  assert.deepEqual(s.result, statusOf(cards, "1.2.3"));
  assert.equal(s.result.readers, 2);
  assert.equal(s.result.cards[0].family, "ST 2021");
  assert.ok(!JSON.stringify(s).includes("ROSSI") && !JSON.stringify(s).includes("RSSMRA"));
  const c = await handle(ask({ type: "certificate", role: "cns" }), page("https://firma.example.it"), d);
  assert.deepEqual(c.result, { card: "8038000000000001", role: "cns", certificate: "MIIB", notAfter: "2026-12-24T00:00:00Z" });
  // The certificate went through the holder's consent; remembered, it does not ask again.
  assert.equal(d.calls.consent.length, 1);
  assert.equal(d.calls.consent[0].req.type, "certificate");
  d.calls.consent.length = 0;
  const again = await handle(ask({ type: "certificate" }), page("https://firma.example.it"), { ...d, remembered: async () => ["https://firma.example.it"] });
  assert.equal(again.result.certificate, "MIIC");
  assert.equal(d.calls.consent.length, 0);
  const sig = await handle(ask({ type: "sign", alg: "SHA-256", hash: b64(32) }), page("http://localhost:8080"), d);
  assert.deepEqual(sig, { type: "result", result: { signature: "c2ln" } });
  assert.deepEqual(d.calls.consent, [{ origin: "http://localhost:8080", tabId: 1,
    req: { type: "sign", role: "signature", card: "", alg: "SHA-256", hash: b64(32), origin: "http://localhost:8080" } }]);
});

test("host and card problems have their codes", async () => {
  const origin = page("https://firma.example.it");
  const missing = deps({ readCards: async () => { throw Object.assign(new Error("Specified native messaging host not found."), { code: "HOST_MISSING" }); } });
  assert.equal((await handle(ask({ type: "status" }), origin, missing)).error.code, "HOST_MISSING");
  const empty = deps({ readCards: async () => ({ readers: [{ name: "Lettore" }] }) });
  assert.equal((await handle(ask({ type: "certificate" }), origin, empty)).error.code, "NO_CARD");
  assert.equal((await handle(ask({ type: "sign", alg: "SHA-256", hash: b64(32) }), origin, empty)).error.code, "NO_CARD");
  const noSig = deps({ readCards: async () => ({ readers: [{ name: "L", card: { id: "x", token: {}, certificates: [{ id: "01", role: "cns", der: "MIIB" }] } }] }) });
  assert.equal((await handle(ask({ type: "certificate" }), origin, noSig)).error.code, "NO_CERTIFICATE");
  const bad = await handle(ask({ type: "sign", alg: "SHA-256", hash: b64(31) }), origin, deps());
  assert.equal(bad.error.code, "BAD_REQUEST");
});

function consents(timeoutMs = 10000, clock = { t: 0 }) {
  const log = { opened: [], closed: [] };
  let n = 0;
  const c = new Consents({
    openWindow: async (id) => { log.opened.push(id); return 100 + log.opened.length; },
    closeWindow: (w) => log.closed.push(w),
    newID: () => "req" + ++n,
    timeoutMs,
    now: () => clock.t,
  });
  return { c, log, clock };
}

test("a site the user refused waits, longer after each refusal in a row; a yes resets it", async () => {
  const { c, log, clock } = consents();
  const site = "https://firma.example.it";
  let waits = [];
  for (let i = 1; i <= 4; i++) {
    const p = c.ask(site, {});
    await tick();
    c.finish("req" + i, { ok: false, code: "USER_CANCELLED" });
    await assert.rejects(p, (e) => e.code === "USER_CANCELLED");
    await assert.rejects(c.ask(site, {}), (e) => e.code === "RATE_LIMITED");
    assert.equal(log.opened.length, i, "no window while the site waits");
    waits.push(c.refusals.get(site).until - clock.t);
    clock.t = c.refusals.get(site).until; // the wait is over
  }
  assert.deepEqual(waits, [5000, 10000, 20000, 40000]);
  // Another site is not held up; the refused one may ask once its wait is over, and a yes resets it.
  const other = c.ask("https://altro.example.it", {});
  await tick();
  c.finish(log.opened.at(-1), { ok: true, result: 1 });
  await other;
  const p = c.ask(site, {});
  await tick();
  c.finish(log.opened.at(-1), { ok: true, result: 1 });
  await p;
  assert.equal(c.refusals.has(site), false);
  assert.equal(refusalWait(40), REFUSAL_MAX_MS);
});

test("fromPage: only our content script in a web page's top frame", () => {
  const ok = { id: "ext", tab: { id: 1 }, frameId: 0, url: "https://a.example/x", origin: "https://a.example" };
  assert.equal(fromPage(ok, "ext", "chrome-extension://ext/"), true);
  assert.equal(fromPage({ ...ok, origin: undefined }, "ext", "chrome-extension://ext/"), true); // Firefox
  for (const bad of [{ ...ok, id: "other" }, { ...ok, tab: undefined }, { ...ok, frameId: 3 }, { ...ok, url: "chrome-extension://ext/app.html", origin: "chrome-extension://ext" },
    { ...ok, origin: "https://b.example" }, { ...ok, url: "file:///etc/passwd", origin: "null" }, { ...ok, url: "" }, null]) {
    assert.equal(fromPage(bad, "ext", "chrome-extension://ext/"), false, JSON.stringify(bad));
  }
});
const tick = () => new Promise((r) => setTimeout(r, 0));

test("one signature waits at a time; it ends once, with the window closed", async () => {
  const { c, log } = consents();
  const first = c.ask("https://firma.example.it", { alg: "SHA-256" });
  await tick();
  await assert.rejects(c.ask("https://firma.example.it", {}), (e) => e.code === "BUSY");
  assert.deepEqual(c.request("req1"), { alg: "SHA-256", origin: "https://firma.example.it" });
  assert.equal(c.finish("req1", { ok: true, result: { signature: "x" } }), true);
  assert.deepEqual(await first, { signature: "x" });
  assert.equal(c.finish("req1", { ok: false, code: "USER_CANCELLED" }), false);
  assert.equal(c.request("req1"), null);
  assert.deepEqual(log.closed, [101]);
});

test("closing the window cancels; a shown failure keeps the window; silence times out", async () => {
  const { c, log, clock } = consents(20);
  const p = c.ask("https://firma.example.it", {});
  await tick();
  c.windowClosed(101);
  await assert.rejects(p, (e) => e.code === "USER_CANCELLED");
  assert.deepEqual(log.closed, []); // the user closed it already
  clock.t += REFUSAL_MAX_MS; // closing the window is a refusal: the site waits first

  const q = c.ask("https://firma.example.it", {});
  await tick();
  c.finish("req2", { ok: false, code: "WRONG_PIN", keepOpen: true });
  await assert.rejects(q, (e) => e.code === "WRONG_PIN");
  assert.deepEqual(log.closed, []);

  const r = c.ask("https://firma.example.it", {});
  await assert.rejects(r, (e) => e.code === "TIMEOUT");
  assert.deepEqual(log.closed, [103]);

  // The page that asked is closed: the request ends and its window goes.
  const u = c.ask("https://firma.example.it", {}, 7);
  await tick();
  c.tabClosed(8);
  assert.notEqual(c.request("req4"), null);
  c.tabClosed(7);
  await assert.rejects(u, (e) => e.code === "USER_CANCELLED");
  assert.deepEqual(log.closed, [103, 104]);
});

// A window with a content script's side: what the page posts, the bridge sees, and the other way round.
function fakeWindow(origin = "https://firma.example.it") {
  const listeners = new Set();
  const w = {
    location: { origin },
    posted: [],
    addEventListener: (t, f) => t === "message" && listeners.add(f),
    removeEventListener: (t, f) => listeners.delete(f),
    postMessage(data, target) {
      w.posted.push({ data, target });
      const e = { data: structuredClone(data), source: w, origin: w.location.origin };
      setTimeout(() => { for (const f of [...listeners]) f(e); }, 0);
    },
    dispatch(e) { for (const f of [...listeners]) f(e); },
  };
  w.top = w;
  return w;
}

// bridge loads the content script into w with a worker that answers answer(request).
function bridge(w, answer, secure = true) {
  const sent = [];
  const chrome = { runtime: { sendMessage: async (m) => { sent.push(m); return answer(m.request); } } };
  w.window = w;
  w.isSecureContext = secure;
  const ctx = vm.createContext({ window: w, location: w.location, chrome, navigator: { language: "it-IT" }, ...w });
  vm.runInContext(readFileSync(new URL("extension/pagebridge.js", root), "utf8"), ctx);
  return sent;
}

test("ponte.js and the content script: ack, result, PonteError, replies only to the page's origin", async () => {
  const w = fakeWindow();
  const sent = bridge(w, (req) => req.type === "status" ? { type: "result", result: { readers: 1 } }
    : { type: "error", error: { code: "USER_CANCELLED", message: "Firma annullata", detail: "x", retriable: true } });
  assert.deepEqual(await ponte.status({ win: w }), { readers: 1 });
  await assert.rejects(ponte.sign(new Uint8Array(32), "SHA-256", { win: w }),
    (e) => e instanceof ponte.PonteError && e.code === "USER_CANCELLED" && e.message === "Firma annullata" && e.retriable === true);
  // The bridge forwarded only the request's own string fields, with the page's secure flag.
  // (JSON: the objects come from the content script's realm.)
  assert.deepEqual(JSON.parse(JSON.stringify(sent[1].request)),
    { ponte: 1, id: sent[1].request.id, type: "sign", role: "signature", alg: "SHA-256", hash: Buffer.alloc(32).toString("base64") });
  assert.equal(sent[1].secure, true);
  // Every post goes to the page's own origin.
  assert.ok(w.posted.every((p) => p.target === "https://firma.example.it"), JSON.stringify(w.posted.map((p) => p.target)));
  assert.ok(w.posted.some((p) => p.data.type === "ack"));
});

test("the content script ignores other windows, other origins and malformed messages", async () => {
  const w = fakeWindow();
  const sent = bridge(w, () => ({ type: "result", result: {} }));
  const m = { ponte: 1, id: "z", type: "status" };
  w.dispatch({ data: m, source: {}, origin: w.location.origin });                 // from a frame or opener
  w.dispatch({ data: m, source: w, origin: "https://evil.example" });              // forged origin
  w.dispatch({ data: { ...m, type: "result" }, source: w, origin: w.location.origin }); // an answer
  w.dispatch({ data: { ...m, id: 7 }, source: w, origin: w.location.origin });
  w.dispatch({ data: "ponte", source: w, origin: w.location.origin });
  await tick();
  assert.equal(sent.length, 0);
  assert.equal(w.posted.length, 0);
  w.dispatch({ data: { ...m, hash: { evil: true } }, source: w, origin: w.location.origin });
  await tick();
  assert.equal(sent.length, 1);
  assert.equal(sent[0].request.hash, null);
});

test("ponte.js: no extension, bad hashes, foreign answers", async () => {
  const w = fakeWindow();
  await assert.rejects(ponte.status({ win: w, ackMs: 20 }), (e) => e.code === "EXTENSION_MISSING");
  await assert.rejects(ponte.sign(new Uint8Array(31), "SHA-256", { win: w }), (e) => e.code === "BAD_REQUEST");
  await assert.rejects(ponte.sign(new Uint8Array(32), "SHA-1", { win: w }), (e) => e.code === "BAD_REQUEST");
  await assert.rejects(ponte.sign("not bytes", "SHA-256", { win: w }), (e) => e.code === "BAD_REQUEST");
  // An answer with another id or from another window does not settle the request.
  const p = ponte.status({ win: w, ackMs: 1000, timeoutMs: 60 });
  await tick();
  const id = w.posted.at(-1).data.id;
  w.dispatch({ data: { ponte: 1, id: "other", type: "result", result: 1 }, source: w });
  w.dispatch({ data: { ponte: 1, id, type: "result", result: 2 }, source: {} });
  await assert.rejects(p, (e) => e.code === "TIMEOUT");
  assert.equal(ponte.toBase64(ponte.fromBase64("AAEC/w==")), "AAEC/w==");
  // A file: page (origin "null") cannot be answered: said at once.
  await assert.rejects(ponte.status({ win: fakeWindow("null") }), (e) => e.code === "INSECURE_CONTEXT");
});

// Chrome stops an idle extension service worker after 30 s: a page that stays quiet that long would find
// a new worker with no memory of its refusals, and could open a window again at once (5 s, not 40 s or
// 10 minutes). The count lives in storage (chrome.storage.session in the worker), not in the worker.
test("a refused site still waits after the service worker restarts", async () => {
  const saved = {};
  const store = { load: async () => structuredClone(saved.v || {}), save: async (v) => { saved.v = structuredClone(v); } };
  const clock = { t: 0 };
  const site = "https://firma.example.it";
  let n = 0;
  const worker = () => new Consents({ openWindow: async () => 1, closeWindow: () => {}, newID: () => "req" + ++n, now: () => clock.t, store });
  const first = worker();
  for (let i = 0; i < 4; i++) {
    const p = first.ask(site, {});
    await tick();
    first.finish("req" + n, { ok: false, code: "USER_CANCELLED" });
    await assert.rejects(p, (e) => e.code === "USER_CANCELLED");
    clock.t = first.refusals.get(site).until;
  }
  const p = first.ask(site, {});
  await tick();
  first.finish("req" + n, { ok: false, code: "USER_CANCELLED" }); // the 5th refusal: 80 s
  await assert.rejects(p, (e) => e.code === "USER_CANCELLED");
  await tick();
  clock.t += 31000; // quiet for 31 s: the browser stops the worker, a message starts a new one
  const restarted = worker();
  await assert.rejects(restarted.ask(site, {}), (e) => e.code === "RATE_LIMITED");
  clock.t += 80000;
  const later = restarted.ask(site, {});
  await tick();
  restarted.finish("req" + n, { ok: true, result: 1 });
  assert.equal(await later, 1);
  await tick();
  assert.deepEqual(saved.v, {}, "a yes ends the count in storage too");
});
