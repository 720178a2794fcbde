package main

import (
	"crypto/rand"
	"crypto/x509"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/testkit/signtest"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// TestVerifyTwoSignersOneRevoked: a .p7m signed by openssl (`cms -sign`, then `cms -resign` for a second
// signer), whose second signer's certificate is on its CA's CRL (served on loopback): `ponte verify`
// shows the first VALIDA and the second NON VALIDA / REVOKED, and the document is NON VALIDA, exit 1 —
// a good signature beside a revoked one does not make the document valid.
func TestVerifyTwoSignersOneRevoked(t *testing.T) {
	openssl := testenv.Tool(t, "openssl")
	bin := testenv.Build(t, "cmd/ponte", "ponte")
	var crl []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(crl) }))
	defer srv.Close()
	pki := signtest.NewPKIWithCRL(t, srv.URL+"/ca.crl")
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(2),
		ThisUpdate: time.Now().Add(-time.Hour), NextUpdate: time.Now().Add(time.Hour),
		RevokedCertificateEntries: []x509.RevocationListEntry{{SerialNumber: pki.ECSigner.Cert().SerialNumber, RevocationTime: time.Now().Add(-30 * time.Minute), ReasonCode: 1}},
	}, pki.Intermediate.Cert(), pki.Intermediate.Key)
	if err != nil {
		t.Fatal(err)
	}
	crl = der
	dir := t.TempDir()
	// The intermediate is the anchor: the signers' own status is what the CRL decides.
	ca := signtest.WritePEM(t, dir, "ca.pem", pki.Intermediate.Cert())
	doc, one, two := filepath.Join(dir, "delibera.txt"), filepath.Join(dir, "one.p7m"), filepath.Join(dir, "two.p7m")
	os.WriteFile(doc, []byte("Delibera n. 41: approvata.\n"), 0o644)
	for _, id := range []struct {
		name string
		who  *signtest.Identity
	}{{"rossi", pki.Signer}, {"bianchi", pki.ECSigner}} {
		signtest.WritePEM(t, dir, id.name+".pem", id.who.Cert())
		signtest.WriteKey(t, filepath.Join(dir, id.name+".key"), id.who.Key)
	}
	signtest.Run(t, openssl, "cms", "-sign", "-binary", "-nodetach", "-cades", "-md", "sha256", "-outform", "DER", "-in", doc,
		"-signer", filepath.Join(dir, "rossi.pem"), "-inkey", filepath.Join(dir, "rossi.key"), "-out", one)
	signtest.Run(t, openssl, "cms", "-resign", "-binary", "-nodetach", "-cades", "-md", "sha256", "-inform", "DER", "-outform", "DER", "-in", one,
		"-signer", filepath.Join(dir, "bianchi.pem"), "-inkey", filepath.Join(dir, "bianchi.key"), "-out", two)
	cmd := exec.Command(bin, "verify", two, "--anchors", ca)
	cmd.Env = append(os.Environ(), "PONTE_TSL_URL=off")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("exit %v, want 1\n%s", err, out)
	}
	sections := map[string]string{} // signer → its part of the report (openssl orders the SignerInfos)
	for _, part := range strings.Split(string(out), "\nFirma ")[1:] {
		for _, name := range []string{"ROSSI MARIO", "BIANCHI ANNA"} {
			if strings.Contains(part, "Firmatario:    "+name) {
				sections[name] = part
			}
		}
	}
	if !strings.Contains(string(out), "Esito del documento: NON VALIDA\n") || !strings.Contains(sections["ROSSI MARIO"], "Esito:         VALIDA\n") ||
		!strings.Contains(sections["BIANCHI ANNA"], "Esito:         NON VALIDA") || !strings.Contains(sections["BIANCHI ANNA"], "TOTAL-FAILED / REVOKED") {
		t.Fatalf("verdicts:\n%s", out)
	}
}
