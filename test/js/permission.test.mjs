// Run by `node --test` (test/js/js_test.go runs it under `go test`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { origins, onClick, install, permissionsAPI } from "../../extension/permission.mjs";

test("origins: space-separated http(s) host patterns only", () => {
  assert.deepEqual(origins("http://127.0.0.1/*"), ["http://127.0.0.1/*"]);
  assert.deepEqual(origins(" https://ocsp.example.it/*  http://*/*  https://ocsp.example.it/* "), ["https://ocsp.example.it/*", "http://*/*"]);
  assert.deepEqual(origins("https://*.actalis.it/*"), ["https://*.actalis.it/*"]);
  assert.deepEqual(origins("http://[::1]/*"), ["http://[::1]/*"]);
  for (const bad of ["", "   ", undefined, "<all_urls>", "file:///*", "https://x.it/path/*", "https://x.it:8443/*",
    "https://x.it/*\" onclick=", "javascript:alert(1)", "https://x.it/* ftp://y/*", "https://a.it/* ".repeat(9) + "https://z.it/*"]) {
    assert.equal(origins(bad), null, String(bad));
  }
});

test("permissionsAPI prefers browser.*, then chrome.*, else null", () => {
  const b = { request() {} }, c = { request() {} };
  assert.equal(permissionsAPI({ browser: { permissions: b }, chrome: { permissions: c } }), b);
  assert.equal(permissionsAPI({ chrome: { permissions: c } }), c);
  assert.equal(permissionsAPI({}), null);
});

// A fake page: a button inside a paragraph, the click on an inner span.
function page(dataset) {
  const events = [];
  const button = { dataset, closest: (sel) => (sel === "[data-permission-origins]" && "permissionOrigins" in dataset ? button : null) };
  const span = { closest: (sel) => button.closest(sel) };
  const doc = {
    listeners: [],
    addEventListener(type, f) { this.listeners.push([type, f]); },
    dispatchEvent(e) { events.push(e); return true; },
  };
  return { button, span, doc, events };
}

function fakeAPI(answer) {
  const api = { calls: [], request(p) { this.calls.push({ p }); return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer); } };
  return api;
}

test("a click on a permission button asks inside the click, then tells the page", async () => {
  const { span, doc, events, button } = page({ permissionOrigins: "http://127.0.0.1/*", permissionThen: "status-recheck" });
  const api = fakeAPI(true);
  let prevented = false;
  const p = onClick({ target: span, preventDefault: () => { prevented = true; } }, api, doc);
  assert.equal(api.calls.length, 1, "permissions.request called synchronously in the handler");
  assert.deepEqual(api.calls[0].p, { origins: ["http://127.0.0.1/*"] });
  assert.equal(prevented, true);
  const detail = await p;
  assert.deepEqual({ ...detail, target: undefined }, { granted: true, origins: ["http://127.0.0.1/*"], then: "status-recheck", target: undefined });
  assert.equal(detail.target, button);
  assert.equal(events.length, 1);
  assert.equal(events[0].type, "ponte-permission");
  assert.equal(events[0].detail.granted, true);
});

test("refused or failed requests report granted: false", async () => {
  for (const answer of [false, new Error("user gesture required")]) {
    const { span, doc, events } = page({ permissionOrigins: "https://ocsp.example.it/*" });
    const d = await onClick({ target: span, preventDefault() {} }, fakeAPI(answer), doc);
    assert.equal(d.granted, false);
    assert.equal(d.then, "");
    assert.equal(events[0].detail.granted, false);
  }
});

test("other clicks, bad patterns and pages without the API ask nothing", () => {
  const api = fakeAPI(true);
  const other = page({ action: "rescan" });
  assert.equal(onClick({ target: other.span, preventDefault() {} }, api, other.doc), null);
  const bad = page({ permissionOrigins: "<all_urls>" });
  assert.equal(onClick({ target: bad.span, preventDefault() {} }, api, bad.doc), null);
  const ok = page({ permissionOrigins: "http://*/*" });
  assert.equal(onClick({ target: ok.span, preventDefault() {} }, null, ok.doc), null);
  assert.equal(api.calls.length, 0);
  assert.equal(install(ok.doc, null), false);
  assert.equal(install(ok.doc, api), true);
  assert.equal(ok.doc.listeners[0][0], "click");
});
