// Run by `node --test` (test/js/js_test.go runs it under `go test`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { daysLeft, dueReminder, plan, validRecord, THRESHOLDS } from "../../extension/expiry.mjs";

const rec = (notAfter, serial = "01") => ({
  card: "8038000000000001", holder: "ROSSI MARIO", role: "cns", notAfter, serial,
  issuer: "CN=Ponte Test CA", source: "card",
});
const at = (s) => Date.parse(s);

test("thresholds are 30, 7 and 1 days", () => {
  assert.deepEqual(THRESHOLDS, [30, 7, 1]);
});

test("daysLeft rounds down whole days and is negative once expired", () => {
  assert.equal(daysLeft("2026-12-31T12:00:00Z", at("2026-12-01T12:00:00Z")), 30);
  assert.equal(daysLeft("2026-12-31T12:00:00Z", at("2026-12-01T12:00:01Z")), 29);
  assert.equal(daysLeft("2026-12-31T12:00:00Z", at("2027-01-01T00:00:00Z")), -1);
  assert.ok(Number.isNaN(daysLeft("not a date", at("2026-12-01T00:00:00Z"))));
});

test("each threshold fires once, on the day it is crossed", () => {
  const r = rec("2027-03-31T10:00:00Z");
  assert.equal(dueReminder(r, at("2027-02-27T09:00:00Z")), null, "31 days before: nothing yet");
  assert.deepEqual(dueReminder(r, at("2027-03-01T10:00:00Z")), { threshold: 30, days: 30 });
  assert.equal(dueReminder(r, at("2027-03-02T10:00:00Z"), [30]), null, "30 already sent");
  assert.deepEqual(dueReminder(r, at("2027-03-24T10:00:00Z"), [30]), { threshold: 7, days: 7 });
  assert.deepEqual(dueReminder(r, at("2027-03-30T12:00:00Z"), [30, 7]), { threshold: 1, days: 0 });
  assert.equal(dueReminder(r, at("2027-04-01T00:00:00Z"), []), null, "expired: no reminder");
  assert.equal(dueReminder({ ...r, revoked: true }, at("2027-03-24T10:00:00Z"), []), null, "revoked: no reminder");
});

test("a browser closed for weeks fires only the most urgent reminder", () => {
  const r = rec("2027-03-31T10:00:00Z");
  const { fire, sent } = plan([r], at("2027-03-28T10:00:00Z"), {});
  assert.equal(fire.length, 1);
  assert.equal(fire[0].threshold, 7);
  assert.equal(fire[0].days, 3);
  assert.deepEqual(sent["CN=Ponte Test CA|01"], [30, 7]);
  assert.equal(plan([r], at("2027-03-29T10:00:00Z"), sent).fire.length, 0);
});

test("a renewed certificate (new serial) gets its own reminders", () => {
  const old = rec("2027-03-31T10:00:00Z", "01");
  const renewed = rec("2027-04-10T10:00:00Z", "02");
  const first = plan([old], at("2027-03-25T10:00:00Z"), {});
  const { fire } = plan([renewed], at("2027-03-25T10:00:00Z"), first.sent);
  assert.equal(fire.length, 1);
  assert.equal(fire[0].threshold, 30);
});

test("records are checked strictly", () => {
  assert.ok(validRecord(rec("2027-03-31T10:00:00Z")));
  assert.ok(!validRecord(null));
  assert.ok(!validRecord({ ...rec("2027-03-31"), serial: "" }));
  assert.ok(!validRecord({ ...rec("2027-03-31"), notAfter: "domani" }));
  assert.ok(!validRecord({ ...rec("2027-03-31"), holder: 7 }));
});

import { summarize } from "../../extension/hostbridge.mjs";

test("the portal summary keeps only what the panel shows, and skips removed cards", () => {
  const s = summarize({ readers: [
    { name: "R0", card: { id: "C1", holder: { surname: "ROSSI", name: "MARIO" }, family: { known: true, sigla: "ST 2021", name: "STM", drivers: ["safedive"] },
      token: { driver: "opensc", module: "/x.so" }, certificates: [{ role: "cns", notAfter: "2027-01-01T00:00:00Z", der: "AAAA" }] } },
    { name: "R1", card: { id: "C2", problem: { code: "CARD_REMOVED" } } },
    { name: "R2" },
  ] });
  assert.equal(s.readers, 3);
  assert.equal(s.cards.length, 1);
  assert.deepEqual(s.cards[0], { id: "C1", reader: "R0", holder: "ROSSI MARIO", family: "ST 2021 — STM", drivers: ["safedive"], loaded: "opensc",
    certs: [{ id: "", role: "cns", notAfter: "2027-01-01T00:00:00Z" }] });
  assert.deepEqual(summarize(null), { readers: 0, cards: [] });
});

import { pickLang, format, parse } from "../../extension/i18n.mjs";
import { readFileSync } from "node:fs";

test("the worker picks the language as the pages do and substitutes $1..$9", () => {
  assert.equal(pickLang("en-GB"), "en");
  assert.equal(pickLang("it-IT"), "it");
  assert.equal(pickLang("de-DE"), "it");
  assert.equal(pickLang(undefined), "it");
  const it = parse(readFileSync(new URL("../../extension/_locales/it/messages.json", import.meta.url), "utf8"));
  const en = parse(readFileSync(new URL("../../extension/_locales/en/messages.json", import.meta.url), "utf8"));
  assert.equal(format(it, "reminderTitle", ["7"]), "Certificato in scadenza tra 7 giorni: rinnova entro un mese dalla scadenza");
  assert.match(format(en, "reminderBody", ["ROSSI MARIO", "CNS", "31/03/2027"]), /^ROSSI MARIO – CNS: expires on 31\/03\/2027/);
  assert.equal(format(it, "noSuchKey"), "noSuchKey");
  assert.equal(format({ a: "x $2 $1" }, "A", ["1"]), "x $2 1");
});

// Promise L2 (docs/lifecycle.md): a revoked or suspended certificate
// is never reminded. Over every day from 40 before expiry to 2 after, every subset of thresholds already
// sent, and both revocation states.
test("property: a revoked certificate is never reminded, whatever the day and the reminders sent", () => {
  const end = "2027-03-31T10:00:00Z";
  const subsets = [[], [30], [30, 7], [7], [1], [30, 7, 1]];
  let n = 0;
  for (let d = -40; d <= 2; d++) {
    const now = at(end) + d * 24 * 3600 * 1000;
    for (const sent of subsets) {
      for (const reason of [1, 5, 6]) {
        const r = { ...rec(end), revoked: true, status: { state: "revoked", reason } };
        assert.equal(dueReminder(r, now, sent), null, `day ${d}, sent ${sent}, reason ${reason}`);
        const { fire } = plan([r], now, { [`${r.issuer}|${r.serial}`]: sent });
        assert.equal(fire.length, 0);
        n++;
      }
    }
  }
  assert.equal(n, 43 * 6 * 3);
});
