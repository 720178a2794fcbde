// The service worker's short talk with ponte-host for the portal panel: hello, cards, close. Only a
// summary leaves the worker (no certificate bytes); the panel never talks to the host itself.
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

// readCards returns the host's cards result, or throws an Error whose code is the protocol's (or
// HOST_MISSING when the browser cannot start ponte-host).
export async function readCards() {
  const port = chrome.runtime.connectNative(HOST);
  const pending = { next: 1, calls: new Map() };
  const fail = (err) => { for (const c of pending.calls.values()) c.reject(err); pending.calls.clear(); };
  port.onMessage.addListener((m) => {
    const c = m && m.id && pending.calls.get(m.id);
    if (!c) return; // events
    pending.calls.delete(m.id);
    if (m.error) c.reject(Object.assign(new Error(m.error.message || m.error.code), { code: m.error.code }));
    else c.resolve(m.result);
  });
  port.onDisconnect.addListener(() => {
    const why = (chrome.runtime.lastError && chrome.runtime.lastError.message) || "host disconnected";
    fail(Object.assign(new Error(why), { code: "HOST_MISSING" }));
  });
  const timer = setTimeout(() => fail(Object.assign(new Error("timeout"), { code: "TIMEOUT" })), TIMEOUT_MS);
  try {
    await call(port, pending, "hello", { protocol: PROTOCOL, client: "ponte-worker " + chrome.runtime.getManifest().version });
    return await call(port, pending, "cards", {});
  } finally {
    clearTimeout(timer);
    port.disconnect();
  }
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
      certs: (c.certificates || []).map((x) => ({ role: String(x.role), notAfter: String(x.notAfter) })),
    });
  }
  return { readers: ((result && result.readers) || []).length, cards };
}
