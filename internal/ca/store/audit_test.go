package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestAuditChain: every state change of a small history is in the log, in order, and VerifyAudit finds
// each kind of tampering done straight in the database: a record altered, a record altered with its hash
// recomputed, a record removed, a balance changed without a record.
func TestAuditChain(t *testing.T) { eachBackend(t, testAuditChain) }

func testAuditChain(t *testing.T, newURL backendURL) {
	ctx := context.Background()
	s := fresh(t, newURL)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.AddAccount(ctx, &Account{ID: "acc", PasswordHash: "h", Balance: 1000}))
	must(s.PutCert(ctx, cert("01", "")))
	must(s.CreateTxn(ctx, waitingTxn("t1", "01", 300)))
	must(s.Issue(ctx, "t1", cert("02", "01"), false, 1))
	must(s.Finish(ctx, "t1", StateRejected, 1)) // revoked and refunded
	must(s.CreateTxn(ctx, waitingTxn("t2", "01", 300)))
	must(s.Issue(ctx, "t2", cert("03", "01"), false, 1))
	must(s.Finish(ctx, "t2", StateConfirmed, 1))
	must(s.Credit(ctx, "acc", 50))
	must(s.Revoke(ctx, "01", 1, time.Now()))
	must(s.Refuse(ctx, Event{TransactionID: "t3", Detail: "p=cns kur failInfo=badPOP: invalid proof of possession"}))

	recs, err := s.Audit(ctx, 0, 100)
	must(err)
	var got []string
	for _, r := range recs {
		got = append(got, r.Event.Event+" "+r.TransactionID+" "+r.Serial)
	}
	want := []string{"credit  ", "issue  01", "charge t1 02", "issue t1 02", "revoke t1 02", "refund t1 02", "charge t2 03", "issue t2 03",
		"confirm t2 03", "credit  ", "revoke  01", "refusal t3 "}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("audit log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	rep, err := s.VerifyAudit(ctx)
	if err != nil || rep.Records != int64(len(want)) || rep.Balances["acc"] != 750 || rep.Head != recs[len(recs)-1].Hash {
		t.Fatalf("verify: %+v %v", rep, err)
	}

	revokedAt := fmt.Sprint(dbInt(t, s, `SELECT revoked_at FROM certs WHERE serial = '01'`))
	tamper := []tampering{
		{"amount altered", `UPDATE audit SET amount = 1 WHERE seq = 3`, `UPDATE audit SET amount = 300 WHERE seq = 3`, "record 3 was altered"},
		{"hash recomputed", `UPDATE audit SET detail = 'x', hash = '` + rehash(t, recs[4], "x") + `' WHERE seq = 5`,
			`UPDATE audit SET detail = '` + recs[4].Detail + `', hash = '` + recs[4].Hash + `' WHERE seq = 5`, "record 6 does not carry"},
		{"record removed", `DELETE FROM audit WHERE seq = 7`, `INSERT INTO audit SELECT * FROM audit_saved WHERE seq = 7`, "record 8 follows 6"},
		{"balance changed", `UPDATE accounts SET balance = balance + 100`, `UPDATE accounts SET balance = balance - 100`, "account acc has balance 850"},
		// The tail cut: what is left is a whole chain, but the certificates table still says 01 is revoked.
		{"tail cut", `DELETE FROM audit WHERE seq >= 11`, `INSERT INTO audit SELECT * FROM audit_saved WHERE seq >= 11`, "certificate 01 does not match"},
		{"revocation undone", `UPDATE certs SET revoked_at = 0 WHERE serial = '01'`, `UPDATE certs SET revoked_at = ` + revokedAt + ` WHERE serial = '01'`, "certificate 01 does not match"},
		{"revocation time altered", `UPDATE certs SET revoked_at = revoked_at - 86400 WHERE serial = '02'`, `UPDATE certs SET revoked_at = revoked_at + 86400 WHERE serial = '02'`, "certificate 02 does not match"},
		{"certificate without issuance", `INSERT INTO certs SELECT '99', der, subject, role, profile, not_before, not_after, spki_sha256, parent, lineage_start, lineage_renewals, issued_at, revoked_at, revocation_reason FROM certs WHERE serial = '03'`,
			`DELETE FROM certs WHERE serial = '99'`, "certificate 99 does not match"},
		{"confirmation cut", `UPDATE transactions SET state = 'confirmed' WHERE id = 't1'`, `UPDATE transactions SET state = 'rejected' WHERE id = 't1'`, "confirmation of transaction t1 is missing"},
	}
	sql := s.(*sqlStore).c()
	_, err = sql.exec(ctx, `CREATE TABLE audit_saved AS SELECT * FROM audit WHERE seq IN (7, 11, 12)`)
	must(err)
	checkTampering(t, s, tamper)
}

// rehash is r's hash with detail changed (an attacker who rewrites one record consistently).
func rehash(t *testing.T, r Record, detail string) string {
	t.Helper()
	r.Detail = detail
	return recordHash(&r)
}

// TestUpgradeFromVersion3: a database of schema version 3 (no audit log) opens at version 4 with an
// opening record per account, certificate, charge and confirmed transaction, and the log then accounts for
// the balances and the tables (a charge made before the log made every later verify fail).
func TestUpgradeFromVersion3(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir() + "/ca.db"
	s := open(t, path)
	if err := s.AddAccount(ctx, &Account{ID: "acc", PasswordHash: "h", Balance: 700}); err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{s.PutCert(ctx, cert("01", "")), s.CreateTxn(ctx, waitingTxn("t1", "01", 50)),
		s.Issue(ctx, "t1", cert("02", "01"), false, 2), s.Finish(ctx, "t1", StateConfirmed, 2),
		s.CreateTxn(ctx, waitingTxn("t2", "01", 50)), s.Issue(ctx, "t2", cert("03", "01"), false, 2), s.Finish(ctx, "t2", StateRejected, 2)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{`DROP TABLE audit`, `UPDATE accounts SET balance = 650`, `PRAGMA user_version = 3`} {
		if _, err := s.db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	s = open(t, path)
	recs, err := s.Audit(ctx, 0, 20)
	var got []string
	for _, r := range recs {
		got = append(got, fmt.Sprint(r.Event.Event, " ", r.Account, " ", r.Amount, " ", r.Serial, " ", r.TransactionID, " ", r.Detail))
	}
	want := []string{"open acc 650   ", "open  0 01  certificate", "open  0 02  certificate", "open  0 03  certificate revoked",
		"open acc 0 02 t1 charge", "open acc 0 03 t2 charge refunded", "open  0 02 t1 confirmed"}
	if err != nil || strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("audit after upgrade %v:\n%s\nwant:\n%s", err, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if rep, err := s.VerifyAudit(ctx); err != nil || rep.Balances["acc"] != 650 || len(rep.Balances) != 1 {
		t.Fatalf("verify after upgrade %+v %v", rep, err)
	}
}
