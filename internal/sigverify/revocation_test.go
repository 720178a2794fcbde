package sigverify

import (
	"context"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/ca/profile"
	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/pades"
	"github.com/ponte-it/ponte/internal/revocation"
	"github.com/ponte-it/ponte/internal/testkit/catest"
	"github.com/ponte-it/ponte/internal/testkit/pki"
	"github.com/ponte-it/ponte/internal/testkit/signtest"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
	"github.com/ponte-it/ponte/internal/tsp"
)

// TestRevocationOCSP: a signer certificate issued by ponte-ca, a PDF and .p7m signed with its key;
// verification asks ponte-ca's OCSP responder: good, then revoked (keyCompromise) after CA.Revoke — a
// signature time-stamped before the revocation stays valid, one without time stamp or time-stamped after
// is not — then unavailable with the responder stopped. openssl ocsp agrees on good and revoked.
func TestRevocationOCSP(t *testing.T) {
	dir := t.TempDir()
	c := catest.New(t, catest.Options{})
	key := pki.ECKey(t)
	cert := c.Provision(t, key.Public(), "/C=IT/CN=ROSSI MARIO", profile.RoleSignature, time.Now().Add(-time.Hour), 365)
	chain := []*x509.Certificate{cert, c.Cert}

	// A TSA whose clock the test moves.
	tsaPKI := signtest.NewPKI(t)
	var mu sync.Mutex
	var tsaShift time.Duration
	tsaSrv := httptest.NewServer(&tsp.Responder{Signer: tsaPKI.TSA.Key, Chain: tsaPKI.TSA.Chain, Policy: asn1.ObjectIdentifier{1, 2, 3, 4},
		Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return time.Now().Add(tsaShift) }})
	defer tsaSrv.Close()
	anchors := cms.StaticAnchors{c.Cert, tsaPKI.Root.Cert()}
	opts := cms.VerifyOptions{Anchors: anchors}
	ts := &tsp.Client{URL: tsaSrv.URL, Anchors: anchors}

	content := docio.Bytes("relazione tecnica")
	p7m := func(stamp bool) []byte {
		var tsc cms.TimeStamper
		if stamp {
			tsc = ts
		}
		parts, err := cms.SignFile(context.Background(), content, key, cms.FileOptions{SignerOptions: cms.SignerOptions{Chain: chain}}, tsc)
		if err != nil {
			t.Fatal(err)
		}
		return assemble(t, content, parts)
	}
	pdfDoc := minimalPDF()
	pres, err := pades.Sign(context.Background(), docio.Bytes(pdfDoc), key, pades.Options{Chain: chain, TimeStamper: ts})
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"p7m-stamped": p7m(true), "p7m": p7m(false), "pdf-stamped": assemble(t, docio.Bytes(pdfDoc), pres.Parts)}

	chk := &revocation.Checker{Timeout: 5 * time.Second}
	verify := func(name string, b []byte) *Signer {
		t.Helper()
		rep, err := File(docio.Bytes(b), nil, opts)
		if err != nil || len(rep.Signers) != 1 {
			t.Fatalf("%s: %v %+v", name, err, rep)
		}
		CheckRevocation(context.Background(), rep, opts, chk)
		return &rep.Signers[0]
	}

	// Offline: not checked, as before.
	rep, err := File(docio.Bytes(files["p7m"]), nil, opts)
	if err != nil || rep.Signers[0].Revocation.Status != revocation.NotChecked || !rep.Signers[0].Valid() {
		t.Fatalf("offline: %v %+v", err, rep)
	}
	CheckRevocation(context.Background(), rep, opts, nil)
	if rep.Signers[0].Revocation.Status != revocation.NotChecked {
		t.Fatal("nil checker checked")
	}

	for name, b := range files {
		s := verify(name, b)
		if s.Revocation.Status != revocation.Good || !s.Valid() || s.Revocation.Responder != c.URL+"/ocsp" {
			t.Fatalf("%s before revocation: %+v", name, s.Revocation)
		}
	}
	caPEM, certPEM := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "signer.pem")
	writePEM(t, caPEM, c.Cert)
	writePEM(t, certPEM, cert)
	opensslSays(t, caPEM, certPEM, c.URL+"/ocsp", ": good")

	// Revoked, keyCompromise. Revocation times have whole seconds (RFC 5280 GeneralizedTime): wait for
	// the next second so the revocation is after the time stamps above.
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
	revFrom := time.Now().Truncate(time.Second)
	if err := c.Revoke(context.Background(), cert.SerialNumber, 1); err != nil {
		t.Fatal(err)
	}
	revTo := time.Now()
	opensslSays(t, caPEM, certPEM, c.URL+"/ocsp", "Reason: keyCompromise")

	// A signature time-stamped after the revocation.
	mu.Lock()
	tsaShift = 2 * time.Minute
	mu.Unlock()
	files["p7m-stamped-after"] = p7m(true)

	for name, b := range files {
		s := verify(name, b)
		if s.Revocation.Status != revocation.Revoked || s.Revocation.Reason != 1 || s.Revocation.At.Before(revFrom) || s.Revocation.At.After(revTo) {
			t.Fatalf("%s after revocation: %+v", name, s.Revocation)
		}
		wantValid := strings.HasSuffix(name, "-stamped")
		if s.Valid() != wantValid || s.RevokedWhenSigned() == wantValid {
			t.Fatalf("%s: valid %v, want %v (time %v stamped %v, revoked %v)", name, s.Valid(), wantValid, s.Time, s.TimeStamped, s.Revocation.At)
		}
	}

	// The same time-stamped PDF and .p7m with the TSA not trusted: the time stamp is reported and not used,
	// nothing proves the signature predates the revocation, so NON VALIDA / REVOKED (a PDF used to "stay
	// valid" on an untrusted time stamp).
	untrusted := cms.VerifyOptions{Anchors: cms.StaticAnchors{c.Cert}}
	for _, name := range []string{"pdf-stamped", "p7m-stamped"} {
		rep, err := File(docio.Bytes(files[name]), nil, untrusted)
		if err != nil || len(rep.Signers) != 1 {
			t.Fatalf("%s untrusted TSA: %v", name, err)
		}
		CheckRevocation(context.Background(), rep, untrusted, chk)
		s, v := &rep.Signers[0], rep.Verdict()
		if s.TimeStamped || !strings.Contains(s.UntrustedStampEN, "not trusted") || v.Level != LevelNotValid || v.SubIndication != SubRevoked || v.ExitCode() != 1 {
			t.Fatalf("%s untrusted TSA: stamped %v (%q), verdict %+v", name, s.TimeStamped, s.UntrustedStampEN, v)
		}
	}

	// Responder gone: unavailable, with the reason. Whoever controls the network can make any responder
	// "gone", so that is no ground for a valid verdict: NON VERIFICABILE / TRY_LATER (EN 319 102-1
	// §5.2.5), exit 2 — it used to be VALIDA CON AVVERTENZE, exit 0, also for a revoked certificate.
	c.StopServing()
	s := verify("p7m", files["p7m"])
	if v := s.Verdict(); s.Revocation.Status != revocation.Unavailable || !strings.Contains(s.Revocation.Detail, "not reachable") ||
		v.Level != LevelCannotVerify || v.SubIndication != SubTryLater || v.ExitCode() != 2 {
		t.Fatalf("responder stopped: %+v, verdict %+v", s.Revocation, v)
	}
}

func writePEM(t *testing.T, path string, c *x509.Certificate) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
}

// opensslSays runs `openssl ocsp` against the responder and checks its output contains want.
func opensslSays(t *testing.T, caPEM, certPEM, url, want string) {
	t.Helper()
	openssl := testenv.Tool(t, "openssl")
	out, err := exec.Command(openssl, "ocsp", "-issuer", caPEM, "-cert", certPEM, "-url", url, "-CAfile", caPEM).CombinedOutput()
	if err != nil || !strings.Contains(string(out), want) || !strings.Contains(string(out), "Response verify OK") {
		t.Fatalf("openssl ocsp (want %q): %v\n%s", want, err, out)
	}
}
