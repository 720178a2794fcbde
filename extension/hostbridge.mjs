// The service worker's talk with ponte-host for the portal panel: hello, cards, and the card events while
// the panel is open. Only a summary leaves the worker (no certificate bytes); the panel never talks to the
// host itself.
const HOST = "it.ponte.host"; // internal/ids.HostName
const PROTOCOL = 1;           // internal/protocol.Version
const TIMEOUT_MS = 60000;

function call(port, pending, command, params) {
  const id = String(pending.next++);
  return new Promise((resolve, reject) => {
    pending.calls.set(id, { resolve, reject });
    port.postMessage({ id, command, params });
  });
}

// connect opens a port to ponte-host: calls answered by id, events (messages with "event") to onEvent,
// and every pending call rejected with HOST_MISSING when the port closes.
function connect(onEvent = () => {}, onClosed = () => {}) {
  const port = chrome.runtime.connectNative(HOST);
  const pending = { next: 1, calls: new Map() };
  const fail = (err) => { for (const c of pending.calls.values()) c.reject(err); pending.calls.clear(); };
  port.onMessage.addListener((m) => {
    if (m && m.event) { onEvent(m.event); return; }
    const c = m && m.id && pending.calls.get(m.id);
    if (!c) return;
    pending.calls.delete(m.id);
    if (m.error) c.reject(Object.assign(new Error(m.error.message || m.error.code), { code: m.error.code }));
    else c.resolve(m.result);
  });
  port.onDisconnect.addListener(() => {
    const why = (chrome.runtime.lastError && chrome.runtime.lastError.message) || "host disconnected";
    const err = Object.assign(new Error(why), { code: "HOST_MISSING" });
    fail(err);
    onClosed(err);
  });
  const hello = () => call(port, pending, "hello", { protocol: PROTOCOL, client: "ponte-worker " + chrome.runtime.getManifest().version });
  return { port, pending, fail, hello };
}

// readCards returns the host's cards result, or throws an Error whose code is the protocol's (or
// HOST_MISSING when the browser cannot start ponte-host).
export async function readCards() {
  const { port, pending, fail, hello } = connect();
  const timer = setTimeout(() => fail(Object.assign(new Error("timeout"), { code: "TIMEOUT" })), TIMEOUT_MS);
  try {
    await hello();
    return await call(port, pending, "cards", {});
  } finally {
    clearTimeout(timer);
    port.disconnect();
  }
}

// The host's events that change what a card list shows (internal/protocol EvCardInserted, ...).
const CARD_EVENTS = new Set(["card-inserted", "card-removed", "reader-added", "reader-removed"]);

// followCards keeps one connection to ponte-host for a live portal panel: the cards are read at once and
// again after every card or reader event the host pushes (reads one at a time, in order), each result to
// onCards, a failure to onError. The returned function ends it (the panel closed or its page left).
export function followCards(onCards, onError) {
  let stopped = false;
  let chain = Promise.resolve();
  const read = () => {
    // With the renewal journal (journal-list), so the panel offers what the card list does: a renewal
    // already open is RIPRENDI there, never a second RINNOVA here (renew.OpenFor).
    const journal = () => call(port, pending, "journal-list", {}).catch(() => null);
    chain = chain.then(() => Promise.all([call(port, pending, "cards", {}), journal()]))
      .then(([r, j]) => stopped || onCards(r, j), (e) => stopped || onError(e));
  };
  const { port, pending, hello } = connect((ev) => { if (CARD_EVENTS.has(ev)) read(); }, (e) => stopped || onError(e));
  hello().then(read, (e) => stopped || onError(e));
  return () => { stopped = true; port.disconnect(); };
}

// summarize keeps what the panel shows: per card the holder, family, the drivers it needs and the one
// loaded, and each certificate's role and expiry.
export function summarize(result) {
  const cards = [];
  for (const r of (result && result.readers) || []) {
    const c = r.card;
    if (!c || (c.problem && (c.problem.code === "CARD_REMOVED" || c.problem.code === "NO_CARD"))) continue;
    cards.push({
      id: String(c.id || ""),
      reader: String(r.name || ""),
      holder: c.holder ? `${c.holder.surname} ${c.holder.name}` : "",
      family: c.family && c.family.known ? `${c.family.sigla} — ${c.family.name}` : "",
      drivers: (c.family && c.family.drivers) || [],
      loaded: c.token ? String(c.token.driver || "") : "",
      certs: (c.certificates || []).map((x) => ({ id: String(x.id || ""), role: String(x.role), notAfter: String(x.notAfter) })),
    });
  }
  return { readers: ((result && result.readers) || []).length, cards };
}
