package ca

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"testing"
	"time"

	"github.com/ponte-it/ponte/extension"
	"github.com/ponte-it/ponte/internal/ca/profile"
	"github.com/ponte-it/ponte/internal/cmp"
	"github.com/ponte-it/ponte/internal/renew"
	"github.com/ponte-it/ponte/internal/words"
)

// Ponte's own CMP client (internal/cmp) against ponte-ca.

// TestClientResumesAfterRestart: our own client (internal/cmp) leaves a delayed request pending, the CA
// restarts, and the saved transaction is collected from the new instance.
func TestClientResumesAfterRestart(t *testing.T) {
	tc := newTestCA(t)
	tc.profile("slow", func(p *profile.Profile) { p.DelaySeconds = 1 })
	oc := tc.renewable("old", "/C=IT/CN=RIPRESA")
	old, oldKey := oc.cert, oc.key
	newKey, _ := tc.key("new.key")
	anchors := x509.NewCertPool()
	anchors.AddCert(tc.ca.Cert)
	cl := &cmp.Client{URL: cmp.Endpoint(tc.base, "slow"), Anchors: anchors}
	res, err := cl.KeyUpdate(context.Background(), old, oldKey, newKey, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Pending == nil || res.Cert != nil {
		t.Fatalf("want a pending transaction, got %+v", res)
	}
	tc.restart()
	cl.MaxWait = 30 * time.Second
	res, err = cl.Poll(context.Background(), res.Pending, &cmp.SignatureProtection{Signer: oldKey, Cert: old})
	if err != nil {
		t.Fatal(err)
	}
	if res.Cert == nil || !bytes.Equal(res.Cert.RawSubject, old.RawSubject) {
		t.Fatalf("result %+v", res)
	}
	// genm caCerts through the same client.
	cas, err := cl.CACerts(context.Background(), nil)
	if err != nil || len(cas) != 1 || !cas[0].Equal(tc.ca.Cert) {
		t.Fatalf("caCerts: %v %v", cas, err)
	}
}

// TestClientExtendCR: an extension of validity with the same key as cr + oldCertID (RFC 4211 §6.5),
// protected by the certificate itself, on the extension-to-date profile; the client is configured from
// the client profile ponte-ca publishes, which pins the CA certificate as the only CMP signer (I6).
func TestClientExtendCR(t *testing.T) {
	tc := newTestCA(t)
	k := tc.renewable("k", "/C=IT/CN=ESTENSIONE")
	js, err := tc.ca.ClientProfile("extend", "")
	if err != nil {
		t.Fatal(err)
	}
	cp, err := renew.ParseProfile(js)
	if err != nil {
		t.Fatal(err)
	}
	if s := cp.SignerCerts(); len(s) != 1 || !s[0].Equal(tc.ca.Cert) {
		t.Fatalf("published CMP signers %v, want the CA certificate", s)
	}
	cl := &cmp.Client{URL: cmp.Endpoint(tc.base, "extend"), Anchors: cp.AnchorPool(), Signers: cp.SignerCerts(), MaxWait: 30 * time.Second}
	res, err := cl.Extend(context.Background(), k.cert, k.key, cmp.BodyCR, true)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := tc.ca.Profiles["extend"].ExtendToTime()
	if !res.Cert.NotAfter.Equal(want) || !bytes.Equal(res.Cert.RawSubjectPublicKeyInfo, k.cert.RawSubjectPublicKeyInfo) || !res.ImplicitlyConfirmed {
		t.Fatalf("extended certificate: notAfter %v (want %v), implicit %v", res.Cert.NotAfter, want, res.ImplicitlyConfirmed)
	}
	// A second extension of the same certificate is refused, and the client says why.
	_, err = cl.Extend(context.Background(), k.cert, k.key, cmp.BodyCR, true)
	var ref *cmp.Refusal
	if !errors.As(err, &ref) {
		t.Fatalf("want a refusal, got %v", err)
	}
	if r, _ := ref.Status.Reason(); r != cmp.ReasonAlreadyRenewed {
		t.Fatalf("reason %v", ref.Status)
	}
	it, en := extension.Catalog("it").Say(words.Of(err)...), extension.Catalog("en").Say(words.Of(err)...)
	if it == "" || en == "" || it == en {
		t.Fatal("no user text")
	}
}
