// Buttons that grant Ponte a host permission. The WASM module renders them as
// <button data-permission-origins="https://ocsp.example.it/* …" data-permission-then="action">; the
// browser asks the user only for a permissions.request made while the click is being handled (MDN,
// "permissions.request": a user action handler), and the WASM module handles clicks later, on a
// goroutine. So this small listener asks at once, then fires "ponte-permission" on the document
// ({granted, origins, then, target}) for the WASM module to retry what failed. No browser API is touched
// at import, so `node --test` checks it (test/js).
"use strict";

// A host permission Ponte may ask for: an http(s) match pattern with a host (no path but "/*").
const PATTERN = /^(https?):\/\/(\*|(\*\.)?[a-z0-9._-]+|\[[0-9a-f:.]+\])\/\*$/i;

// origins parses a data-permission-origins value: space-separated match patterns, all well-formed, at
// least one; otherwise null (the button asks nothing).
export function origins(value) {
  const list = String(value || "").split(/\s+/).filter(Boolean);
  if (list.length === 0 || list.length > 8 || !list.every((p) => PATTERN.test(p))) return null;
  return [...new Set(list)];
}

// permissionsAPI is browser.permissions (Firefox) or chrome.permissions, or null outside the extension.
export function permissionsAPI(g = globalThis) {
  for (const ns of [g.browser, g.chrome]) if (ns && ns.permissions && ns.permissions.request) return ns.permissions;
  return null;
}

// onClick handles one click: when it is on a permission button, asks the browser (synchronously, inside
// the click) and returns the promise of the event detail; otherwise null.
export function onClick(event, api, doc) {
  const el = event.target && event.target.closest ? event.target.closest("[data-permission-origins]") : null;
  if (!el || !api) return null;
  const list = origins(el.dataset.permissionOrigins);
  if (!list) return null;
  event.preventDefault();
  const then = el.dataset.permissionThen || "";
  return Promise.resolve(api.request({ origins: list }))
    .then((granted) => !!granted, (e) => { console.warn("Ponte: permissions.request:", e); return false; })
    .then((granted) => {
      const detail = { granted, origins: list, then, target: el };
      doc.dispatchEvent(new CustomEvent("ponte-permission", { detail }));
      return detail;
    });
}

// install listens on the document of an extension page (boot.js); nothing happens without the API.
export function install(doc = globalThis.document, api = permissionsAPI()) {
  if (!doc || !api) return false;
  doc.addEventListener("click", (event) => { onClick(event, api, doc); });
  return true;
}
