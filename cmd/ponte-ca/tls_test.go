package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/ca"
	"github.com/ponte-it/ponte/internal/cmp"
)

// TestTLS: `ponte-ca serve --tls-cert --tls-key` serves https only, TLS 1.2 and 1.3 (openssl s_client),
// with the CA's files behind it (curl --cacert), and Ponte's own CMP client renews a certificate over
// it with the test TLS root as its only TLS anchor; plain HTTP on an address that is not loopback is
// refused with a clear error.
func TestTLS(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ca")
	must(t, "init", "--dir", dir, "--listen", "127.0.0.1:0")
	caPath := filepath.Join(dir, ca.CertFile)

	for _, listen := range []string{"0.0.0.0:0", ":0", "[::]:0"} {
		out, err := runCLI(t, "serve", "--dir", dir, "--listen", listen)
		if err == nil || !strings.Contains(out, "HTTP senza TLS solo su loopback") || !strings.Contains(out, "plain HTTP on loopback only") {
			t.Fatalf("plain HTTP on %s: %v\n%s", listen, err, out)
		}
	}

	tlsDir := t.TempDir()
	tlsCert, tlsKey := filepath.Join(tlsDir, "tls.pem"), filepath.Join(tlsDir, "tls-key.pem")
	mustTool(t, "openssl", []string{"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
		"-subj", "/CN=ponte-ca test", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", tlsKey, "-out", tlsCert})
	// Every address without a publicURL would put 0.0.0.0 in the certificates: refused before listening.
	if out, err := runCLI(t, "serve", "--dir", dir, "--listen", "0.0.0.0:0", "--tls-cert", tlsCert, "--tls-key", tlsKey); err == nil || !strings.Contains(out, "needs publicURL") {
		t.Fatalf("https on 0.0.0.0 without publicURL: %v\n%s", err, out)
	}
	s := serveWith(t, "--dir", dir, "--listen", "127.0.0.1:0", "--tls-cert", tlsCert, "--tls-key", tlsKey)
	if !strings.HasPrefix(s.base, "https://") {
		t.Fatalf("served on %s", s.base)
	}
	hostPort := strings.TrimPrefix(s.base, "https://")

	for _, v := range []string{"-tls1_2", "-tls1_3"} {
		mustTool(t, "openssl", []string{"s_client", "-brief", v, "-connect", hostPort, "-CAfile", tlsCert, "-verify_return_error"}, "Verification: OK")
	}
	for _, v := range []string{"-tls1", "-tls1_1"} {
		if out, err := tool(t, "openssl", "s_client", "-brief", v, "-cipher", "DEFAULT@SECLEVEL=0", "-connect", hostPort, "-CAfile", tlsCert); err == nil || !strings.Contains(out, "alert protocol version") {
			t.Fatalf("%s accepted:\n%s", v, out)
		}
	}
	got := mustTool(t, "curl", []string{"-sSf", "--cacert", tlsCert, s.base + "/ca.pem"})
	if want, _ := os.ReadFile(caPath); got != string(want) {
		t.Fatal("the CA certificate over https differs from ca.pem")
	}
	if out, err := tool(t, "curl", "-sSf", "--cacert", caPath, s.base+"/ca.pem"); err == nil {
		t.Fatalf("curl trusted the TLS certificate without its root:\n%s", out)
	}
	if out, err := tool(t, "curl", "-sSf", "http://"+hostPort+"/ca.pem"); err == nil {
		t.Fatalf("plain HTTP answered on the TLS port:\n%s", out)
	}

	// Ponte's CMP client: a key update over https, trusting only the test TLS root for the channel.
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	old := issueRenewable(t, dir, key, "/C=IT/CN=TLS/serialNumber=TINIT-RSSMRA80A01H501U")
	caPEM, _ := os.ReadFile(caPath)
	caCert, _ := ca.ParseCertificatePEM(caPEM)
	anchors := x509.NewCertPool()
	anchors.AddCert(caCert)
	tlsRoots := x509.NewCertPool()
	tlsPEM, _ := os.ReadFile(tlsCert)
	tlsRoots.AppendCertsFromPEM(tlsPEM)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	client := func(roots *x509.CertPool) *cmp.Client {
		hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}}}
		return &cmp.Client{URL: cmp.Endpoint(s.base, "cns"), HTTP: hc, Anchors: anchors, Signers: []*x509.Certificate{caCert}, MaxWait: 30 * time.Second}
	}
	newKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if _, err := client(anchors).Enroll(ctx, cmp.KeyUpdateRequest(old, key, newKey)); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("the CMP client reached the CA without trusting its TLS certificate: %v", err)
	}
	res, err := client(tlsRoots).Enroll(ctx, cmp.KeyUpdateRequest(old, key, newKey))
	if err != nil || res.Cert == nil {
		t.Fatalf("kur over https: %+v %v", res, err)
	}
	if len(res.Cert.OCSPServer) != 1 || res.Cert.OCSPServer[0] != s.base+"/ocsp" {
		t.Fatalf("the new certificate's OCSP pointer %v is not the https base %s", res.Cert.OCSPServer, s.base)
	}

	// A renewed TLS certificate, moved into place over the old files, serves the next connection; a
	// broken replacement keeps the renewed one in use.
	next := t.TempDir()
	mustTool(t, "openssl", []string{"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
		"-subj", "/CN=ponte-ca renewed", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", filepath.Join(next, "k"), "-out", filepath.Join(next, "c")})
	for from, to := range map[string]string{"k": tlsKey, "c": tlsCert} {
		if err := os.Rename(filepath.Join(next, from), to); err != nil {
			t.Fatal(err)
		}
	}
	sClient := []string{"s_client", "-connect", hostPort, "-CAfile", tlsCert, "-verify_return_error"}
	mustTool(t, "openssl", sClient, "subject=CN = ponte-ca renewed", "Verify return code: 0 (ok)")
	os.WriteFile(tlsKey, []byte("not a key"), 0o600)
	mustTool(t, "openssl", sClient, "subject=CN = ponte-ca renewed", "Verify return code: 0 (ok)")
}

// TestTLSCertificateOutOfValidity: serve refuses, with a clear error, a TLS certificate that expired
// (made by openssl under faketime three days ago, valid one day) instead of serving handshakes that every
// client refuses.
func TestTLSCertificateOutOfValidity(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ca")
	must(t, "init", "--dir", dir, "--listen", "127.0.0.1:0")
	tlsCert, tlsKey := filepath.Join(dir, "tls.pem"), filepath.Join(dir, "tls-key.pem")
	mustTool(t, "faketime", []string{"-f", "-3d", "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
		"-subj", "/CN=ponte-ca test", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", tlsKey, "-out", tlsCert})
	out, err := runCLI(t, "serve", "--dir", dir, "--listen", "127.0.0.1:0", "--tls-cert", tlsCert, "--tls-key", tlsKey)
	if err == nil || !strings.Contains(out, "certificato TLS "+tlsCert+" valido solo dal") || !strings.Contains(out, "TLS certificate "+tlsCert+" valid only from") {
		t.Fatalf("serve with an expired TLS certificate: %v\n%s", err, out)
	}
}

// issueRenewable issues, with the CLI, a certificate for key inside the cns profile's renewal window.
func issueRenewable(t *testing.T, dir string, key *ecdsa.PrivateKey, subject string) *x509.Certificate {
	t.Helper()
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	keyPath := filepath.Join(t.TempDir(), "k.pem")
	os.WriteFile(keyPath, pemBlock("PRIVATE KEY", der), 0o600)
	certPath := filepath.Join(t.TempDir(), "c.pem")
	must(t, "issue", "--dir", dir, "--key", keyPath, "--subject", subject,
		"--not-before", time.Now().UTC().AddDate(0, 0, -1060).Format("2006-01-02"), "--days", "1100", "--out", certPath)
	data, _ := os.ReadFile(certPath)
	c, err := ca.ParseCertificatePEM(data)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
