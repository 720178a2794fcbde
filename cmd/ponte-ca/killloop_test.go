package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/ca"
	"github.com/ponte-it/ponte/internal/ca/store"
	"github.com/ponte-it/ponte/internal/cmp"
)

// holder is an old certificate of the kill loop and its key.
type holder struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// paidCA makes a CA directory with the paid profile, a funded account and two holders, and returns the
// CA certificate as the clients' anchor and pinned signer.
func paidCA(t *testing.T) (dir string, holders []holder, caCert *x509.Certificate, anchors *x509.CertPool) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "ca")
	must(t, "init", "--dir", dir, "--listen", "127.0.0.1:0")
	paidProfile(t, dir)
	must(t, "account", "add", "--dir", dir, "--id", "studio", "--password", "una-password-lunga", "--balance", "1000")
	holders = []holder{newHolder(t, dir, "a"), newHolder(t, dir, "b")}
	caPEM, _ := os.ReadFile(filepath.Join(dir, ca.CertFile))
	caCert, _ = ca.ParseCertificatePEM(caPEM)
	anchors = x509.NewCertPool()
	anchors.AddCert(caCert)
	return dir, holders, caCert, anchors
}

// TestKilledAtRandomPoints (invariants I2, I3, I5): paid renewals of two certificates of one holder —
// confirmed, rejected, left unconfirmed, with a wrong password — run while the real ponte-ca is killed
// (SIGKILL) after a random delay, a bounded number of times; then it is started again and both renewals
// are finished. The database shows: at most one confirmed renewal per certificate, each valid; every
// other renewal revoked unless it is the one still waiting for its certConf; every charge either kept
// for a confirmed (or pending) certificate or refunded, never both, the balance exactly the initial one
// minus the charges kept.
func TestKilledAtRandomPoints(t *testing.T) {
	dir, holders, caCert, anchors := paidCA(t)

	s := serve(t, dir, "127.0.0.1:0")
	addr := s.base[len("http://"):]
	cl := &cmp.Client{URL: cmp.Endpoint(s.base, "paid"), Anchors: anchors, Signers: []*x509.Certificate{caCert}}
	for round := 0; round < 8; round++ {
		if round > 0 {
			s = serve(t, dir, addr)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			for i := 0; i < 6; i++ {
				// Confirming is rare: after it the certificate's allowance is used and nothing more happens.
				if isTransport(renewStep(cl, holders[randInt(2)], []int{0, 1, 1, 2, 2, 2, 3, 3}[randInt(8)], 10*time.Second)) {
					return
				}
			}
		}()
		time.Sleep(time.Duration(randInt(1500)) * time.Millisecond)
		s.kill()
		<-done
	}
	s = serve(t, dir, addr)
	for _, h := range holders {
		renewStep(cl, h, 0, 30*time.Second)
	}
	s.kill()
	checkDB(t, dir, holders)
}

// TestTwoServersOneDatabase (I2, I3): two ponte-ca processes on one directory (a restart overlapping the
// old process) serve parallel paid renewals of the same certificates. SQLite serialises them: no answer
// is a storage failure (write transactions begin IMMEDIATE, so one waits for the other's lock instead of
// failing on a stale snapshot), and the database keeps the invariants.
func TestTwoServersOneDatabase(t *testing.T) {
	dir, holders, caCert, anchors := paidCA(t)
	servers := []*server{serve(t, dir, "127.0.0.1:0"), serve(t, dir, "127.0.0.1:0")}
	var wg sync.WaitGroup
	var failures atomic.Int32
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := &cmp.Client{URL: cmp.Endpoint(servers[i%2].base, "paid"), Anchors: anchors, Signers: []*x509.Certificate{caCert}}
			for j := 0; j < 4; j++ {
				var r *cmp.Refusal
				if err := renewStep(cl, holders[(i/2)%2], (i+j)%4, 20*time.Second); errors.As(err, &r) && r.Status.FailInfo.Has(cmp.FailSystemFailure) {
					failures.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	for _, s := range servers {
		s.kill()
	}
	if failures.Load() > 0 {
		t.Errorf("%d answers were a storage failure", failures.Load())
	}
	s := serve(t, dir, "127.0.0.1:0")
	cl := &cmp.Client{URL: cmp.Endpoint(s.base, "paid"), Anchors: anchors, Signers: []*x509.Certificate{caCert}}
	for _, h := range holders {
		renewStep(cl, h, 0, 30*time.Second)
	}
	s.kill()
	checkDB(t, dir, holders)
}

// paidProfile writes profile "paid": the cns one, immediate issuance, one renewal per certificate, 1 €.
func paidProfile(t *testing.T, dir string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, ca.ProfilesDir, "cns.json"))
	if err != nil {
		t.Fatal(err)
	}
	var p map[string]any
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatal(err)
	}
	p["name"], p["delaySeconds"], p["price"], p["renewalsPerCertificate"] = "paid", 0, 100, 1
	delete(p, "implicitConfirm")
	out, _ := json.Marshal(p)
	if err := os.WriteFile(filepath.Join(dir, ca.ProfilesDir, "paid.json"), out, 0o600); err != nil {
		t.Fatal(err)
	}
}

