package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// TestPendingAndPing: Pending counts the transactions the tables hold as waiting and issued (checked
// against raw SQL) through their life, on both backends; Ping fails once the database is closed.
func TestPendingAndPing(t *testing.T) { eachBackend(t, testPendingAndPing) }

func testPendingAndPing(t *testing.T, newURL backendURL) {
	ctx := context.Background()
	s := fresh(t, newURL)
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	check := func(step string, waiting, issued int) {
		t.Helper()
		n, err := s.Pending(ctx)
		got := fmt.Sprintf("waiting=%d issued=%d", n[StateWaiting], n[StateIssued])
		raw := fmt.Sprintf("waiting=%d issued=%d", dbInt(t, s, `SELECT COUNT(*) FROM transactions WHERE state = ?`, StateWaiting),
			dbInt(t, s, `SELECT COUNT(*) FROM transactions WHERE state = ?`, StateIssued))
		if want := fmt.Sprintf("waiting=%d issued=%d", waiting, issued); err != nil || got != want || raw != want {
			t.Fatalf("%s: Pending %s, tables %s, want %s (%v)", step, got, raw, want, err)
		}
	}
	check("empty", 0, 0)
	for _, p := range []string{"01", "02"} {
		if err := s.PutCert(ctx, cert(p, "")); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateTxn(ctx, waitingTxn("t"+p, p, 0)); err != nil {
			t.Fatal(err)
		}
	}
	check("two requests", 2, 0)
	if err := s.Issue(ctx, "t01", cert("11", "01"), false, 1); err != nil {
		t.Fatal(err)
	}
	check("one issued", 1, 1)
	if err := s.Finish(ctx, "t01", StateConfirmed, 1); err != nil {
		t.Fatal(err)
	}
	check("one confirmed", 1, 0)
	s.Close()
	if err := s.Ping(ctx); err == nil {
		t.Fatal("Ping of a closed database succeeded")
	}
}

// TestOpenErrorsHideThePassword: a database that cannot be opened is named in the error without the
// password its URL carries (as user:password@ or ?password=), which the operator's logs would keep; a
// PostgreSQL URL with a password is refused before connecting (it would be in config.json and in the
// process list), pointing to PGPASSWORD and ~/.pgpass.
func TestOpenErrorsHideThePassword(t *testing.T) {
	const secret = "S3cretPw"
	for _, tc := range []struct{ url, want string }{
		{"postgres://ponte:" + secret + "@127.0.0.1:1/ponte?connect_timeout=2", "use PGPASSWORD or ~/.pgpass"},
		{"postgresql://ponte:" + secret + "@127.0.0.1:1/ponte?sslmode=bogus", "use PGPASSWORD or ~/.pgpass"},
		{"postgres:///ponte?host=" + t.TempDir() + "&password=" + secret, "use PGPASSWORD or ~/.pgpass"},
		{"postgres://ponte@127.0.0.1:1/ponte?connect_timeout=2", "connect"},
		{"mysql://ponte:" + secret + "@127.0.0.1:1/ponte", "only sqlite:PATH and postgres"},
	} {
		s, err := Open(tc.url)
		if err == nil {
			s.Close()
			t.Fatalf("%s opened", tc.url)
		}
		if strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), "ponte") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error for %s: %v", tc.url, err)
		}
	}
}
