package renew

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/extension"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/testkit/pki"
)

// testCA makes a self-signed CA and a certificate it issued that expires at notAfter.
func testCA(t *testing.T, notAfter time.Time) (caPEM string, leaf []byte) {
	t.Helper()
	ca := pki.Issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "Test CNS CA"}, NotBefore: time.Now().AddDate(-7, 0, 0),
		NotAfter: time.Now().AddDate(10, 0, 0), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}, pki.RSAKey(t, 2048), nil)
	l := pki.Issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "BDAPPP36L07A028Z"}, NotBefore: notAfter.AddDate(-6, 0, 0), NotAfter: notAfter}, ca.Key, ca)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert().Raw})), l.Cert().Raw
}

func profileJSON(anchors string, mutate func(m map[string]any)) []byte {
	m := map[string]any{
		"id": "demo", "name": "Ponte CA", "url": "http://127.0.0.1:8829/.well-known/cmp/p/cns", "anchors": anchors,
		"renews":  []map[string]any{{"role": "cns", "mode": "rekey", "windowDays": 90, "keyBits": 2048}},
		"terms":   map[string]string{"it": "Condizioni", "en": "Terms"},
		"privacy": map[string]string{"it": "Privacy", "en": "Privacy"},
	}
	if mutate != nil {
		mutate(m)
	}
	b, _ := json.Marshal(m)
	return b
}

func TestParseProfileRefusesBadInput(t *testing.T) {
	anchors, _ := testCA(t, time.Now().AddDate(1, 0, 0))
	if _, err := ParseProfile(profileJSON(anchors, nil)); err != nil {
		t.Fatalf("good profile refused: %v", err)
	}
	cases := map[string]func(m map[string]any){
		"unknown field": func(m map[string]any) { m["urll"] = "x" },
		"plain http":    func(m map[string]any) { m["url"] = "http://ca.example/cmp" },
		"no anchors":    func(m map[string]any) { m["anchors"] = "" },
		"broken anchor": func(m map[string]any) {
			m["anchors"] = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
		},
		"bad role": func(m map[string]any) {
			m["renews"] = []map[string]any{{"role": "x", "mode": "rekey", "windowDays": 9, "keyBits": 2048}}
		},
		"bad mode": func(m map[string]any) { m["renews"] = []map[string]any{{"role": "cns", "mode": "x", "windowDays": 9}} },
		"weak key": func(m map[string]any) {
			m["renews"] = []map[string]any{{"role": "cns", "mode": "rekey", "windowDays": 9, "keyBits": 1024}}
		},
		"no terms": func(m map[string]any) { m["terms"] = map[string]string{} },
		"duplicated role": func(m map[string]any) {
			m["renews"] = []map[string]any{{"role": "cns", "mode": "extend", "windowDays": 9}, {"role": "cns", "mode": "extend", "windowDays": 9}}
		},
	}
	for name, mutate := range cases {
		if _, err := ParseProfile(profileJSON(anchors, mutate)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestEligible(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	anchors, soon := testCA(t, now.AddDate(0, 0, 30))
	_, later := testCA(t, now.AddDate(0, 0, 200))
	_, gone := testCA(t, now.AddDate(0, 0, -1))
	p, err := ParseProfile(profileJSON(anchors, func(m map[string]any) { m["families"] = []string{"AC 2018"} }))
	if err != nil {
		t.Fatal(err)
	}
	card := &protocol.Card{Family: protocol.Family{Sigla: "AC 2018"}, Token: &protocol.Token{}}
	noDriver := &protocol.Card{Family: protocol.Family{Sigla: "AC 2018"}}
	cases := []struct {
		cert protocol.Certificate
		card *protocol.Card
		code string
	}{
		{protocol.Certificate{Role: "cns", DER: soon, HasKey: true}, card, ""},
		{protocol.Certificate{Role: "signature", DER: soon, HasKey: true}, card, "no-rule"},
		{protocol.Certificate{Role: "cns", DER: later, HasKey: true}, card, "too-early"},
		{protocol.Certificate{Role: "cns", DER: gone, HasKey: true}, card, "expired"},
		{protocol.Certificate{Role: "cns", DER: soon}, noDriver, "no-key"},
		{protocol.Certificate{Role: "cns", DER: []byte("junk"), HasKey: true}, card, "unreadable"},
		{protocol.Certificate{Role: "cns", DER: soon, HasKey: true}, &protocol.Card{Family: protocol.Family{Sigla: "ST 2021"}, Token: &protocol.Token{}}, "family"},
	}
	for i, c := range cases {
		r := Eligible(p, c.card, c.cert, now)
		got := ""
		if r != nil {
			got = r.Code
			if it := extension.Catalog("it").Say(r.Words()...); it == "" || strings.HasPrefix(it, "not-eligible") {
				t.Errorf("case %d: reason without words: %q", i, it)
			}
		}
		if got != c.code {
			t.Errorf("case %d: got %q, want %q (%v)", i, got, c.code, r)
		}
	}
	if r := Eligible(p, card, protocol.Certificate{Role: "cns", DER: later, HasKey: true}, now); !strings.Contains(extension.Catalog("it").Say(r.Words()...), "Rinnovabile dal") {
		t.Errorf("too-early reason does not say from when: %v", r)
	}
}

func TestFileJournalIsAtomicAndStrict(t *testing.T) {
	j := FileJournal{Dir: filepath.Join(t.TempDir(), "journal")}
	r := &Renewal{ID: "abc123", Step: StepKeygen, Started: time.Now()}
	if err := j.Save(r); err != nil {
		t.Fatal(err)
	}
	r.Step = StepRequest
	if err := j.Save(r); err != nil {
		t.Fatal(err)
	}
	got, err := j.Load("abc123")
	if err != nil || got.Step != StepRequest {
		t.Fatalf("load: %+v %v", got, err)
	}
	entries, _ := os.ReadDir(j.Dir)
	if len(entries) != 1 {
		t.Fatalf("journal folder holds %d files, want 1 (no temporary left behind)", len(entries))
	}
	if _, err := j.Load("../etc/passwd"); err == nil {
		t.Fatal("path in id accepted")
	}
	os.WriteFile(filepath.Join(j.Dir, "broken.json"), []byte(`{"id":"broken","step":"keygen","extra":1}`), 0o600)
	if _, err := j.Load("broken"); err == nil {
		t.Fatal("record with an unknown field accepted")
	}
	if _, err := j.Load("missing"); err == nil {
		t.Fatal("missing record loaded")
	}
}
