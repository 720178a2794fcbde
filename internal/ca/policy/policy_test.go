package policy

import (
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/extension"
	"github.com/ponte-it/ponte/internal/ca/profile"
)

func d(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func mustProfile(t *testing.T, js string) *profile.Profile {
	t.Helper()
	p, err := profile.Parse([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRenew(t *testing.T) {
	cns := `{"name":"cns","roles":["cns"],"validityDays":1095,"maxLifetimeYears":6,"renewalsPerCertificate":1,"mode":"any"}`
	rekey := `{"name":"r","roles":["cns"],"validityDays":365}`
	extend := `{"name":"e","roles":["cns"],"validityDays":365,"mode":"extend","extendTo":"2027-12-31","maxLifetimeYears":6}`
	lineage := `{"name":"l","roles":["cns"],"validityDays":365,"maxRenewals":2}`
	// A certificate issued 2024-01-01, expiring 2027-01-01, first of its lineage.
	old := Certificate{NotBefore: d("2024-01-01"), NotAfter: d("2027-01-01"), LineageStart: d("2024-01-01")}
	with := func(f func(*Certificate)) Certificate { c := old; f(&c); return c }

	cases := []struct {
		name    string
		profile string
		old     Certificate
		sameKey bool
		now     time.Time
		reason  Reason    // "" when granted
		after   time.Time // expected notAfter when granted
	}{
		{"in window, new key", cns, old, false, d("2026-11-01"), "", d("2029-10-31")},
		{"in window, same key", cns, old, true, d("2026-11-01"), "", d("2029-10-31")},
		{"first day of window", cns, old, false, d("2026-10-03"), "", d("2029-10-02")},
		{"day before window", cns, old, false, d("2026-10-02"), ReasonTooEarly, time.Time{}},
		{"expired", cns, old, false, d("2027-01-02"), ReasonExpired, time.Time{}},
		{"revoked first", cns, with(func(c *Certificate) { c.Revoked = true }), false, d("2027-01-02"), ReasonRevoked, time.Time{}},
		{"second renewal", cns, with(func(c *Certificate) { c.Renewals = 1 }), false, d("2026-11-01"), ReasonAlreadyRenewed, time.Time{}},
		{"capped by lifetime", cns, with(func(c *Certificate) { c.LineageStart = d("2021-06-01") }), false, d("2026-11-01"), "", d("2027-06-01")},
		{"lifetime reached", cns, with(func(c *Certificate) { c.LineageStart = d("2021-01-01") }), false, d("2026-11-01"), ReasonMaxLifetime, time.Time{}},
		{"lifetime before expiry", cns, with(func(c *Certificate) { c.LineageStart = d("2020-06-01") }), false, d("2026-11-01"), ReasonMaxLifetime, time.Time{}},
		{"rekey refuses same key", rekey, old, true, d("2026-11-01"), ReasonKeyReuse, time.Time{}},
		{"rekey unlimited renewals", rekey, with(func(c *Certificate) { c.Renewals = 5 }), false, d("2026-11-01"), "", d("2027-11-01")},
		{"extend to date", extend, old, true, d("2026-11-01"), "", d("2027-12-31").Add(24*time.Hour - time.Second)},
		{"extend refuses new key", extend, old, false, d("2026-11-01"), ReasonRekeyNotAllowed, time.Time{}},
		{"extend nothing to extend", extend, with(func(c *Certificate) { c.NotAfter = d("2028-01-02") }), true, d("2027-11-01"), ReasonExtendNotAllowed, time.Time{}},
		{"extend capped by lifetime", extend, with(func(c *Certificate) { c.LineageStart = d("2021-09-01") }), true, d("2026-11-01"), "", d("2027-09-01")},
		{"lineage renewals left", lineage, with(func(c *Certificate) { c.LineageRenewals = 1 }), false, d("2026-11-01"), "", d("2027-11-01")},
		{"lineage renewals used", lineage, with(func(c *Certificate) { c.LineageRenewals = 2 }), false, d("2026-11-01"), ReasonAlreadyRenewed, time.Time{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, r := Renew(mustProfile(t, c.profile), c.old, c.sameKey, c.now)
			if c.reason != "" {
				if r == nil || r.Reason != c.reason {
					t.Fatalf("want refusal %s, got %v (validity %v)", c.reason, r, v)
				}
				if r.It == "" || r.En == "" || r.FailBit == 0 {
					t.Fatalf("refusal without text or failInfo: %+v", r)
				}
				return
			}
			if r != nil {
				t.Fatalf("refused: %v", r)
			}
			if !v.NotBefore.Equal(c.now) || !v.NotAfter.Equal(c.after) {
				t.Fatalf("validity %v - %v, want %v - %v", v.NotBefore, v.NotAfter, c.now, c.after)
			}
		})
	}
}

func TestRefusalBits(t *testing.T) {
	p := mustProfile(t, `{"name":"x","roles":["cns"],"validityDays":1}`)
	cases := []struct {
		r   *Refusal
		bit int
	}{
		{UnknownCertificate(), FailBadCertID},
		{RoleNotAllowed(p, profile.RoleSignature), FailBadCertTemplate},
		{EnrolNotAllowed(p), FailNotAuthorized},
		{BadAccount("", ""), FailNotAuthorized},
		{InsufficientBalance(120, 500), FailNotAuthorized},
	}
	for _, c := range cases {
		if c.r.FailBit != c.bit || len(c.r.StatusStrings()) != 2 {
			t.Errorf("%s: bit %d, want %d", c.r.Reason, c.r.FailBit, c.bit)
		}
	}
	if got := InsufficientBalance(120, 500).It; got != "credito insufficiente: disponibili 1,20 €, costo 5,00 €" {
		t.Errorf("%q", got)
	}
}

func TestEnrol(t *testing.T) {
	p := mustProfile(t, `{"name":"x","roles":["cns"],"validityDays":10}`)
	now := time.Date(2026, 1, 1, 10, 0, 0, 500, time.UTC)
	v := Enrol(p, now)
	if !v.NotBefore.Equal(now.Truncate(time.Second)) || !v.NotAfter.Equal(now.Truncate(time.Second).AddDate(0, 0, 10)) {
		t.Fatal(v)
	}
}

// TestCheckKey: the key policy as a table, defaults and a stricter profile.
func TestCheckKey(t *testing.T) {
	def := mustProfile(t, `{"name":"d","roles":["cns"],"validityDays":365}`)
	strict := mustProfile(t, `{"name":"s","roles":["cns"],"validityDays":365,"minRsaBits":3072,"curves":["P-384"]}`)
	cases := []struct {
		p    *profile.Profile
		k    Key
		want Reason
		bit  int
	}{
		{def, Key{Algorithm: "RSA", Bits: 1024}, ReasonKeyTooSmall, FailBadCertTemplate},
		{def, Key{Algorithm: "RSA", Bits: 2047}, ReasonKeyTooSmall, FailBadCertTemplate},
		{def, Key{Algorithm: "RSA", Bits: 2048, Exponent: 65537}, "", 0},
		{def, Key{Algorithm: "RSA", Bits: 2048, Exponent: 3}, ReasonKeyAlgorithm, FailBadAlg},
		{def, Key{Algorithm: "RSA", Bits: 2048, Exponent: 65538}, ReasonKeyAlgorithm, FailBadAlg},
		{def, Key{Algorithm: "RSA", Bits: 2048}, ReasonKeyAlgorithm, FailBadAlg},
		{def, Key{Algorithm: "ECDSA", Curve: "P-256"}, "", 0},
		{def, Key{Algorithm: "ECDSA", Curve: "P-384"}, "", 0},
		{def, Key{Algorithm: "ECDSA", Curve: "P-521"}, ReasonKeyAlgorithm, FailBadAlg},
		{def, Key{Algorithm: "Ed25519"}, ReasonKeyAlgorithm, FailBadAlg},
		{strict, Key{Algorithm: "RSA", Bits: 2048}, ReasonKeyTooSmall, FailBadCertTemplate},
		{strict, Key{Algorithm: "RSA", Bits: 3072, Exponent: 65537}, "", 0},
		{strict, Key{Algorithm: "ECDSA", Curve: "P-256"}, ReasonKeyAlgorithm, FailBadAlg},
	}
	for _, c := range cases {
		r := CheckKey(c.p, c.k)
		switch {
		case c.want == "" && r != nil:
			t.Errorf("%s %+v refused: %v", c.p.Name, c.k, r)
		case c.want != "" && (r == nil || r.Reason != c.want || r.FailBit != c.bit):
			t.Errorf("%s %+v: got %v, want %s", c.p.Name, c.k, r, c.want)
		}
	}
	// What the client shows (internal/cmp PKIStatusInfo.Words): the reason in words and the CA's numbers.
	w := CheckKey(def, Key{Algorithm: "RSA", Bits: 1024}).Status().Words()
	it, en := extension.Catalog("it").Say(w...), extension.Catalog("en").Say(w...)
	if !strings.HasPrefix(it, "la CA rifiuta la chiave: è troppo corta (la CA dice: «chiave RSA di 1024 bit, ne servono almeno 2048") ||
		!strings.HasPrefix(en, "the CA refuses the key: it is too short") {
		t.Errorf("client texts %q / %q", it, en)
	}
	for _, js := range []string{`{"name":"w","roles":["cns"],"validityDays":365,"minRsaBits":1024}`,
		`{"name":"w","roles":["cns"],"validityDays":365,"curves":["secp256k1"]}`} {
		if _, err := profile.Parse([]byte(js)); err == nil {
			t.Errorf("profile accepted: %s", js)
		}
	}
}
