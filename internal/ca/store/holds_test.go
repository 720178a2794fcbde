package store

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestHolds (docs/ca-profiles.md, "Suspension and reactivation", on both backends): a hold, its
// reactivation, a second hold made permanent, a third left to expire swept by several instances at once
// (handles on one database: one hold-expired record, one row ended), each in the audit log; then
// VerifyAudit finds a suspension cut from the log, a certificate un-revoked in the table, a window
// extended in the table and a hold row removed.
func TestHolds(t *testing.T) { eachBackend(t, testHolds) }

func testHolds(t *testing.T, newURL backendURL) {
	ctx := context.Background()
	url := newURL(t)
	s := openURL(t, url)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now().UTC().Truncate(time.Second)
	for _, serial := range []string{"01", "02", "03"} {
		must(s.PutCert(ctx, cert(serial, "")))
	}
	hold := func(serial string, until time.Time) HoldRecord {
		return HoldRecord{Serial: serial, By: serial, Holder: "RSSMRA80A01H501U", HeldAt: now.Add(-time.Hour), Until: until}
	}
	must(s.Hold(ctx, hold("01", now.Add(time.Hour))))
	if err := s.Hold(ctx, hold("01", now.Add(time.Hour))); !errors.Is(err, ErrState) {
		t.Fatalf("second hold: %v", err)
	}
	must(s.EndHold(ctx, "01", "", HoldReactivated, 0, now))
	if err := s.EndHold(ctx, "01", "", HoldReactivated, 0, now); !errors.Is(err, ErrState) {
		t.Fatalf("second reactivation: %v", err)
	}
	must(s.Hold(ctx, hold("02", now.Add(time.Hour))))
	must(s.EndHold(ctx, "02", "", HoldRevoked, 1, now))
	must(s.Hold(ctx, hold("03", now.Add(-time.Second))))

	// Four instances sweep at once: the hold ends once.
	var wg sync.WaitGroup
	counts := make([]int, 4)
	for i := range counts {
		h := openURL(t, url)
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := h.ExpireHolds(ctx, now)
			if err != nil {
				t.Error(err)
			}
			counts[i] = n
		}()
	}
	wg.Wait()
	if total := counts[0] + counts[1] + counts[2] + counts[3]; total != 1 {
		t.Fatalf("sweeps ended %v holds, want 1 in all", counts)
	}
	for serial, want := range map[string][2]int64{"01": {0, 0}, "02": {1, 1}, "03": {1, 0}} {
		revoked := dbInt(t, s, `SELECT count(*) FROM certs WHERE serial = ? AND revoked_at != 0`, serial)
		reason := dbInt(t, s, `SELECT revocation_reason FROM certs WHERE serial = ?`, serial)
		if revoked != want[0] || reason != want[1] {
			t.Fatalf("cert %s: revoked %d reason %d, want %v", serial, revoked, reason, want)
		}
	}
	if n := dbInt(t, s, `SELECT count(*) FROM holds WHERE ended_at = 0`); n != 0 {
		t.Fatalf("%d holds still open", n)
	}
	if hs, err := s.Holds(ctx, "03"); err != nil || len(hs) != 1 || hs[0].Outcome != HoldExpired {
		t.Fatalf("holds of 03: %+v %v", hs, err)
	}
	recs, err := s.Audit(ctx, 0, 100)
	must(err)
	var got []string
	for _, r := range recs {
		got = append(got, r.Event.Event+" "+r.Serial)
	}
	want := []string{"issue 01", "issue 02", "issue 03", "suspend 01", "reactivate 01", "suspend 02", "revoke 02", "suspend 03", "hold-expired 03"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("audit log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := s.VerifyAudit(ctx); err != nil {
		t.Fatal(err)
	}

	// A fourth hold, open, then tampering straight in the database.
	must(s.Hold(ctx, hold("01", now.Add(time.Hour))))
	last := int64(len(want) + 1)
	sql := s.(*sqlStore).c()
	_, err = sql.exec(ctx, `CREATE TABLE audit_saved AS SELECT * FROM audit WHERE seq = ?`, last)
	must(err)
	_, err = sql.exec(ctx, `CREATE TABLE holds_saved AS SELECT * FROM holds WHERE serial = '02'`)
	must(err)
	// The revocation times, put back as they were: VerifyAudit checks them (a hold's since ca-scale).
	rev02, rev03 := itoa(dbInt(t, s, `SELECT revoked_at FROM certs WHERE serial = '02'`)), itoa(dbInt(t, s, `SELECT revoked_at FROM certs WHERE serial = '03'`))
	checkTampering(t, s, []tampering{
		{"suspension cut", `DELETE FROM audit WHERE seq = ` + itoa(last), `INSERT INTO audit SELECT * FROM audit_saved`, "certificate 01 does not match"},
		{"suspension cut, certificate put back", `DELETE FROM audit WHERE seq = ` + itoa(last) + `; UPDATE certs SET revoked_at = 0, revocation_reason = 0 WHERE serial = '01'`,
			`INSERT INTO audit SELECT * FROM audit_saved; UPDATE certs SET revoked_at = (SELECT held_at FROM holds WHERE serial = '01' AND ended_at = 0), revocation_reason = 6 WHERE serial = '01'`, "suspensions of certificate 01"},
		{"suspension time moved", `UPDATE certs SET revoked_at = revoked_at - 86400 WHERE serial = '01'`, `UPDATE certs SET revoked_at = revoked_at + 86400 WHERE serial = '01'`, "certificate 01"},
		{"un-revoked", `UPDATE certs SET revoked_at = 0, revocation_reason = 0 WHERE serial = '02'`, `UPDATE certs SET revoked_at = ` + rev02 + `, revocation_reason = 1 WHERE serial = '02'`, "certificate 02 does not match"},
		{"expired un-revoked", `UPDATE certs SET revoked_at = 0 WHERE serial = '03'`, `UPDATE certs SET revoked_at = ` + rev03 + ` WHERE serial = '03'`, "certificate 03 does not match"},
		{"window extended", `UPDATE holds SET until = until + 86400 WHERE ended_at = 0`, `UPDATE holds SET until = until - 86400 WHERE ended_at = 0`, "suspensions of certificate 01"},
		{"reason changed", `UPDATE certs SET revocation_reason = 1 WHERE serial = '01'`, `UPDATE certs SET revocation_reason = 6 WHERE serial = '01'`, "certificate 01"},
		// A permanent revocation turned into a hold with no holds row (as `revoke --reason 6` leaves): the
		// operator's reactivate would then lift it, with a valid log.
		{"revocation made a hold", `UPDATE certs SET revocation_reason = 6 WHERE serial = '02'`, `UPDATE certs SET revocation_reason = 1 WHERE serial = '02'`, "certificate 02 does not match"},
		{"expiry made a hold", `UPDATE certs SET revocation_reason = 6 WHERE serial = '03'`, `UPDATE certs SET revocation_reason = 0 WHERE serial = '03'`, "certificate 03 does not match"},
		{"hold removed", `DELETE FROM holds WHERE serial = '02'`, `INSERT INTO holds SELECT * FROM holds_saved`, "suspensions of certificate 02"},
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestUpgradeFromVersion4Either: schema 4 meant the holds table on the lifecycle branch (no audit log) and
// the audit log on the store's branch (no holds). A SQLite database of either kind opens at version 5
// whole: the first gets a log opening with its certificates and holds (the open one with its window), the
// second a holds table; both then verify, and a hold made after the upgrade ends normally.
func TestUpgradeFromVersion4Either(t *testing.T) {
	ctx := context.Background()
	for _, kind := range []struct{ name, drop string }{{"holds, no audit", `DROP TABLE audit`}, {"audit, no holds", `DROP TABLE holds`}} {
		t.Run(kind.name, func(t *testing.T) {
			path := t.TempDir() + "/ca.db"
			s := open(t, path)
			now := time.Now().UTC().Truncate(time.Second)
			steps := []error{s.PutCert(ctx, cert("01", "")), s.PutCert(ctx, cert("02", ""))}
			if kind.drop == `DROP TABLE audit` { // the store's schema 4 had no holds to make
				steps = append(steps, s.Hold(ctx, HoldRecord{Serial: "01", By: "01", Holder: "X", HeldAt: now, Until: now.Add(time.Hour)}),
					s.Hold(ctx, HoldRecord{Serial: "02", By: "02", Holder: "X", HeldAt: now, Until: now.Add(time.Hour)}),
					s.EndHold(ctx, "02", "", HoldReactivated, 0, now))
			}
			for _, err := range steps {
				if err != nil {
					t.Fatal(err)
				}
			}
			for _, q := range []string{kind.drop, `PRAGMA user_version = 4`} {
				if _, err := s.db.Exec(q); err != nil {
					t.Fatal(err)
				}
			}
			s.Close()
			s = open(t, path)
			if v := dbInt(t, s, `PRAGMA user_version`); v != schemaVersion || schemaVersion != 5 {
				t.Fatalf("version %d", v)
			}
			if _, err := s.VerifyAudit(ctx); err != nil {
				t.Fatal(err)
			}
			if kind.drop == `DROP TABLE holds` {
				if err := s.Hold(ctx, HoldRecord{Serial: "02", By: "02", Holder: "X", HeldAt: now, Until: now.Add(time.Hour)}); err != nil {
					t.Fatal(err)
				}
			} else if h, err := s.ActiveHold(ctx, "01"); err != nil || h.Until.Unix() != now.Add(time.Hour).Unix() {
				t.Fatalf("hold kept through the upgrade: %+v %v", h, err)
			}
			if err := s.EndHold(ctx, map[bool]string{true: "02", false: "01"}[kind.drop == `DROP TABLE holds`], "", HoldRevoked, 1, now); err != nil {
				t.Fatal(err)
			}
			if _, err := s.VerifyAudit(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestReactivationBySignerRevoked (both backends): a hold lifted by a request another certificate signed
// (the card's other certificate) is refused when that signer is revoked — also when the revocation lands
// between the CA's check of the signer and EndHold (attack on #19: the check ran outside the locks). Raced
// here: a revocation of the signer and the reactivation it signed, from two handles, 8 rounds; the
// reactivation either happened first (the revocation comes after it in the log) or was refused.
func TestReactivationBySignerRevoked(t *testing.T) { eachBackend(t, testReactivationBySignerRevoked) }

func testReactivationBySignerRevoked(t *testing.T, newURL backendURL) {
	ctx := context.Background()
	url := newURL(t)
	s, other := openURL(t, url), openURL(t, url)
	now := time.Now().UTC().Truncate(time.Second)
	for round := range 8 {
		signer, held := strconv.Itoa(10+2*round), strconv.Itoa(11+2*round)
		for _, serial := range []string{signer, held} {
			if err := s.PutCert(ctx, cert(serial, "")); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Hold(ctx, HoldRecord{Serial: held, By: signer, Holder: "RSSMRA80A01H501U", HeldAt: now, Until: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var revErr, endErr error
		wg.Add(2)
		go func() { defer wg.Done(); revErr = other.Revoke(ctx, signer, 1, now) }()
		go func() { defer wg.Done(); endErr = s.EndHold(ctx, held, signer, HoldReactivated, 0, now) }()
		wg.Wait()
		if revErr != nil {
			t.Fatalf("round %d: revoking the signer: %v", round, revErr)
		}
		heldRevoked := dbInt(t, s, `SELECT revoked_at FROM certs WHERE serial = '`+held+`'`) != 0
		switch {
		case endErr == nil && heldRevoked:
			t.Fatalf("round %d: reactivated, yet the certificate is still revoked", round)
		case endErr != nil && !errors.Is(endErr, ErrSignerRevoked):
			t.Fatalf("round %d: reactivation: %v", round, endErr)
		case endErr != nil && !heldRevoked:
			t.Fatalf("round %d: refused, yet the hold was lifted", round)
		}
	}
	// After the races, a revoked signer is always refused.
	if err := s.PutCert(ctx, cert("40", "")); err != nil {
		t.Fatal(err)
	}
	if err := s.Hold(ctx, HoldRecord{Serial: "40", By: "10", Holder: "RSSMRA80A01H501U", HeldAt: now, Until: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := s.EndHold(ctx, "40", "10", HoldReactivated, 0, now); !errors.Is(err, ErrSignerRevoked) {
		t.Fatalf("reactivation signed by a revoked certificate: %v, want ErrSignerRevoked", err)
	}
	if _, err := s.VerifyAudit(ctx); err != nil {
		t.Fatal(err)
	}
}
