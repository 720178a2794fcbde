// Run by `node --test` (test/js/js_test.go runs it under `go test`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { statusDue, dueKeys, newlyRevoked, WEEK, RETRY_AFTER, MAX_RETRIES } from "../../extension/status.mjs";

const at = (s) => Date.parse(s);
const rec = (status, extra = {}) => ({
  card: "8038000000000001", holder: "ROSSI MARIO", role: "cns", notAfter: "2028-01-01T00:00:00Z",
  serial: "01", issuer: "CN=Ponte Test CA", source: "card", der: "MIIB", status, ...extra,
});

test("a week between good checks, never checked is due at once", () => {
  assert.equal(WEEK, 7 * 24 * 3600 * 1000);
  assert.equal(statusDue(rec(undefined), at("2027-01-01T00:00:00Z")), true);
  const good = rec({ state: "good", checked: "2027-01-01T00:00:00Z", lastGood: "2027-01-01T00:00:00Z" });
  assert.equal(statusDue(good, at("2027-01-07T23:59:59Z")), false, "six days later");
  assert.equal(statusDue(good, at("2027-01-08T00:00:00Z")), true, "seven days later");
  const none = rec({ state: "none", checked: "2027-01-01T00:00:00Z" });
  assert.equal(statusDue(none, at("2027-01-02T00:00:00Z")), false, "not checkable: asked again weekly");
  assert.equal(statusDue(none, at("2027-01-08T00:00:00Z")), true);
});

test("revoked, expired or without the certificate's bytes: never asked", () => {
  const now = at("2027-06-01T00:00:00Z");
  assert.equal(statusDue(rec({ state: "revoked", checked: "2026-01-01T00:00:00Z" }), now), false);
  assert.equal(statusDue(rec(undefined, { notAfter: "2027-05-31T00:00:00Z" }), now), false);
  assert.equal(statusDue(rec(undefined, { der: undefined }), now), false);
  assert.equal(statusDue(rec(undefined, { notAfter: "garbage" }), now), false);
  assert.equal(statusDue(null, now), false);
});

test("a suspended certificate (certificateHold) is asked again weekly: it may be reactivated", () => {
  const held = rec({ state: "revoked", reason: 6, checked: "2027-01-01T00:00:00Z", revokedAt: "2026-12-31T00:00:00Z" });
  assert.equal(statusDue(held, at("2027-01-07T23:59:59Z")), false);
  assert.equal(statusDue(held, at("2027-01-08T00:00:00Z")), true);
  assert.equal(statusDue({ ...held, status: { ...held.status, reason: 1 } }, at("2027-02-01T00:00:00Z")), false, "revoked for good: never again");
  assert.deepEqual(newlyRevoked({ "x|01": held }).notify, [], "a suspension is not announced as a revocation");
});

test("a responder that did not answer: retried daily MAX_RETRIES times, then weekly", () => {
  assert.equal(RETRY_AFTER, 24 * 3600 * 1000);
  const t0 = "2027-01-01T00:00:00Z";
  for (let f = 1; f <= MAX_RETRIES; f++) {
    const r = rec({ state: "unverified", checked: t0, lastGood: "2026-12-01T00:00:00Z", failures: f });
    assert.equal(statusDue(r, at("2027-01-01T23:00:00Z")), false, `failure ${f}: not within the day`);
    assert.equal(statusDue(r, at("2027-01-02T00:00:00Z")), true, `failure ${f}: the next day`);
  }
  const tired = rec({ state: "unverified", checked: t0, failures: MAX_RETRIES + 1 });
  assert.equal(statusDue(tired, at("2027-01-05T00:00:00Z")), false, "retries used up: wait the week");
  assert.equal(statusDue(tired, at("2027-01-08T00:00:00Z")), true);
});

test("a check time in the future (clock moved back) asks again", () => {
  assert.equal(statusDue(rec({ state: "good", checked: "2030-01-01T00:00:00Z" }), at("2027-01-01T00:00:00Z")), true);
  assert.equal(statusDue(rec({ state: "good", checked: "not a date" }), at("2027-01-01T00:00:00Z")), true);
});

test("dueKeys picks the due records of a cache", () => {
  const cache = {
    "b|02": rec(undefined, { serial: "02" }),
    "a|01": rec(undefined),
    "c|03": rec({ state: "good", checked: "2027-01-01T00:00:00Z" }, { serial: "03" }),
  };
  assert.deepEqual(dueKeys(cache, at("2027-01-02T00:00:00Z")), ["a|01", "b|02"]);
  assert.deepEqual(dueKeys({}, 0), []);
  assert.deepEqual(dueKeys(undefined, 0), []);
});

test("a revocation is announced once; keys gone from the cache are forgotten", () => {
  const cache = {
    "x|01": rec({ state: "revoked", checked: "2027-01-01T00:00:00Z", revokedAt: "2026-12-31T00:00:00Z", reason: 1 }),
    "x|02": rec({ state: "good", checked: "2027-01-01T00:00:00Z" }, { serial: "02" }),
  };
  const first = newlyRevoked(cache, ["x|09"]);
  assert.deepEqual(first.notify.map((n) => n.key), ["x|01"]);
  assert.deepEqual(first.announced, ["x|01"]);
  const second = newlyRevoked(cache, first.announced);
  assert.deepEqual(second.notify, []);
});