func newHolder(t *testing.T, dir, name string) holder {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	keyPath, certPath := filepath.Join(dir, name+".key"), filepath.Join(dir, name+".pem")
	os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
	nb := time.Now().UTC().AddDate(0, 0, -1060).Format("2006-01-02")
	must(t, "issue", "--dir", dir, "--key", keyPath, "--subject", "/C=IT/CN=UCCISO "+name+"/serialNumber=TINIT-RSSMRA80A01H501U",
		"--not-before", nb, "--days", "1100", "--out", certPath)
	data, _ := os.ReadFile(certPath)
	cert, err := ca.ParseCertificatePEM(data)
	if err != nil {
		t.Fatal(err)
	}
	return holder{cert: cert, key: key}
}

// renewStep renews h's certificate and then, by action: 0 confirms, 1 rejects, 2 leaves it unconfirmed,
// 3 uses a wrong password. It returns the client's error, if any.
func renewStep(cl *cmp.Client, h holder, action int, d time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	newKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	req := cmp.KeyUpdateRequest(h.cert, h.key, newKey)
	req.DeferConfirm = true
	pw := "una-password-lunga"
	if action == 3 {
		pw = "sbagliata"
	}
	ri, _ := cmp.AccountRegInfo("studio", pw)
	req.RegInfo = append(req.RegInfo, ri)
	res, err := cl.Enroll(ctx, req)
	if err != nil || res.Cert == nil {
		return err
	}
	prot := &cmp.SignatureProtection{Signer: h.key, Cert: h.cert}
	switch action {
	case 0:
		err = cl.Confirm(ctx, res.Transaction, prot, res.Cert)
	case 1:
		err = cl.Reject(ctx, res.Transaction, prot, res.Cert, &cmp.Error{Code: cmp.CodeUntrustedCert})
	}
	return err
}

func isTransport(err error) bool {
	ce, ok := err.(*cmp.Error)
	return ok && ce.Code == cmp.CodeTransport
}

func randInt(n int64) int {
	v, _ := rand.Int(rand.Reader, big.NewInt(n))
	return int(v.Int64())
}

// checkDB asserts I2 and I3 on the database after the loop.
func checkDB(t *testing.T, dir string, holders []holder) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(filepath.Join(dir, ca.DBFile))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	certs, err := st.Certs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	confirmed, pending := map[string]int{}, map[string]int{}
	for _, c := range certs {
		if c.Parent == "" {
			continue
		}
		tx, err := st.TxnForCert(ctx, c.Serial)
		if err != nil {
			t.Fatalf("certificate %s without its transaction: %v", c.Serial, err)
		}
		revoked := !c.RevokedAt.IsZero()
		switch tx.State {
		case store.StateConfirmed:
			confirmed[c.Parent]++
		case store.StateIssued:
			pending[c.Parent]++
		}
		if live := tx.State == store.StateConfirmed || tx.State == store.StateIssued; live == revoked {
			t.Errorf("renewal %s in state %s, revoked %v", c.Serial, tx.State, revoked)
		}
	}
	for _, h := range holders {
		p := ca.SerialHex(h.cert.SerialNumber)
		if confirmed[p] != 1 || pending[p] != 0 {
			t.Errorf("certificate %s: %d confirmed renewals, %d pending, want 1 and 0", p, confirmed[p], pending[p])
		}
	}
	charges, err := st.Charges(ctx, "studio")
	if err != nil {
		t.Fatal(err)
	}
	var kept int64
	for _, ch := range charges {
		tx, err := st.Txn(ctx, ch.TransactionID)
		if err != nil || tx.CertSerial != ch.CertSerial {
			t.Fatalf("charge %+v: transaction %+v %v", ch, tx, err)
		}
		live := tx.State == store.StateConfirmed || tx.State == store.StateIssued
		if live != ch.RefundedAt.IsZero() {
			t.Errorf("charge of %s (state %s) refunded at %v", ch.TransactionID, tx.State, ch.RefundedAt)
		}
		if live {
			kept += ch.Amount
		}
	}
	t.Logf("%d renewals issued, %d charges (%d cents kept)", len(certs)-len(holders), len(charges), kept)
	a, err := st.Account(ctx, "studio")
	if err != nil || a.Balance != 1000-kept || a.Balance < 0 || kept != 200 {
		t.Fatalf("balance %+v %v, charges kept %d (want 200) of %d", a, err, kept, len(charges))
	}
}
