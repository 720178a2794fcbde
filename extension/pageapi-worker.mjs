// The page API in the service worker (docs/page-api.md): wires pageapi.mjs to the browser — the
// allow-list in chrome.storage.local, ponte-host through hostbridge.mjs, the consent window, and the
// messages of pageapi-codes.json in the page's language.
import { handle, Consents, ALLOWED, REMEMBERED, fromPage } from "./pageapi.mjs";

const REFUSALS = "ponteRefusals"; // chrome.storage.session: { origin: { n, until } } (pageapi.mjs, Consents)
import { readCards } from "./hostbridge.mjs";
import { messages, format } from "./i18n.mjs";

let table = null;
async function codeTable() {
  if (!table) {
    const r = await fetch(chrome.runtime.getURL("pageapi-codes.json"));
    table = Object.fromEntries((await r.json()).codes.map((c) => [c.code, c]));
  }
  return table;
}

// localize adds the message for the code, in the page's language (navigator.language there).
async function localize(answer, lang) {
  if (answer.type !== "error") return answer;
  const [t, words] = await Promise.all([codeTable(), messages(lang)]);
  const row = t[answer.error.code] || t.INTERNAL;
  return { type: "error", error: { ...answer.error, message: format(words, row.message), retriable: row.retriable } };
}

// fromConsent: the consent window, an extension page.
function fromConsent(sender) {
  return String(sender.url || "").startsWith(chrome.runtime.getURL("consent.html"));
}

export function installPageAPI() {
  // The allow-list and the remembered origins are for extension pages and this worker only, not for
  // content scripts (a compromised renderer runs them). Chrome 114+; Firefox offers this for
  // storage.session only (docs/page-api.md, "Limits"), so there the call fails and is ignored.
  if (chrome.storage.local.setAccessLevel) {
    chrome.storage.local.setAccessLevel({ accessLevel: "TRUSTED_CONTEXTS" }).catch(() => {});
  }
  const consents = new Consents({
    openWindow: async (id) => {
      const w = await chrome.windows.create({
        url: chrome.runtime.getURL("consent.html#" + id), type: "popup", width: 560, height: 760, focused: true,
      });
      return w.id;
    },
    closeWindow: (windowId) => { chrome.windows.remove(windowId).catch(() => {}); },
    newID: () => crypto.randomUUID(),
    // The refusal count outlives the worker (stopped after 30 s idle), not the browser session;
    // storage.session is for trusted contexts only by default (content scripts cannot reset it).
    store: chrome.storage.session && {
      load: async () => (await chrome.storage.session.get(REFUSALS))[REFUSALS] || {},
      save: (v) => chrome.storage.session.set({ [REFUSALS]: v }),
    },
  });
  chrome.windows.onRemoved.addListener((windowId) => consents.windowClosed(windowId));
  chrome.tabs.onRemoved.addListener((tabId) => consents.tabClosed(tabId));

  const deps = {
    allowed: async () => (await chrome.storage.local.get(ALLOWED))[ALLOWED] || [],
    remembered: async () => (await chrome.storage.local.get(REMEMBERED))[REMEMBERED] || [],
    readCards,
    consent: (origin, req, tabId) => consents.ask(origin, req, tabId),
    extension: chrome.runtime.getManifest().version,
  };

  chrome.runtime.onMessage.addListener((m, sender, reply) => {
    if (!m || sender.id !== chrome.runtime.id) return false;
    switch (m.type) {
      case "ponte-page":
        if (!fromPage(sender, chrome.runtime.id, chrome.runtime.getURL(""))) return false;
        handle(m, sender, deps).then((a) => localize(a, m.lang)).then(reply,
          (e) => reply({ type: "error", error: { code: "INTERNAL", detail: String(e), message: String(e) } }));
        return true;
      case "ponte-consent-get":
        if (!fromConsent(sender)) return false;
        reply({ request: consents.request(String(m.id)) });
        return false;
      case "ponte-consent-alive": // the consent page's keep-alive: extension messages keep the worker running
        if (!fromConsent(sender)) return false;
        reply({ pending: consents.request(String(m.id)) !== null });
        return false;
      case "ponte-consent-done":
        if (!fromConsent(sender)) return false;
        reply({ delivered: consents.finish(String(m.id), m.answer) });
        return false;
    }
    return false;
  });
}
