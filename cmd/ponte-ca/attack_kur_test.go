package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/ca"
	"github.com/ponte-it/ponte/internal/ca/store"
	"github.com/ponte-it/ponte/internal/testkit/pgcluster"
)

// TestConcurrentKurOneCertificate (attack, issue #19): four `openssl cmp` clients renew one certificate
// (allowance 1, implicit confirmation) at once, two through each of two `ponte-ca serve` instances on
// one PostgreSQL database. Whatever the interleaving: the database holds exactly one confirmed renewal
// of the certificate, it is valid and it is the certificate one client received; every other
// certificate a client received is revoked; the audit log verifies (openssl's own `verify` checks the
// certificate received, not our parser).
func TestConcurrentKurOneCertificate(t *testing.T) {
	url := pgcluster.NewDB(t)
	dir := filepath.Join(t.TempDir(), "ca")
	must(t, "init", "--dir", dir, "--listen", "127.0.0.1:0", "--db", url)
	caPath := filepath.Join(dir, ca.CertFile)
	servers := []*server{serveWith(t, "--dir", dir, "--listen", "127.0.0.1:0"), serveWith(t, "--dir", dir, "--listen", "127.0.0.1:0")}
	keyPath, oldPath := filepath.Join(dir, "old-key.pem"), filepath.Join(dir, "old.pem")
	mustTool(t, "openssl", []string{"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", keyPath})
	must(t, "issue", "--dir", dir, "--key", keyPath, "--subject", "/C=IT/CN=ANNA BIANCHI/serialNumber=TINIT-BNCNNA80A41H501X",
		"--not-before", time.Now().UTC().AddDate(0, 0, -1060).Format("2006-01-02"), "--days", "1100", "--out", oldPath)
	const clients = 4
	var wg sync.WaitGroup
	got := make([]bool, clients)
	for i := range clients {
		newKey := filepath.Join(dir, fmt.Sprintf("new-key-%d.pem", i))
		mustTool(t, "openssl", []string{"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", newKey})
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := tool(t, "openssl", "cmp", "-server", servers[i%2].base, "-path", ".well-known/cmp/p/cns", "-msg_timeout", "20", "-total_timeout", "80",
				"-cmd", "kur", "-cert", oldPath, "-key", keyPath, "-newkey", newKey, "-trusted", caPath, "-implicit_confirm",
				"-certout", filepath.Join(dir, fmt.Sprintf("new-%d.pem", i)))
			got[i] = err == nil
		}()
	}
	wg.Wait()
	st, err := store.Open(url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	oldSerial := certSerial(t, oldPath)
	if n, err := st.ConfirmedRenewals(ctx, oldSerial); err != nil || n != 1 {
		t.Fatalf("%d confirmed renewals of one certificate (%v), want 1; clients got %v", n, err, got)
	}
	valid := 0
	for i, ok := range got {
		if !ok {
			continue
		}
		p := filepath.Join(dir, fmt.Sprintf("new-%d.pem", i))
		mustTool(t, "openssl", []string{"verify", "-CAfile", caPath, p}, ": OK")
		c, err := st.Cert(ctx, certSerial(t, p))
		if err != nil || c.Parent != oldSerial {
			t.Fatalf("client %d's certificate in the database: %+v %v", i, c, err)
		}
		if c.RevokedAt.IsZero() {
			valid++
		}
	}
	if valid != 1 {
		t.Fatalf("%d certificates received and valid, want 1 (clients got %v)", valid, got)
	}
	if n, err := st.Renewals(ctx, oldSerial); err != nil || n < 1 || n > clients {
		t.Fatalf("%d renewals issued (%v)", n, err)
	}
	if _, err := st.VerifyAudit(ctx); err != nil {
		t.Fatal(err)
	}
}

// certSerial is a PEM certificate's serial as the store keys it (lower-case hex, no leading zeros).
func certSerial(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ca.ParseCertificatePEM(b)
	if err != nil {
		t.Fatal(err)
	}
	return c.SerialNumber.Text(16)
}
