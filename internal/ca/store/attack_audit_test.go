package store

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestAuditRevocationTimesOfHolds (attack, issue #19): the revocation time of a suspended certificate —
// on hold, made permanent, or expired — is in its certs row (and, for an open hold, in the holds row): a
// database administrator who backdates it changes what relying parties conclude about signatures made
// before it (RFC 5280 §5.3.2, X.509 §7.3: a permanent revocation dates from the suspension). VerifyAudit
// must find each, as it finds a revocation time altered for a plain revocation (TestAuditChain). Also a
// record reordered (two records' seq swapped).
func TestAuditRevocationTimesOfHolds(t *testing.T) { eachBackend(t, testAuditRevocationTimesOfHolds) }

func testAuditRevocationTimesOfHolds(t *testing.T, newURL backendURL) {
	ctx := context.Background()
	s := fresh(t, newURL)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now().UTC().Truncate(time.Second)
	for _, serial := range []string{"11", "12", "13"} {
		must(s.PutCert(ctx, cert(serial, "")))
	}
	hold := func(serial string, until time.Time) HoldRecord {
		return HoldRecord{Serial: serial, By: serial, Holder: "RSSMRA80A01H501U", HeldAt: now.Add(-time.Hour), Until: until}
	}
	must(s.Hold(ctx, hold("11", now.Add(time.Hour))))    // open
	must(s.Hold(ctx, hold("12", now.Add(time.Hour))))    // made permanent
	must(s.EndHold(ctx, "12", "", HoldRevoked, 1, now))  //
	must(s.Hold(ctx, hold("13", now.Add(-time.Second)))) // expired
	if n, err := s.ExpireHolds(ctx, now); err != nil || n != 1 {
		t.Fatalf("expire: %d %v", n, err)
	}
	if _, err := s.VerifyAudit(ctx); err != nil {
		t.Fatal(err)
	}
	checkTampering(t, s, []tampering{
		{"open hold backdated (certs and holds together)",
			`UPDATE certs SET revoked_at = revoked_at - 86400 WHERE serial = '11'; UPDATE holds SET held_at = held_at - 86400 WHERE serial = '11'`,
			`UPDATE certs SET revoked_at = revoked_at + 86400 WHERE serial = '11'; UPDATE holds SET held_at = held_at + 86400 WHERE serial = '11'`,
			"11"},
		{"permanent revocation of a hold backdated", `UPDATE certs SET revoked_at = revoked_at - 86400 WHERE serial = '12'`,
			`UPDATE certs SET revoked_at = revoked_at + 86400 WHERE serial = '12'`, "certificate 12 does not match"},
		{"expired hold backdated", `UPDATE certs SET revoked_at = revoked_at - 86400 WHERE serial = '13'`,
			`UPDATE certs SET revoked_at = revoked_at + 86400 WHERE serial = '13'`, "certificate 13 does not match"},
		{"records reordered", `UPDATE audit SET seq = -seq WHERE seq IN (2, 3); UPDATE audit SET seq = CASE seq WHEN -2 THEN 3 ELSE 2 END WHERE seq IN (-2, -3)`,
			`UPDATE audit SET seq = -seq WHERE seq IN (2, 3); UPDATE audit SET seq = CASE seq WHEN -2 THEN 3 ELSE 2 END WHERE seq IN (-2, -3)`, "record 2"},
	})
}

// tampering is an edit of the database (do: statements separated by "; "), the error VerifyAudit must
// then give (want, a part of it), and the edit that puts it back (undo).
type tampering struct{ name, do, undo, want string }

// checkTampering makes each edit, expects VerifyAudit to find it, puts it back and expects a clean log.
func checkTampering(t *testing.T, s Store, cases []tampering) {
	t.Helper()
	ctx := context.Background()
	sql := s.(*sqlStore).c()
	run := func(qs string) {
		t.Helper()
		for _, q := range strings.Split(qs, "; ") {
			if _, err := sql.exec(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	}
	for _, tc := range cases {
		run(tc.do)
		if _, err := s.VerifyAudit(ctx); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: verify says %v, want %q", tc.name, err, tc.want)
		}
		run(tc.undo)
		if _, err := s.VerifyAudit(ctx); err != nil {
			t.Fatalf("%s undone: %v", tc.name, err)
		}
	}
}
