// Ponte's service worker: the daily expiry watch, the weekly OCSP status check (and, for the portal panel, a bridge to ponte-host).
// It reads only certificate metadata the pages cached in chrome.storage.local (never a PIN); the
// arithmetic lives in expiry.mjs, tested with node --test.
import { plan, validRecord } from "./expiry.mjs";
import { followCards, summarize } from "./hostbridge.mjs";
import { messages, format } from "./i18n.mjs";
import { dueKeys, newlyRevoked } from "./status.mjs";
import "./wasm_exec.js"; // globalThis.Go, for the OCSP status check in the WASM module's watch mode
import { installPageAPI } from "./pageapi-worker.mjs";
import { fromPage } from "./pageapi.mjs";

const ALARM = "ponte-expiry";
const CERTS = "ponteCerts";       // { "<issuer>|<serial>": record } written by the app and inventory pages
const SENT = "ponteReminded";     // { "<issuer>|<serial>": [thresholds already fired] }
const NOTE = "ponte-expiry|";     // notification id prefix; the rest is the record key

// The language: the one the user picked in Ponte's pages, else the browser's (Italian unless English).
async function texts() {
  const { ponteLang } = await chrome.storage.local.get("ponteLang");
  return messages(ponteLang || navigator.language);
}

function ddmmyyyy(iso) {
  const d = new Date(iso);
  const p = (n) => String(n).padStart(2, "0");
  return `${p(d.getUTCDate())}/${p(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}`;
}

// checkExpiry fires the reminders due at nowMs and remembers them. The alarm passes Date.now(); the
// real-browser test calls it with a simulated clock through the worker's DevTools target.
async function checkExpiry(nowMs) {
  const st = await chrome.storage.local.get([CERTS, SENT]);
  const records = Object.values(st[CERTS] || {}).filter(validRecord);
  const { fire, sent } = plan(records, nowMs, st[SENT] || {});
  const t = await texts();
  const msg = (key, subs) => format(t, key, subs);
  for (const f of fire) {
    const r = f.record;
    const role = msg(r.role === "cns" ? "roleCns" : r.role === "signature" ? "roleSignature" : "roleOther");
    await chrome.notifications.create(NOTE + f.key, {
      type: "basic",
      iconUrl: "icons/128.png",
      title: msg("reminderTitle", [String(f.days)]),
      message: msg("reminderBody", [r.holder, role, ddmmyyyy(r.notAfter)]),
      priority: f.threshold === 1 ? 2 : 1,
      requireInteraction: f.threshold === 1,
    });
  }
  await chrome.storage.local.set({ [SENT]: sent });
  return fire.map((f) => ({ id: NOTE + f.key, threshold: f.threshold, days: f.days }));
}

// openRenewal opens the page that renews what the reminder is about: the card on app.html, a file
// certificate on the inventory.
async function openRenewal(notificationId) {
  if (!notificationId.startsWith(NOTE)) return null;
  const key = notificationId.slice(NOTE.length);
  const r = ((await chrome.storage.local.get(CERTS))[CERTS] || {})[key];
  const page = r && r.source === "card" ? "app.html#card=" + encodeURIComponent(r.card) : "inventory.html";
  const tab = await chrome.tabs.create({ url: chrome.runtime.getURL(page) });
  chrome.notifications.clear(notificationId);
  return tab.id;
}

// The weekly OCSP status check (status.mjs says what is due; the Go module asks the responders and writes
// record.status). Announced revocations are remembered so each is notified once; a click opens the inventory.
const REVOKED_NOTE = "ponte-revoked|";
const REVOKED_SENT = "ponteRevokedNotified";
let statusRun = null;

function checkStatus(nowMs) {
  statusRun ??= runStatus(nowMs).finally(() => { statusRun = null; });
  return statusRun; // one run at a time: the alarm and a test may meet
}

