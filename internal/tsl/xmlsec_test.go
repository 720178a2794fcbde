package tsl_test

import (
	"bytes"
	"crypto/x509"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/ponte-it/ponte/internal/signerr"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
	"github.com/ponte-it/ponte/internal/testkit/tsltest"
	"github.com/ponte-it/ponte/internal/tsl"
)

// Independent check with xmlsec1 (the XML Security Library's command line, which nobody here wrote):
// (a) a list signed by xmlsec1 — XAdES-shaped like AgID's, RSA and ECDSA — verifies with tsl.Verify;
// (b) a list our fixture generator signed verifies with `xmlsec1 --verify`; (c) a tampered copy of each
// fails both.
func TestXMLSecInterop(t *testing.T) {
	xmlsec := testenv.Tool(t, "xmlsec1")
	w := newWorld(t)
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// The list's root is referenced as "#tsl" by our signatures and the XAdES properties as "#xades-1".
	idAttrs := []string{"--id-attr:Id", "http://uri.etsi.org/02231/v2#:TrustServiceStatusList",
		"--id-attr:Id", "http://uri.etsi.org/01903/v1.3.2#:SignedProperties"}
	xmlsecVerify := func(file string, s *tsltest.Signer) ([]byte, error) {
		cert := write("pinned.pem", s.CertPEM())
		args := append([]string{"--verify", "--enabled-key-data", "x509", "--trusted-pem", cert}, idAttrs...)
		return exec.Command(xmlsec, append(args, file)...).CombinedOutput()
	}
	for _, tc := range []struct {
		name, method string
		ec           bool
	}{{"rsa", "rsa-sha256", false}, {"ecdsa", "ecdsa-sha256", true}} {
		t.Run(tc.name, func(t *testing.T) {
			s := signer(t, tc.ec)
			pinned := tsl.VerifyOptions{Signers: []*x509.Certificate{s.Cert}, Territory: "IT", Now: now}
			keyPEM, err := s.KeyPEM()
			if err != nil {
				t.Fatal(err)
			}
			key := write("key.pem", keyPEM)
			cert := write("cert.pem", s.CertPEM())

			// (a) xmlsec1 signs, we verify.
			tmpl := write("template.xml", tsltest.Template(w.list.XML(), tc.method, now))
			out := filepath.Join(dir, "by-xmlsec.xml")
			args := append([]string{"--sign", "--privkey-pem", key + "," + cert, "--output", out}, idAttrs...)
			if b, err := exec.Command(xmlsec, append(args, tmpl)...).CombinedOutput(); err != nil {
				t.Fatalf("xmlsec1 --sign: %v\n%s", err, b)
			}
			byXMLSec, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if b, err := xmlsecVerify(out, s); err != nil {
				t.Fatalf("xmlsec1 does not verify its own signature: %v\n%s", err, b)
			}
			l, err := tsl.Verify(byXMLSec, pinned)
			if err != nil {
				t.Fatalf("tsl.Verify of xmlsec1's list: %v", err)
			}
			if l.SequenceNumber != 7 || len(l.Providers) != 1 {
				t.Fatalf("read %+v", l)
			}

			// (b) we sign (the test fixture generator), xmlsec1 verifies.
			ours := sign(t, s, w.list.XML(), tsltest.ExclusiveC14N)
			if b, err := xmlsecVerify(write("ours.xml", ours), s); err != nil || !bytes.Contains(b, []byte("OK")) {
				t.Fatalf("xmlsec1 --verify of our list: %v\n%s", err, b)
			}
			if _, err := tsl.Verify(ours, pinned); err != nil {
				t.Fatal(err)
			}

			// (c) the same one-word change in each: both verifiers refuse both.
			for name, signed := range map[string][]byte{"by-xmlsec": byXMLSec, "ours": ours} {
				bad := bytes.Replace(signed, []byte("Prova S.p.A."), []byte("Prova S.r.l."), 1)
				if bytes.Equal(bad, signed) {
					t.Fatalf("%s: nothing replaced", name)
				}
				if b, err := xmlsecVerify(write(name+"-tampered.xml", bad), s); err == nil {
					t.Fatalf("xmlsec1 verified the tampered %s list:\n%s", name, b)
				}
				if _, err := tsl.Verify(bad, pinned); signerr.CodeOf(err) != tsl.CodeBadSignature {
					t.Fatalf("tsl.Verify of the tampered %s list: %v", name, err)
				}
			}
		})
	}
}
