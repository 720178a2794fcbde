package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/testkit/testbed"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
	"github.com/ponte-it/ponte/internal/testkit/tsltest"
	"github.com/ponte-it/ponte/internal/tsl"
)

// TestVerifyWithTrustedList: a PDF signed (B-T) by the testbed card verifies with `ponte verify` trusting
// only a local trusted list (signed by a test key, served on 127.0.0.1) where the bed's CA is a granted
// CA/QC and TSA/QTST: valid, anchored on the list, "qualificato (elenco AgID)". On a list without the
// bed's CA the same file is "non qualificato" — valid with test anchors, untrusted without. The list is
// cached: offline, the cached copy is used and the report says so. A list signed by another key is refused.
func TestVerifyWithTrustedList(t *testing.T) {
	c := newCLI(t)
	dir := t.TempDir()
	caPEM := filepath.Join(c.bed.Dir, "ca", "ca.pem")
	caBytes, err := os.ReadFile(testenv.File(t, "the bed's CA certificate", caPEM))
	if err != nil {
		t.Fatal(err)
	}
	bedCA, err := tsl.ParsePEM(caBytes)
	if err != nil || len(bedCA) == 0 {
		t.Fatal("ca.pem", err)
	}
	in := filepath.Join(testenv.Root(), "internal", "pades", "testdata", "corpus", "libreoffice.pdf")
	signed := filepath.Join(dir, "firmato.pdf")
	if out, errs, ok := c.run(t, testbed.PIN+"\n"+testbed.PIN+"\n", "sign", "--in", in, "--out", signed, "--tsa", c.bed.CAURL+"/tsa"); !ok {
		t.Fatalf("ponte sign: %s\n%s", out, errs)
	}

	signer, err := tsltest.NewSigner("Ponte test TSL signer", false)
	if err != nil {
		t.Fatal(err)
	}
	signerPEM := filepath.Join(dir, "tsl-signer.pem")
	os.WriteFile(signerPEM, signer.CertPEM(), 0o644)
	otherCA := tsltest.Granted("Altra CA qualificata", time.Now().AddDate(-2, 0, 0), mustSigner(t).Cert)
	list := func(seq int, services ...tsltest.Service) []byte {
		b, err := signer.Sign(tsltest.List{Territory: "IT", Sequence: seq, Issued: time.Now().Add(-time.Hour), NextUpdate: time.Now().AddDate(0, 6, 0),
			Providers: []tsltest.Provider{{Name: "Ponte Test S.p.A.", Services: services}}}.XML())
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	onList := list(1, tsltest.Granted("Ponte Test CA firma qualificata", time.Now().AddDate(-2, 0, 0), bedCA[0]), otherCA,
		tsltest.Service{State: tsltest.State{Type: tsl.TypeTSAQTS, Name: "Ponte Test TSA", Status: tsl.StatusGranted, Start: time.Now().AddDate(-2, 0, 0)}, Certs: bedCA})
	notOnList := list(1, otherCA)
	lists := map[string][]byte{"/on/TSL-IT.xml": onList, "/off/TSL-IT.xml": notOnList}
	var down atomic.Bool // the server answers 404 to everything
	serve := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		b, ok := lists[r.URL.Path]
		if !ok || down.Load() {
			http.NotFound(rw, r)
			return
		}
		rw.Header().Set("Content-Type", "application/xml")
		rw.Write(b)
	})
	srv := httptest.NewServer(serve)
	defer srv.Close()

	verify := func(args ...string) (string, bool) {
		t.Helper()
		out, errs, ok := c.run(t, "", append([]string{"verify", signed, "--tsl-signer", signerPEM}, args...)...)
		t.Logf("ponte verify %v: ok=%v\n%s%s", args, ok, out, errs)
		return out, ok
	}
	out, ok := verify("--tsl-url", srv.URL+"/on/TSL-IT.xml")
	for _, want := range []string{"Esito:         VALIDA", "Fonte di fiducia: qualificato (elenco AgID)", "CA qualificata sull'elenco AgID: Ponte Test CA firma qualificata (Ponte Test S.p.A.)",
		"marca temporale verificata", "Elenco di fiducia: AgID n. 1 del "} {
		if !ok || !strings.Contains(out, want) {
			t.Fatalf("on the list: lacks %q", want)
		}
	}
	if strings.Contains(out, "copia in cache") {
		t.Fatal("the first download is reported as a cached copy")
	}
	// Offline: the copy cached by the previous run (XDG_CACHE_HOME of this test) is used, and said so.
	down.Store(true)
	out, ok = verify("--tsl-url", srv.URL+"/on/TSL-IT.xml", "--offline", "--lang", "en")
	if !ok || !strings.Contains(out, "Trust anchor:  qualified (AgID list)") || !strings.Contains(out, "(cached copy)") {
		t.Fatal("offline, from the cache: not reported")
	}

	down.Store(false)
	out, ok = verify("--tsl-url", srv.URL+"/off/TSL-IT.xml", "--anchors", caPEM)
	if !ok || !strings.Contains(out, "Fonte di fiducia: ancore di prova (--anchors)") || !strings.Contains(out, "Qualificazione: non qualificato") {
		t.Fatal("not on the list, test anchors: want valid and non qualificato")
	}
	out, ok = verify("--tsl-url", srv.URL+"/off/TSL-IT.xml")
	if ok || !strings.Contains(out, "non riconosciuto") || !strings.Contains(out, "non qualificato") || strings.Contains(out, "Fonte di fiducia") {
		t.Fatal("not on the list, no anchors: want untrusted and non qualificato")
	}

	// A list signed by a key other than the pinned one is not used (nor its cached copy): the report says
	// why, and the signature stays valid on the test anchors.
	out, errs, ok := c.run(t, "", "verify", signed, "--tsl-url", srv.URL+"/on/TSL-IT.xml", "--tsl-signer", writePEM(t, dir, mustSigner(t).CertPEM()), "--anchors", caPEM, "--lang", "en")
	if !ok || !strings.Contains(out, "signed by a certificate other than the operator's (AgID) expected one") || !strings.Contains(out, "cannot be checked: AgID list not available") {
		t.Fatalf("foreign-signed list: ok=%v\n%s%s", ok, out, errs)
	}
}

func mustSigner(t *testing.T) *tsltest.Signer {
	t.Helper()
	s, err := tsltest.NewSigner("Other", true)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func writePEM(t *testing.T, dir string, b []byte) string {
	t.Helper()
	f, err := os.CreateTemp(dir, "*.pem")
	if err != nil {
		t.Fatal(err)
	}
	f.Write(b)
	f.Close()
	return f.Name()
}
