// Property tests of the page API's validators against hostile input (issue 15): the worker's
// checkRequest and the content script pagebridge.js, over the shared cases of
// internal/pageapi/testdata/requests.json (the Go side runs the same file) and over generated mutations
// of them. A seeded generator keeps every run the same and bounded.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import vm from "node:vm";
import { checkRequest, secureOrigin, NONCE_MIN, NONCE_MAX } from "../../extension/pageapi.mjs";

const root = new URL("../../", import.meta.url);
const { cases } = JSON.parse(readFileSync(new URL("internal/pageapi/testdata/requests.json", root)));
const codes = new Set(JSON.parse(readFileSync(new URL("extension/pageapi-codes.json", root))).codes.map((c) => c.code));
const origins = JSON.parse(readFileSync(new URL("internal/pageapi/testdata/origins.json", root)));

// rng: a small deterministic generator (mulberry32).
function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pick = (r, xs) => xs[Math.floor(r() * xs.length)];
function randomString(r) {
  const alphabet = "AZaz09+/=-_ %\u0000\u00e8\ud83d\ude00.:";
  const n = pick(r, [0, 1, 3, 43, 44, 45, 64, 88, 172, 173, 200, 201, 5000]);
  let s = "";
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(r() * alphabet.length)];
  return s;
}
function randomValue(r) {
  return pick(r, [() => randomString(r), () => Buffer.from(randomString(r)).toString("base64"), () => Math.floor(r() * 1e6), () => null,
    () => undefined, () => ({ toString: "x" }), () => [randomString(r)], () => true, () => "SHA-256", () => "cns", () => "signature",
    () => "authenticate", () => "sign", () => Buffer.alloc(pick(r, [31, 32, 48, 64, 128, 129]), 5).toString("base64")])();
}
const FIELDS = ["ponte", "id", "type", "role", "card", "alg", "hash", "nonce", "__proto__", "constructor", "extra"];

function mutate(r, req) {
  const m = { ...req };
  for (let k = 0, n = 1 + Math.floor(r() * 3); k < n; k++) {
    const f = pick(r, FIELDS);
    if (r() < 0.2) delete m[f];
    else Object.defineProperty(m, f, { value: randomValue(r), enumerable: true, configurable: true, writable: true });
  }
  return m;
}

// accepted: what checkRequest returns must be exactly what each type allows, in the right shapes.
function assertAccepted(req, out) {
  const keys = { status: ["type"], certificate: ["type", "role", "card"], sign: ["type", "role", "card", "alg", "hash"], authenticate: ["type", "role", "card", "nonce"] }[out.type];
  assert.ok(keys, `unknown type accepted: ${JSON.stringify(out)}`);
  assert.deepEqual(Object.keys(out).sort(), [...keys].sort(), JSON.stringify(req));
  for (const k of keys) assert.equal(typeof out[k], "string", `${k} of ${JSON.stringify(out)}`);
  assert.equal(req.ponte, 1);
  assert.ok(typeof req.id === "string" && req.id.length >= 1 && req.id.length <= 64);
  if (out.type === "sign") {
    assert.equal(out.role, "signature", "only the signature key signs a page's digest");
    assert.equal(Buffer.from(out.hash, "base64").length, { "SHA-256": 32, "SHA-384": 48, "SHA-512": 64 }[out.alg]);
  }
  if (out.type === "authenticate") {
    const b = Buffer.from(out.nonce, "base64");
    assert.ok(b.length >= NONCE_MIN && b.length <= NONCE_MAX && b.toString("base64") === out.nonce, out.nonce);
    assert.equal(out.role, "cns");
  }
}

test("the shared request cases give the same outcome as on the Go side", () => {
  for (const c of cases) {
    if (c.ok) assert.equal(checkRequest(c.request).type, c.ok, JSON.stringify(c.request));
    else assert.throws(() => checkRequest(c.request), (e) => e.code === c.code, JSON.stringify(c.request));
  }
});

test("property: any mutation of a request is either accepted in shape or refused with a table code", () => {
  const r = rng(15);
  let accepted = 0, refused = 0;
  for (let i = 0; i < 3000; i++) {
    const req = mutate(r, pick(r, cases).request);
    let out;
    try {
      out = checkRequest(req);
    } catch (e) {
      assert.ok(codes.has(e.code), `unknown code ${e.code} for ${JSON.stringify(req)}`);
      refused++;
      continue;
    }
    assertAccepted(req, out);
    accepted++;
  }
  assert.ok(accepted > 100 && refused > 100, `accepted ${accepted}, refused ${refused}`); // the generator reaches both sides
});

test("property: secureOrigin accepts only https or this computer's http", () => {
  const r = rng(7);
  const hosts = ["localhost", "a.localhost", "127.0.0.1", "127.1.2.3", "[::1]", "10.0.0.1", "firma.example.it", "localhost.evil", "127.0.0.1.evil.it", "[::2]"];
  for (const c of origins.secure) assert.equal(secureOrigin(c.origin), c.secure, c.origin);
  for (let i = 0; i < 2000; i++) {
    const o = pick(r, ["https://", "http://", "ftp://", "HTTP://", "javascript:", ""]) + pick(r, hosts) + pick(r, ["", ":8080", ":0", "/", "/x", ":99999"]);
    if (!secureOrigin(o)) continue;
    const u = new URL(o);
    assert.ok(u.protocol === "https:" || (u.protocol === "http:" && /^(localhost|.+\.localhost|127\.\d+\.\d+\.\d+|\[::1\])$/.test(u.hostname)), o);
    assert.ok(u.origin === o || u.origin + "/" === o, o);
  }
});

// The content script under generated messages: it forwards only string fields it knows (or null),
// answers only its own window's origin, and ignores what is not a request.
test("property: pagebridge.js forwards only known fields and posts only to the page's origin", async () => {
  const origin = "https://firma.example.it";
  const listeners = [];
  const posted = [];
  const w = { location: { origin }, addEventListener: (t, f) => t === "message" && listeners.push(f), postMessage: (d, target) => posted.push(target) };
  w.top = w;
  w.window = w;
  w.isSecureContext = true;
  const sent = [];
  const chrome = { runtime: { sendMessage: async (m) => { sent.push(m); return { type: "error", error: { code: "BAD_REQUEST" } }; } } };
  vm.runInContext(readFileSync(new URL("extension/pagebridge.js", root), "utf8"), vm.createContext({ window: w, location: w.location, chrome, navigator: { language: "it" } }));
  const r = rng(42);
  for (let i = 0; i < 500; i++) {
    const data = r() < 0.1 ? randomValue(r) : mutate(r, pick(r, cases).request);
    const source = r() < 0.1 ? {} : w;
    const from = r() < 0.1 ? "https://evil.example" : origin;
    for (const f of listeners) f({ data, source, origin: from });
  }
  await new Promise((res) => setTimeout(res, 10));
  assert.ok(sent.length > 50, `${sent.length} forwarded`);
  for (const m of sent) {
    const req = JSON.parse(JSON.stringify(m.request));
    for (const [k, v] of Object.entries(req)) {
      assert.ok(["ponte", "id", "type", "role", "card", "alg", "hash", "nonce"].includes(k), `field ${k} forwarded`);
      if (!["ponte", "id", "type"].includes(k)) assert.ok(v === null || (typeof v === "string" && v.length <= 200), `${k}: ${v}`);
    }
    assert.ok(["status", "certificate", "authenticate", "sign"].includes(req.type));
    assert.ok(typeof req.id === "string" && req.id.length <= 64);
  }
  assert.ok(posted.every((t) => t === origin), "a post to another origin");
});
