package renew_test

// Attacks by the CA's answer itself: an answer properly protected by the CA's signer (a CA bug, a replay
// of its books, a compromised RA) that carries a certificate the renewal must not take as its result.
// Checked on the card (pkcs11-tool) and in ponte-ca's books.

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/ca"
	"github.com/ponte-it/ponte/internal/cmp"
	"github.com/ponte-it/ponte/internal/renew"
	"github.com/ponte-it/ponte/internal/testkit/testbed"
)

// forgingCA forwards every request to ponte-ca and, in an ip/cp/kup answer, replaces the issued
// certificate with cert, protecting the answer again with the CA's own key (so the client's protection
// check passes: the CA itself said it).
type forgingCA struct {
	ca   *ca.CA
	cert []byte
}

func (f *forgingCA) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	if m, perr := cmp.ParseMessage(body); perr == nil && m.Body.CertRep != nil && len(m.Body.CertRep.Responses) > 0 && m.Body.CertRep.Responses[0].Cert != nil {
		m.Body.CertRep.Responses[0].Cert = f.cert
		m.ExtraCerts = nil
		if err := m.Protect(&cmp.SignatureProtection{Signer: f.ca.Key, Cert: f.ca.Cert}); err != nil {
			return nil, err
		}
		if body, err = m.Marshal(); err != nil {
			return nil, err
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	return resp, nil
}

// TestForgedAnswersLeaveTheCard: the CA answers a same-key extension with (1) the card's own old
// certificate (same public key, chains to the anchors): taken as the new certificate, the engine found it
// "already written", verified and confirmed it, and at cleanup removed the old certificate — the very
// certificate it had just called new — leaving the card with its key and no certificate (I1); (2) a
// certificate for the same key naming another holder, which was written on the card and kept. Each time
// the card must keep exactly its old certificate, and the CA must not revoke it.
func TestForgedAnswersLeaveTheCard(t *testing.T) {
	otherHolder := func(w *world, oldX *x509.Certificate) []byte {
		other := *oldX
		other.Subject = pkix.Name{Country: []string{"IT"}, CommonName: "BNCLGU80A01H501X/8038000000000002", SerialNumber: "TINIT-BNCLGU80A01H501X"}
		other.SerialNumber = big.NewInt(time.Now().UnixNano())
		other.RawSubject = nil // else CreateCertificate keeps the old subject
		der, err := x509.CreateCertificate(rand.Reader, &other, w.bed.CA.Cert, oldX.PublicKey, w.bed.CA.Key)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	for _, c := range []struct {
		what   string
		forged func(w *world, oldX *x509.Certificate) []byte
	}{
		{"the old certificate", func(_ *world, oldX *x509.Certificate) []byte { return oldX.Raw }},
		{"another holder's certificate", otherHolder},
	} {
		// A world each: the CA really issued (and implicitly confirmed) the certificate the forged answer
		// hid, so the certificate's one renewal is spent at the CA after the first attack.
		w := newWorld(t, testbed.Choice{Server: "extend", Mode: "extend"}, testbed.Options{})
		info, old := w.cert(t, "cns")
		oldX, _ := x509.ParseCertificate(old.DER)
		certsBefore := strings.Count(listObjects(t, w.bed), "Certificate Object")
		e := w.engine()
		e.CA.HTTP = &http.Client{Transport: &forgingCA{ca: w.bed.CA, cert: c.forged(w, oldX)}}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		r, err := e.Begin(ctx, info, old)
		cancel()
		t.Logf("renewal answered with %s: %v\n%s", c.what, err, renew.DiagnosticLog(r))
		if err == nil {
			t.Errorf("the renewal succeeded with %s as its new one", c.what)
		}
		if log := renew.DiagnosticLog(r); strings.Contains(log, old.ID+" removed") {
			t.Errorf("%s: the log says the card's own key %s was removed:\n%s", c.what, old.ID, log)
		}
		objs := listObjects(t, w.bed)
		if n := strings.Count(objs, "Certificate Object"); n != certsBefore {
			t.Fatalf("%s: %d certificates on the card, %d before:\n%s", c.what, n, certsBefore, objs)
		}
		if _, now := w.cert(t, "cns"); !bytes.Equal(now.DER, old.DER) {
			t.Fatalf("%s: the card's certificate changed", c.what)
		}
		rec, err := w.bed.CA.Store.Cert(context.Background(), ca.SerialHex(oldX.SerialNumber))
		if err == nil && !rec.RevokedAt.IsZero() {
			t.Fatalf("%s: the CA revoked the card's old certificate", c.what)
		}
	}
}

// TestCAClockAhead: ponte-ca's clock runs two minutes ahead of the holder's computer (within the CA's
// own tolerance for message times), so the renewed certificate's notBefore is in the holder's future.
// The renewal must still end with the new certificate on the card, confirmed at the CA — not fail as
// "untrusted" after the CA issued, charged and (implicitly) confirmed a certificate the card never got.
func TestCAClockAhead(t *testing.T) {
	w := newWorld(t, testbed.Choice{Server: "cns", Mode: "rekey"}, testbed.Options{})
	w.bed.CA.Now = func() time.Time { return time.Now().Add(2 * time.Minute) }
	info, old := w.cert(t, "cns")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r, err := w.engine().Begin(ctx, info, old)
	if err != nil {
		t.Fatalf("renewal with the CA's clock 2 minutes ahead: %v\n%s", err, renew.DiagnosticLog(r))
	}
	if _, now := w.cert(t, "cns"); !bytes.Equal(now.DER, r.NewCert) {
		t.Fatalf("the card does not hold the renewed certificate:\n%s", listObjects(t, w.bed))
	}
	newX, _ := x509.ParseCertificate(r.NewCert)
	rec, err := w.bed.CA.Store.Cert(context.Background(), ca.SerialHex(newX.SerialNumber))
	if err != nil || !rec.RevokedAt.IsZero() {
		t.Fatalf("the renewed certificate at the CA: %+v %v", rec, err)
	}
}
