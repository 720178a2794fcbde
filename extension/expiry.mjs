// Expiry arithmetic for the reminders, with no browser API so `node --test` checks it (test/js).
// Thresholds: 30, 7 and 1 days before notAfter. 30 is the official advice to act "entro un mese dalla
// scadenza" (seed 003, ANPR guide §4); 7 and 1 are a subset of certmonger's 28/7/3/2/1 warnings.
"use strict";

export const THRESHOLDS = [30, 7, 1];
const DAY = 24 * 60 * 60 * 1000;

// daysLeft counts whole days from now to notAfter (RFC 3339 or YYYY-MM-DD), rounded down; NaN when the
// date cannot be read. An expired certificate gives a negative number.
export function daysLeft(notAfter, nowMs) {
  const t = Date.parse(notAfter);
  if (Number.isNaN(t) || !Number.isFinite(nowMs)) return NaN;
  return Math.floor((t - nowMs) / DAY);
}

// recordKey names one certificate across cards and files: the issuer and serial are unique per RFC 5280
// §4.1.2.2; a renewed certificate has a new serial and so its own reminders.
export function recordKey(r) {
  return `${r.issuer}|${r.serial}`;
}

// dueReminder says which reminder a certificate needs now: the smallest threshold it has crossed that was
// not fired yet (a browser closed for a week fires the 7-day one, not the 30-day one as well). sent holds
// the thresholds already fired for this certificate. It returns null when nothing is due, or when the
// certificate is already expired or revoked (the pages say so; a reminder can no longer help).
export function dueReminder(r, nowMs, sent = []) {
  const days = daysLeft(r.notAfter, nowMs);
  if (Number.isNaN(days) || days < 0 || r.revoked) return null; // a revoked certificate is replaced, not renewed
  let due = null;
  for (const th of THRESHOLDS) {
    if (days <= th) due = th; // THRESHOLDS is descending: the last match is the smallest crossed
  }
  if (due === null || sent.includes(due)) return null;
  return { threshold: due, days };
}

// plan lists the reminders to fire for every record, and the new "sent" table: when a threshold fires,
// every larger one counts as fired too.
export function plan(records, nowMs, sentTable = {}) {
  const fire = [];
  const sent = { ...sentTable };
  for (const r of records) {
    const key = recordKey(r);
    const d = dueReminder(r, nowMs, sent[key] || []);
    if (!d) continue;
    fire.push({ key, record: r, ...d });
    sent[key] = THRESHOLDS.filter((th) => th >= d.threshold);
  }
  return { fire, sent };
}

// validRecord checks a cached record strictly before it is trusted (it comes from storage the pages write).
export function validRecord(r) {
  return r !== null && typeof r === "object" &&
    ["card", "holder", "role", "notAfter", "serial", "issuer", "source"].every((k) => typeof r[k] === "string") &&
    r.serial !== "" && !Number.isNaN(Date.parse(r.notAfter));
}
