package ca

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/internal/ca/store"
)

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(h, "correct") || !strings.HasPrefix(h, "scrypt$15$8$1$") {
		t.Fatalf("hash %q", h)
	}
	if ok, err := CheckPassword(h, "correct horse"); !ok || err != nil {
		t.Fatalf("right password: %v %v", ok, err)
	}
	if ok, _ := CheckPassword(h, "correct horsE"); ok {
		t.Fatal("wrong password accepted")
	}
	for _, bad := range []string{"", "plain", "scrypt$30$8$1$AAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "scrypt$15$8$1$!!$AAAA"} {
		if _, err := CheckPassword(bad, "x"); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestAccounts(t *testing.T) {
	tc := newTestCA(t)
	ctx := context.Background()
	// Init created the demo account with the password it printed.
	if a, err := tc.ca.Authenticate(ctx, "demo", testPassword); err != nil || a.Balance != 5000 {
		t.Fatalf("demo account: %+v %v", a, err)
	}
	if _, err := tc.ca.Authenticate(ctx, "demo", "wrong"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("wrong password: %v", err)
	}
	if _, err := tc.ca.Authenticate(ctx, "nobody", testPassword); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown account: %v", err)
	}
	if err := tc.ca.AddAccount(ctx, "demo", "another-password", 1); err == nil {
		t.Fatal("duplicate account")
	}
	if err := tc.ca.AddAccount(ctx, "x", "has%percent", 1); err == nil {
		t.Fatal("password that utf8Pairs cannot carry")
	}
	if err := tc.ca.AddAccount(ctx, "x", "short", 1); err == nil {
		t.Fatal("short password")
	}
}

func FuzzCheckPassword(f *testing.F) {
	f.Add("scrypt$10$1$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA", "pw")
	f.Fuzz(func(t *testing.T, stored, pw string) {
		CheckPassword(stored, pw) // must not panic or spin: parameters are bounded
	})
}
