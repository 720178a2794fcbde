// Ponte's page API, the content script (docs/page-api.md): relays a web page's requests, posted with
// window.postMessage as { ponte: 1, id, type: "status" | "certificate" | "authenticate" | "sign", ... }, to the service
// worker, which alone decides: it refuses pages not on the allow-list or not in a secure context, and
// asks the user before any signature. This script holds no data and answers only the page's own origin:
// an "ack" at once (so ponte.js knows the extension is there), then the worker's "result" or "error".
(() => {
  "use strict";
  const origin = location.origin;
  if (window.top !== window || !origin || origin === "null") return;
  const REQUESTS = ["status", "certificate", "authenticate", "sign"];
  const FIELDS = ["role", "card", "alg", "hash", "nonce"];
  window.addEventListener("message", (e) => {
    const m = e.data;
    if (e.source !== window || e.origin !== origin || !m || typeof m !== "object" || m.ponte === undefined ||
        !REQUESTS.includes(m.type) || typeof m.id !== "string" || m.id.length > 64) return;
    const post = (r) => window.postMessage({ ponte: 1, id: m.id, ...r }, origin);
    post({ type: "ack" });
    const request = { ponte: m.ponte, id: m.id, type: m.type };
    for (const k of FIELDS) if (m[k] !== undefined) request[k] = typeof m[k] === "string" ? m[k].slice(0, 200) : null;
    chrome.runtime.sendMessage({ type: "ponte-page", request, secure: window.isSecureContext === true, lang: navigator.language })
      .then((a) => post(a && (a.type === "result" || a.type === "error") ? { type: a.type, result: a.result, error: a.error }
        : { type: "error", error: { code: "INTERNAL", message: "no answer" } }),
      (err) => post({ type: "error", error: { code: "INTERNAL", message: String(err && err.message) } }));
  });
})();
