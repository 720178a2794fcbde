package ca

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/ca/profile"
	"github.com/ponte-it/ponte/internal/ca/store"
	"github.com/ponte-it/ponte/internal/cmp"
	"github.com/ponte-it/ponte/internal/testkit/pgcluster"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgcluster.StopShared()
	os.Exit(code)
}

// TestInstancesContinueEachOther (issue #19 item 2, docs/ca-scale.md): three CAs opened on one directory
// and one PostgreSQL database — three instances — each served on its own address. A renewal is requested
// from the first (delayed issuance: it answers waiting), polled from the second (which issues it) and
// confirmed at the third; the database has one confirmed renewal and one charge. The renewed certificate
// is revoked through the second: OCSP of the third says revoked (openssl ocsp), and the CRLs of the first
// and third carry the same number and the same revocations, the number greater than before.
func TestInstancesContinueEachOther(t *testing.T) {
	url := pgcluster.NewDB(t)
	dir := t.TempDir()
	res, err := Init(dir, InitOptions{Listen: "127.0.0.1:0", DemoIRSecret: testIRSecret, DemoPassword: testPassword, Database: url})
	if err != nil {
		t.Fatal(err)
	}
	a := &testCA{t: t, dir: dir, ca: res.CA}
	a.profile("renew", func(p *profile.Profile) {
		p.DelaySeconds, p.Price, p.RenewalsPerCertificate, p.ImplicitConfirm = 1, 100, 1, nil
	})
	a.start()
	t.Cleanup(a.stop)
	insts := []*testCA{a}
	for range 2 {
		c, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		if c.Store.Backend() != "postgres" {
			t.Fatalf("instance on %s", c.Store.Backend())
		}
		tc := &testCA{t: t, dir: dir, ca: c}
		tc.start()
		t.Cleanup(tc.stop)
		insts = append(insts, tc)
	}
	h := a.renewable("h", "/C=IT/CN=MARIO ROSSI/serialNumber=TINIT-RSSMRA80A01H501U")
	crl0 := fetchCRL(t, insts[0])

	ctx := context.Background()
	client := func(tc *testCA) *cmp.Client {
		anchors := x509.NewCertPool()
		anchors.AddCert(a.ca.Cert)
		return &cmp.Client{URL: cmp.Endpoint(tc.base, "renew"), Anchors: anchors, Signers: []*x509.Certificate{a.ca.Cert}, MaxWait: 10 * time.Second}
	}
	newKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	req := cmp.KeyUpdateRequest(h.cert, h.key, newKey)
	req.DeferConfirm = true
	ri, _ := cmp.AccountRegInfo("demo", testPassword)
	req.RegInfo = append(req.RegInfo, ri)
	first := client(insts[0])
	first.MaxWait = 0
	got, err := first.Enroll(ctx, req)
	if err != nil || got.Pending == nil {
		t.Fatalf("first instance: %+v %v", got, err)
	}
	prot := &cmp.SignatureProtection{Signer: h.key, Cert: h.cert}
	if got, err = client(insts[1]).Poll(ctx, got.Pending, prot); err != nil || got.Cert == nil {
		t.Fatalf("second instance's poll: %+v %v", got, err)
	}
	if err := client(insts[2]).Confirm(ctx, got.Transaction, prot, got.Cert); err != nil {
		t.Fatalf("third instance's certConf: %v", err)
	}
	serial := SerialHex(got.Cert.SerialNumber)
	st := insts[2].ca.Store
	if tx, err := st.TxnForCert(ctx, serial); err != nil || tx.State != store.StateConfirmed {
		t.Fatalf("transaction %+v %v", tx, err)
	}
	if ch, err := st.Charges(ctx, "demo"); err != nil || len(ch) != 1 || ch[0].CertSerial != serial || !ch[0].RefundedAt.IsZero() {
		t.Fatalf("charges %+v %v", ch, err)
	}

	if err := insts[1].ca.Revoke(ctx, got.Cert.SerialNumber, 1); err != nil {
		t.Fatal(err)
	}
	renewed := filepath.Join(dir, "renewed.pem")
	os.WriteFile(renewed, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: got.Cert.Raw}), 0o644)
	insts[2].ocspSays(renewed, "revoked", "Reason: keyCompromise")
	c1, c3 := fetchCRL(t, insts[0]), fetchCRL(t, insts[2])
	if c1.Number.Cmp(c3.Number) != 0 || c1.Number.Cmp(crl0.Number) <= 0 || len(c1.RevokedCertificateEntries) != 1 || len(c3.RevokedCertificateEntries) != 1 ||
		c1.RevokedCertificateEntries[0].SerialNumber.Cmp(got.Cert.SerialNumber) != 0 || c3.RevokedCertificateEntries[0].SerialNumber.Cmp(got.Cert.SerialNumber) != 0 {
		t.Fatalf("CRLs: #%v %d entries, #%v %d entries (before: #%v)", c1.Number, len(c1.RevokedCertificateEntries), c3.Number, len(c3.RevokedCertificateEntries), crl0.Number)
	}
	if _, err := st.VerifyAudit(ctx); err != nil {
		t.Fatal(err)
	}
}

