package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/ca"
	"github.com/ponte-it/ponte/internal/ca/store"
	"github.com/ponte-it/ponte/internal/testkit/hsmtest"
	"github.com/ponte-it/ponte/internal/testkit/pgcluster"
)

// TestHSMPostgresTLS (issue #19, items 1–4 together): a CA whose key is in a SoftHSM2 token and whose
// state is in a PostgreSQL database, served by two instances over https only. openssl's CMP client
// renews a certificate over TLS on the first instance (trusting only the test TLS root for the channel
// and the CA certificate for the answer); the certificate verifies against the CA certificate and is in
// the database; after a revocation through the CLI, the second instance serves over https a CRL, signed
// in the token, that lists it; /healthz of both says the database and the key work; the audit log
// verifies; the key is only in the token.
func TestHSMPostgresTLS(t *testing.T) {
	tok := hsmtest.New(t)
	url := pgcluster.NewDB(t)
	dir := filepath.Join(t.TempDir(), "ca")
	must(t, append([]string{"init", "--dir", dir, "--listen", "127.0.0.1:0", "--db", url}, tokenArgs(tok)...)...)
	caPath := filepath.Join(dir, ca.CertFile)
	checkKeyOnlyInToken(t, tok, dir, caPath)

	tlsDir := t.TempDir()
	tlsCert, tlsKey := filepath.Join(tlsDir, "tls.pem"), filepath.Join(tlsDir, "tls-key.pem")
	mustTool(t, "openssl", []string{"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
		"-subj", "/CN=ponte-ca test", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", tlsKey, "-out", tlsCert})
	var servers []*server
	for range 2 {
		s := serveWith(t, "--dir", dir, "--listen", "127.0.0.1:0", "--tls-cert", tlsCert, "--tls-key", tlsKey)
		if !strings.HasPrefix(s.base, "https://") {
			t.Fatalf("served on %s", s.base)
		}
		servers = append(servers, s)
	}

	keyPath, newKeyPath := filepath.Join(dir, "old-key.pem"), filepath.Join(dir, "new-key.pem")
	for _, p := range []string{keyPath, newKeyPath} {
		mustTool(t, "openssl", []string{"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", p})
	}
	oldPath := filepath.Join(dir, "old.pem")
	must(t, "issue", "--dir", dir, "--key", keyPath, "--subject", "/C=IT/CN=ANNA BIANCHI/serialNumber=TINIT-BNCNNA80A41H501X",
		"--not-before", time.Now().UTC().AddDate(0, 0, -1060).Format("2006-01-02"), "--days", "1100", "--out", oldPath)
	newPath := filepath.Join(dir, "new.pem")
	mustTool(t, "openssl", []string{"cmp", "-server", servers[0].base, "-path", ".well-known/cmp/p/cns", "-tls_used", "-tls_trusted", tlsCert,
		"-msg_timeout", "20", "-total_timeout", "80", "-cmd", "kur", "-cert", oldPath, "-key", keyPath, "-newkey", newKeyPath,
		"-trusted", caPath, "-implicit_confirm", "-certout", newPath}, "received KUP")
	mustTool(t, "openssl", []string{"verify", "-CAfile", caPath, newPath}, ": OK")
	serial := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(mustTool(t, "openssl", []string{"x509", "-in", newPath, "-noout", "-serial"})), "serial="))

	st, err := store.Open(url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	if c, err := st.Cert(ctx, strings.TrimLeft(serial, "0")); err != nil || c.Parent == "" || !c.RevokedAt.IsZero() {
		t.Fatalf("the renewal %s in PostgreSQL: %+v %v", serial, c, err)
	}

	must(t, "revoke", "--dir", dir, "--cert", newPath, "--reason", "1")
	crlPath := filepath.Join(dir, "crl.der")
	mustTool(t, "curl", []string{"-sSf", "--cacert", tlsCert, "-o", crlPath, servers[1].base + "/crl"})
	mustTool(t, "openssl", []string{"crl", "-inform", "DER", "-in", crlPath, "-CAfile", caPath, "-noout"}, "verify OK")
	mustTool(t, "openssl", []string{"crl", "-inform", "DER", "-in", crlPath, "-noout", "-text"}, "Serial Number: "+strings.ToUpper(serial))
	for _, s := range servers {
		mustTool(t, "curl", []string{"-sSf", "--cacert", tlsCert, s.base + "/healthz"}, `"status":"ok"`, `"database":"ok"`, `"key":"ok"`)
	}
	rep, err := st.VerifyAudit(ctx)
	if err != nil || rep.Events[store.EventIssue] != 2 || rep.Events[store.EventRevoke] != 1 {
		t.Fatalf("audit log: %+v %v", rep, err)
	}
	must(t, "audit", "verify", "--dir", dir)
	checkKeyOnlyInToken(t, tok, dir, caPath)
}
