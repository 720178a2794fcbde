package catest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"testing"

	"github.com/ponte-it/ponte/internal/cmp"
)

// TestRenewalThroughClient: the way other packages use it — provision a card certificate, renew it with
// Ponte's CMP client, get a certificate for the new key.
func TestRenewalThroughClient(t *testing.T) {
	c := New(t, Options{NoDelay: true})
	oldKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	newKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	old := c.Renewable(t, oldKey.Public(), "/C=IT/CN=MARIO ROSSI/serialNumber=TINIT-RSSMRA80A01H501U")
	cl := &cmp.Client{URL: c.Endpoint("cns"), Anchors: c.Anchors()}
	res, err := cl.KeyUpdate(context.Background(), old, oldKey, newKey, false)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Cert.PublicKey.(*ecdsa.PublicKey).Equal(newKey.Public()) || res.Cert.Subject.String() != old.Subject.String() {
		t.Fatalf("renewed certificate %v", res.Cert.Subject)
	}
	if a, err := c.Authenticate(context.Background(), c.Account, c.Password); err != nil || a.Balance <= 0 {
		t.Fatalf("demo account: %v", err)
	}
}

// TestPaidRenewalThroughClient: the prepaid account travels in Request.RegInfo (cmp.AccountRegInfo);
// the demo account is charged the cns-paid price once.
func TestPaidRenewalThroughClient(t *testing.T) {
	c := New(t, Options{NoDelay: true})
	ctx := context.Background()
	oldKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	newKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	old := c.Renewable(t, oldKey.Public(), "/C=IT/CN=PAGANTE")
	before, _ := c.Store.Account(ctx, c.Account)
	ri, err := cmp.AccountRegInfo(c.Account, c.Password)
	if err != nil {
		t.Fatal(err)
	}
	r := cmp.KeyUpdateRequest(old, oldKey, newKey)
	r.RegInfo = []cmp.AttributeTypeAndValue{ri}
	cl := &cmp.Client{URL: c.Endpoint("cns-paid"), Anchors: c.Anchors()}
	if _, err := cl.Enroll(ctx, r); err != nil {
		t.Fatal(err)
	}
	after, _ := c.Store.Account(ctx, c.Account)
	if before.Balance-after.Balance != c.Profiles["cns-paid"].Price {
		t.Fatalf("balance %d -> %d", before.Balance, after.Balance)
	}
}
