// Ponte's service worker: the daily expiry watch, the weekly OCSP status check (and, for the portal panel, a bridge to ponte-host).
// It reads only certificate metadata the pages cached in chrome.storage.local (never a PIN); the
// arithmetic lives in expiry.mjs, tested with node --test.
import { plan, validRecord } from "./expiry.mjs";
import { readCards, summarize } from "./hostbridge.mjs";
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

// The portal panel (portal.js) asks for the cards and to open the renewal. Only the extension's own
// content script can send these (runtime messages never come from web pages without externally_connectable),
// and only from the portal's top frame (the pages manifest.json gives portal.js): pagebridge.js runs on
// every page, and a compromised renderer could send any message its content scripts can.
const PORTAL = "https://sistemats1.sanita.finanze.it/portale/";
chrome.runtime.onMessage.addListener((m, sender, reply) => {
  if (!m || (m.type !== "ponte-portal-status" && m.type !== "ponte-open-renewal")) return false;
  if (!fromPage(sender, chrome.runtime.id, chrome.runtime.getURL("")) || !String(sender.url).startsWith(PORTAL)) return false;
  if (m.type === "ponte-portal-status") {
    // The panel's words travel with the answer, in the page's language (m.lang is navigator.language there).
    const words = messages(m.lang).then((all) => Object.fromEntries(Object.entries(all).filter(([k]) => k.startsWith("portal") || k.startsWith("role"))));
    Promise.all([words, readCards().then((r) => ({ ok: true, ...summarize(r) }), (e) => ({ ok: false, code: e.code || "INTERNAL", detail: e.message }))])
      .then(([text, r]) => reply({ ...r, text }), (e) => reply({ ok: false, code: "INTERNAL", detail: String(e), text: {} }));
    return true; // reply comes later
  }
  if (m.type === "ponte-open-renewal") {
    const page = m.card ? "app.html#card=" + encodeURIComponent(String(m.card)) : "app.html";
    chrome.tabs.create({ url: chrome.runtime.getURL(page) });
  }
  return false;
});

// The page API for allow-listed web pages (pagebridge.js, consent.html; docs/page-api.md).
installPageAPI();

// For the DevTools target (tests) and a future options page.
Object.assign(globalThis, { checkExpiry, openRenewal, checkStatus, openInventory });