async function runStatus(nowMs) {
  const cache = (await chrome.storage.local.get(CERTS))[CERTS] || {};
  const due = dueKeys(cache, nowMs);
  let sum = { asked: [], revoked: [], unverified: [], notChecked: [] };
  if (due.length) sum = await runWatchModule(nowMs, due);
  const st = await chrome.storage.local.get([CERTS, REVOKED_SENT]);
  const { notify, announced } = newlyRevoked(st[CERTS] || {}, st[REVOKED_SENT] || []);
  const t = await texts();
  const msg = (key, subs) => format(t, key, subs);
  for (const { key, record: r } of notify) {
    const role = msg(r.role === "cns" ? "roleCns" : r.role === "signature" ? "roleSignature" : "roleOther");
    await chrome.notifications.create(REVOKED_NOTE + key, {
      type: "basic",
      iconUrl: "icons/128.png",
      title: msg("revokedTitle"),
      message: msg("revokedBody", [r.holder, role, ddmmyyyy(r.status.revokedAt)]),
      priority: 2,
      requireInteraction: true,
    });
  }
  await chrome.storage.local.set({ [REVOKED_SENT]: announced });
  return { due, ...sum, notified: notify.map((n) => REVOKED_NOTE + n.key) };
}

// runWatchModule runs ponte.wasm once with argv "watch" (wasm/watchmode.go): the job goes in and the
// summary comes out through globals, and the module exits when done.
async function runWatchModule(nowMs, keys) {
  const go = new Go();
  go.argv = ["ponte", "watch"];
  globalThis.ponteWatchJob = { now: nowMs, keys };
  globalThis.ponteWatchResult = undefined;
  const { instance } = await WebAssembly.instantiateStreaming(fetch(chrome.runtime.getURL("ponte.wasm")), go.importObject);
  await go.run(instance);
  const out = JSON.parse(globalThis.ponteWatchResult || '{"error":"the watch left no result"}');
  if (out.error) throw new Error("Ponte watch: " + out.error);
  return out;
}

async function openInventory(notificationId) {
  if (!notificationId.startsWith(REVOKED_NOTE)) return null;
  const tab = await chrome.tabs.create({ url: chrome.runtime.getURL("inventory.html") });
  chrome.notifications.clear(notificationId);
  return tab.id;
}

async function ensureAlarm() {
  if (!(await chrome.alarms.get(ALARM))) {
    chrome.alarms.create(ALARM, { delayInMinutes: 1, periodInMinutes: 24 * 60 });
  }
}

chrome.runtime.onInstalled.addListener(ensureAlarm);
chrome.runtime.onStartup.addListener(ensureAlarm);
chrome.alarms.onAlarm.addListener((a) => {
  if (a.name !== ALARM) return;
  const now = Date.now();
  checkExpiry(now).finally(() => checkStatus(now).catch((e) => console.warn("Ponte:", e)));
});
chrome.notifications.onClicked.addListener(openRenewal);
chrome.notifications.onClicked.addListener(openInventory);

// The portal panel (portal.js) follows the cards live through a port ("ponte-portal") and asks to open the
// renewal. Only the extension's own content script can send these (runtime messages never come from web
// pages without externally_connectable), and only from the portal's top frame (the pages manifest.json
// gives portal.js): pagebridge.js runs on every page, and a compromised renderer could send any message
// its content scripts can.
const PORTAL = "https://sistemats1.sanita.finanze.it/portale/";
const fromPortal = (sender) => fromPage(sender, chrome.runtime.id, chrome.runtime.getURL("")) && String(sender.url).startsWith(PORTAL);
chrome.runtime.onMessage.addListener((m, sender) => {
  if (!m || m.type !== "ponte-open-renewal" || !fromPortal(sender)) return false;
  const page = m.card ? "app.html#card=" + encodeURIComponent(String(m.card)) : "app.html";
  chrome.tabs.create({ url: chrome.runtime.getURL(page) });
  return false;
});