// fetchCRL gets and checks an instance's CRL.
func fetchCRL(t *testing.T, tc *testCA) *x509.RevocationList {
	t.Helper()
	resp, err := http.Get(tc.base + "/crl")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	der, _ := io.ReadAll(resp.Body)
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		t.Fatal(err)
	}
	if err := crl.CheckSignatureFrom(tc.ca.Cert); err != nil || !bytes.Equal(crl.RawIssuer, tc.ca.Cert.RawSubject) {
		t.Fatalf("CRL signature: %v", err)
	}
	return crl
}

// TestConcurrentExchanges: one CA answers many CMP exchanges at once (they no longer wait for each other):
// four holders, each renewing from two clients at the same moment (paid, one renewal per certificate),
// both confirming. No answer is a storage failure; each certificate ends with exactly one confirmed
// renewal, charged once, the other renewal refused or superseded and refunded; the audit log verifies.
// Run under the race detector too (go test -race).
func TestConcurrentExchanges(t *testing.T) {
	tc := newTestCA(t)
	tc.profile("renew", func(p *profile.Profile) {
		p.DelaySeconds, p.Price, p.RenewalsPerCertificate, p.ImplicitConfirm = 0, 100, 1, nil
	})
	anchors := x509.NewCertPool()
	anchors.AddCert(tc.ca.Cert)
	cl := &cmp.Client{URL: cmp.Endpoint(tc.base, "renew"), Anchors: anchors, Signers: []*x509.Certificate{tc.ca.Cert}}
	ctx := context.Background()
	var holders []card
	for i := range 4 {
		holders = append(holders, tc.renewable(fmt.Sprintf("h%d", i), fmt.Sprintf("/C=IT/CN=TITOLARE %d/serialNumber=TINIT-CONC%d", i, i)))
	}
	before, _ := tc.ca.Store.Account(ctx, "demo")
	var wg sync.WaitGroup
	var failures atomic.Int32
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := holders[i/2]
			newKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			req := cmp.KeyUpdateRequest(h.cert, h.key, newKey)
			req.DeferConfirm = true
			ri, _ := cmp.AccountRegInfo("demo", testPassword)
			req.RegInfo = append(req.RegInfo, ri)
			res, err := cl.Enroll(ctx, req)
			if err == nil {
				err = cl.Confirm(ctx, res.Transaction, &cmp.SignatureProtection{Signer: h.key, Cert: h.cert}, res.Cert)
			}
			var r *cmp.Refusal
			if errors.As(err, &r) && r.Status.FailInfo.Has(cmp.FailSystemFailure) || err != nil && !errors.As(err, &r) {
				failures.Add(1)
				t.Errorf("holder %d: %v", i/2, err)
			}
		}()
	}
	wg.Wait()
	st := tc.ca.Store
	for _, h := range holders {
		if n, err := st.ConfirmedRenewals(ctx, SerialHex(h.cert.SerialNumber)); err != nil || n != 1 {
			t.Errorf("certificate %s: %d confirmed renewals %v", h.cert.SerialNumber, n, err)
		}
	}
	after, _ := st.Account(ctx, "demo")
	if before.Balance-after.Balance != 400 {
		t.Errorf("charged %d cents for 4 confirmed renewals, want 400", before.Balance-after.Balance)
	}
	// Of each pair one renewal was refused (over the allowance, or superseded): each refusal is in the
	// audit log with its message type and failInfo.
	rep, err := st.VerifyAudit(ctx)
	if err != nil || rep.Events[store.EventRefusal] < 4 {
		t.Fatalf("audit log: %+v %v", rep, err)
	}
	recs, _ := st.Audit(ctx, 0, 1000)
	for _, r := range recs {
		if r.Event.Event == store.EventRefusal && (!strings.Contains(r.Detail, "p=renew ") || !strings.Contains(r.Detail, "failInfo=") || r.TransactionID == "") {
			t.Errorf("refusal record %+v", r)
		}
	}
}
