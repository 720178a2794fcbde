// When the weekly OCSP status check (RFC 6960) is due, and which revocations to announce. No browser API,
// so `node --test` checks it (test/js). The check itself runs in Go (internal/certwatch, through the
// WASM module's watch mode) and writes record.status: {state, checked, lastGood, failures, revokedAt,
// reason, responder, detail} (internal/certcache/status.go).
"use strict";

const DAY = 24 * 60 * 60 * 1000;
export const WEEK = 7 * DAY;
// A responder that did not answer is asked again the next day, MAX_RETRIES times; then weekly again.
// The daily alarm is the retry clock, so a responder that is down costs one request a day at most.
export const RETRY_AFTER = DAY;
export const MAX_RETRIES = 3;
// CRLReason certificateHold (RFC 5280 §5.3.1): a suspension.
export const CERTIFICATE_HOLD = 6;

// statusDue says whether a record's status check is due at nowMs: never checked, or checked a week ago,
// or a bounded retry after a failure. A certificate that is expired, revoked for good, or that was not
// stored with its bytes (der) is not asked.
export function statusDue(r, nowMs) {
  if (!r || typeof r !== "object" || typeof r.der !== "string" || r.der === "") return false;
  const end = Date.parse(r.notAfter);
  if (Number.isNaN(end) || end <= nowMs) return false;
  const s = r.status;
  if (!s || typeof s !== "object") return true;
  // A revocation is final (RFC 5280 §5.3.1); a suspension (certificateHold, reason 6) may be lifted by the
  // holder within the CA's window (docs/ca-profiles.md), so it is asked again weekly like a good one.
  if (s.state === "revoked" && s.reason !== CERTIFICATE_HOLD) return false;
  const last = Date.parse(s.checked);
  if (Number.isNaN(last) || last > nowMs) return true; // a clock that went back: ask again
  const failures = Number.isInteger(s.failures) ? s.failures : 0;
  const wait = failures >= 1 && failures <= MAX_RETRIES ? RETRY_AFTER : WEEK;
  return nowMs - last >= wait;
}

// dueKeys lists the keys of the cache ({key: record}) whose check is due, sorted.
export function dueKeys(cache, nowMs) {
  return Object.keys(cache || {}).filter((k) => statusDue(cache[k], nowMs)).sort();
}

// newlyRevoked lists the revoked records not announced yet, and the new list of announced keys (only keys
// still in the cache are kept, so the list does not grow for ever).
export function newlyRevoked(cache, announced = []) {
  const notify = [];
  const keep = [];
  for (const [key, r] of Object.entries(cache || {})) {
    // A suspension is not announced as a revocation; if it expires into one, that is announced then.
    if (!r || !r.status || r.status.state !== "revoked" || r.status.reason === CERTIFICATE_HOLD) continue;
    keep.push(key);
    if (!announced.includes(key)) notify.push({ key, record: r });
  }
  notify.sort((a, b) => (a.key < b.key ? -1 : 1));
  return { notify, announced: keep.sort() };
}