// While the panel's port is open the worker keeps one host connection (hostbridge followCards): every card
// or reader event re-reads the cards and posts the panel a new view, with per certificate RINNOVA or the
// card list's reason and SOSPESO / REVOCATO (the WASM module's offers mode, wasm/portalmode.go).
chrome.runtime.onConnect.addListener((panel) => {
  if (panel.name !== "ponte-portal") return;
  if (!fromPortal(panel.sender)) { panel.disconnect(); return; }
  let stop = null;
  panel.onMessage.addListener((m) => {
    if (!m || m.type !== "start" || stop) return;
    // The panel's words travel with each view, in the page's language (m.lang is navigator.language there).
    // (errNotEligible…: the card list's reasons, sent as codes — internal/words, ui.PortalOffer.Reason.)
    const words = messages(m.lang).then((all) => Object.fromEntries(Object.entries(all).filter(([k]) =>
      k.startsWith("portal") || k.startsWith("role") || k.startsWith("errnoteligible"))));
    const post = (view) => words.then((text) => { try { panel.postMessage({ ...view, text }); } catch { /* the panel is gone */ } });
    let last = null, lastJournal = null;
    const show = (r, j) => { last = r; lastJournal = j; return portalView(r, j, m.lang).then(post, (e) => post({ ok: false, code: "INTERNAL", detail: String(e) })); };
    const unfollow = followCards(show, (e) => post({ ok: false, code: e.code || "INTERNAL", detail: e.message }));
    // A status the pages just learnt (a suspension or revocation from the card list, an OCSP check) shows too.
    const onStorage = (changes, area) => { if (area === "local" && changes[CERTS] && last) show(last, lastJournal); };
    chrome.storage.onChanged.addListener(onStorage);
    stop = () => { unfollow(); chrome.storage.onChanged.removeListener(onStorage); };
  });
  panel.onDisconnect.addListener(() => stop && stop());
});

// portalView is the panel's summary of a cards result, each certificate with its offer.
async function portalView(result, journal, lang) {
  const view = { ok: true, ...summarize(result) };
  const offers = await runOffersModule(result, journal, lang);
  for (const c of view.cards) {
    for (const x of c.certs) Object.assign(x, offers[c.id + "/" + x.id] || { renew: false });
  }
  return view;
}

// runOffersModule runs the lean cards.wasm (the card list's module, a fraction of ponte.wasm) once with
// argv "offers" (wasm/portalmode.go), one run at a time (they share the job and result globals); the
// module is compiled once per worker and instantiated per run (a Go program's instance ends with its run).
let offersChain = Promise.resolve();
let cardsModule = null;
function runOffersModule(result, journal, lang) {
  const run = offersChain.then(async () => {
    const go = new Go();
    go.argv = ["ponte", "offers"];
    globalThis.ponteOffersJob = { cards: JSON.stringify(result || {}), journal: journal ? JSON.stringify(journal) : "", lang: String(lang || ""), now: Date.now() };
    globalThis.ponteOffersResult = undefined;
    if (!cardsModule) {
      cardsModule = WebAssembly.compileStreaming(fetch(chrome.runtime.getURL("cards.wasm")));
      cardsModule.catch(() => { cardsModule = null; }); // tried again at the next update
    }
    const instance = await WebAssembly.instantiate(await cardsModule, go.importObject);
    await go.run(instance);
    const out = JSON.parse(globalThis.ponteOffersResult || '{"error":"the offers mode left no result"}');
    if (out.error) throw new Error("Ponte offers: " + out.error);
    return out;
  });
  offersChain = run.catch(() => {});
  return run;
}

// The page API for allow-listed web pages (pagebridge.js, consent.html; docs/page-api.md).
installPageAPI();

// For the DevTools target (tests) and a future options page.
Object.assign(globalThis, { checkExpiry, openRenewal, checkStatus, openInventory });
