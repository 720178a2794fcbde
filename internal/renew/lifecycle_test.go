package renew_test

import (
	"context"
	"crypto/x509"
	"errors"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/ponte-it/ponte/extension"
	"github.com/ponte-it/ponte/internal/ca"
	"github.com/ponte-it/ponte/internal/cmp"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/renew"
	"github.com/ponte-it/ponte/internal/testkit/testbed"
)

// TestChangeStatusOnTheCard: suspend, reactivate and revoke the card's authentication certificate with
// rr signed by its key on the SoftHSM card through a real ponte-host; after each, the CA's database and
// its OCSP answer say so. A revoked certificate cannot be reactivated, and the CA's words come back.
func TestChangeStatusOnTheCard(t *testing.T) {
	w := newWorld(t, testbed.Choice{Server: "cns", Mode: "rekey"}, testbed.Options{})
	_, cert := w.cert(t, "cns")
	x, _ := x509.ParseCertificate(cert.DER)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if p := renew.IssuerProfile([]*renew.Profile{w.profile}, cert); p != w.profile {
		t.Fatalf("IssuerProfile: %v", p)
	}
	pin := renew.SamePIN(protocol.Secret(testbed.PIN))
	step := func(a renew.Action, reason int, wantStatus, wantReason int) {
		t.Helper()
		if err := renew.ChangeStatus(ctx, w.profile, w.card, cert, a, reason, pin); err != nil {
			t.Fatalf("%s: %v", a, err)
		}
		rec, err := w.bed.CA.Store.Cert(ctx, ca.SerialHex(x.SerialNumber))
		if err != nil || rec.RevokedAt.IsZero() != (wantStatus == ocsp.Good) || (wantStatus == ocsp.Revoked && rec.RevocationReason != wantReason) {
			t.Fatalf("%s: row %+v %v", a, rec, err)
		}
		req, _ := ocsp.CreateRequest(x, w.bed.CA.Cert, nil)
		parsed, _ := ocsp.ParseRequest(req)
		der, err := w.bed.CA.OCSPResponse(ctx, parsed)
		if err != nil {
			t.Fatal(err)
		}
		r, err := ocsp.ParseResponseForCert(der, x, w.bed.CA.Cert)
		if err != nil || r.Status != wantStatus || (wantStatus == ocsp.Revoked && r.RevocationReason != wantReason) {
			t.Fatalf("%s: OCSP %+v %v", a, r, err)
		}
	}
	step(renew.ActionSuspend, 0, ocsp.Revoked, cmp.ReasonCertificateHold)
	step(renew.ActionReactivate, 0, ocsp.Good, 0)
	step(renew.ActionRevoke, cmp.ReasonKeyCompromise, ocsp.Revoked, cmp.ReasonKeyCompromise)

	err := renew.ChangeStatus(ctx, w.profile, w.card, cert, renew.ActionReactivate, 0, pin)
	var f *renew.Failure
	if !errors.As(err, &f) || f.Code != "ca-refused" || f.Text(extension.Catalog("it")) == "" {
		t.Fatalf("reactivating a revoked certificate: %v", err)
	}
	if _, err := renew.ReasonOf(renew.ActionRevoke, cmp.ReasonCertificateHold); err == nil {
		t.Fatal("certificateHold accepted as a permanent revocation reason")
	}
}
