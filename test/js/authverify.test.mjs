// The Node helper for sites (examples/page-api/authverify.mjs) on the vectors the Go package writes and
// checks (examples/page-api/authverify/testdata/vectors.json): both accept and refuse the same tokens.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { verify, checkNonce, newNonce } from "../../examples/page-api/authverify.mjs";

const root = new URL("../../", import.meta.url);
const vectors = JSON.parse(readFileSync(new URL("examples/page-api/authverify/testdata/vectors.json", root)));

test("the shared vectors: valid tokens pass, changed ones are refused", () => {
  assert.ok(vectors.length >= 6);
  for (const v of vectors) {
    const run = () => verify(v.token, { origin: v.origin, nonce: v.nonce, roots: [v.root], now: new Date(v.now) });
    if (v.valid) assert.match(run().subject, /ROSSI MARIO/, v.name);
    else assert.throws(run, /authverify/, v.name);
  }
});

test("every field of a valid token matters", () => {
  const v = vectors.find((x) => x.valid);
  const opts = { origin: v.origin, nonce: v.nonce, roots: [v.root], now: new Date(v.now) };
  const flip = (s) => (s[10] === "A" ? s.slice(0, 10) + "B" + s.slice(11) : s.slice(0, 10) + "A" + s.slice(11));
  for (const [name, tok, o] of [
    ["signature", { ...v.token, signature: flip(v.token.signature) }, opts],
    ["format", { ...v.token, format: "web-eid:1.0" }, opts],
    ["algorithm", { ...v.token, algorithm: "PS256" }, opts],
    ["nonce", v.token, { ...opts, nonce: newNonce() }],
    ["no roots", v.token, { ...opts, roots: [] }],
  ]) assert.throws(() => verify(tok, o), /authverify/, name);
});

test("checkNonce: canonical base64 of 32 to 128 bytes only", () => {
  const b = (n) => Buffer.alloc(n, 9).toString("base64");
  for (const ok of [b(32), b(128), newNonce()]) checkNonce(ok);
  for (const bad of [b(31), b(129), "", b(32).replace(/=+$/, ""), b(32) + "\n", b(32).replace("J", "-"), 42]) {
    assert.throws(() => checkNonce(bad), /nonce/, String(bad));
  }
});

test("a token forged through sign with the signature key is refused for its certificate, not by chance", () => {
  const forged = vectors.filter((v) => v.name.includes("sign forgery"));
  assert.ok(forged.length >= 4);
  for (const v of forged) {
    assert.throws(() => verify(v.token, { origin: v.origin, nonce: v.nonce, roots: [v.root], now: new Date(v.now) }),
      /nonRepudiation|not for digital signatures/, v.name);
  }
});
