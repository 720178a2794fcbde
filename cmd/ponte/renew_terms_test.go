package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/renew"
	"github.com/ponte-it/ponte/internal/testkit/pki"
)

// lineReader hands out one line per Read and counts the Reads: a second Read means a second line (the
// PIN) was read.
type lineReader struct {
	lines []string
	reads int
}

func (r *lineReader) Read(p []byte) (int, error) {
	r.reads++
	if len(r.lines) == 0 {
		return 0, os.ErrClosed
	}
	n := copy(p, r.lines[0])
	r.lines = r.lines[1:]
	return n, nil
}

func termsProfile(t *testing.T) (string, *renew.Profile) {
	t.Helper()
	der := pki.SelfSigned(t, &x509.Certificate{Subject: pkix.Name{CommonName: "CA"}, NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}).Cert().Raw
	js, _ := json.Marshal(map[string]any{"id": "t", "name": "T", "url": "http://127.0.0.1:9/x",
		"anchors": string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), "issuers": []string{"CN=CA"},
		"renews":  []map[string]any{{"role": "cns", "mode": "rekey", "windowDays": 90, "keyBits": 2048}},
		"terms":   map[string]string{"it": "Condizioni in italiano.", "en": "Conditions in English."},
		"privacy": map[string]string{"it": "Informativa in italiano.", "en": "Notice in English."}, "termsVersion": "v7"})
	path := filepath.Join(t.TempDir(), "p.json")
	os.WriteFile(path, js, 0o600)
	p, err := renew.ParseProfile(js)
	if err != nil {
		t.Fatal(err)
	}
	return path, p
}

// TestRenewTermsBeforePIN: `ponte renew` shows the terms and privacy notice in the language of --lang or
// of LANG, asks to accept them, and when they are refused (or unanswered) stops without reading the PIN
// line that follows on standard input and without reaching the host.
func TestRenewTermsBeforePIN(t *testing.T) {
	path, p := termsProfile(t)
	cases := []struct {
		lang, env, answer string
		want, not         []string
	}{
		{"--lang=en", "it_IT.UTF-8", "n\n", []string{"TERMS OF SERVICE", "Conditions in English.", "Notice in English.", "[y/N]"}, []string{"italiano"}},
		{"", "en_GB.UTF-8", "no\n", []string{"Conditions in English.", "Do you accept"}, []string{"italiano"}},
		{"", "it_IT.UTF-8", "\n", []string{"TERMINI DEL SERVIZIO", "Condizioni in italiano.", "Informativa in italiano.", "[s/N]"}, []string{"English"}},
		{"--lang=it", "C", "", []string{"Condizioni in italiano."}, nil},
	}
	for _, c := range cases {
		t.Setenv("LC_ALL", "")
		t.Setenv("LC_MESSAGES", "")
		t.Setenv("LANG", c.env)
		in := &lineReader{lines: []string{c.answer, "12345678\n"}}
		if c.answer == "" {
			in.lines = nil
		}
		args := []string{"--profile", path, "--card", "x"}
		if c.lang != "" {
			args = append(args, c.lang)
		}
		var out, errw bytes.Buffer
		err := renewCmd(context.Background(), args, in, &out, &errw)
		if err == nil || !strings.Contains(err.Error(), "termini non accettati") || !strings.Contains(err.Error(), "terms not accepted") {
			t.Fatalf("%v %s: got %v", c.lang, c.env, err)
		}
		if in.reads > 1 {
			t.Fatalf("%v %s: standard input read %d times: the PIN line was read", c.lang, c.env, in.reads)
		}
		for _, w := range c.want {
			if !strings.Contains(errw.String(), w) {
				t.Errorf("%v %s: output lacks %q:\n%s", c.lang, c.env, w, errw.String())
			}
		}
		for _, w := range c.not {
			if strings.Contains(errw.String(), w) {
				t.Errorf("%v %s: output has %q:\n%s", c.lang, c.env, w, errw.String())
			}
		}
	}
	// Accepted: the acceptance names the versions shown (explicit, or derived from the text).
	a := p.Accept("en", time.Now())
	if a.Terms != "v7" || !strings.HasPrefix(a.Privacy, "sha256-") || a.Lang != "en" {
		t.Fatalf("acceptance %+v", a)
	}
	if err := renewCmd(context.Background(), []string{"--profile", path, "--card", "x", "--lang", "fr"}, strings.NewReader("s\n"), &bytes.Buffer{}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "--lang") {
		t.Fatalf("--lang fr: %v", err)
	}
}
