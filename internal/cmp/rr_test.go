package cmp

import (
	"bytes"
	"errors"
	"testing"
)

// Revoke against `openssl cmp` as the CA: its mock server parses the rr, checks its protection (the end
// entity's signature, -srv_trusted) and answers rp; our client checks the rp's protection and reads its
// status — accepted for each reason the holder may give, and with -pkistatus 2 a rejection that reaches the caller as a *Refusal.
func TestRevokeInteropOpenSSL(t *testing.T) {
	s := newInteropSetup(t)
	p := &SignatureProtection{Signer: s.eeKey, Cert: s.ee}
	mock := s.client(mockServer(t, s.serverArgs()...))
	// Every reason the holder can give from the card list (issue 17): suspension, reactivation, revocation.
	for _, reason := range []int{ReasonCertificateHold, ReasonRemoveFromCRL, ReasonKeyCompromise, ReasonAffiliationChanged, ReasonCessationOfOperation} {
		if err := mock.Revoke(timeout(t), s.expected, p, reason); err != nil {
			t.Fatalf("rr reason %d: %v", reason, err)
		}
	}
	err := s.client(mockServer(t, s.serverArgs("-pkistatus", "2", "-failure", "2")...)).Revoke(timeout(t), s.expected, p, ReasonCessationOfOperation)
	var ref *Refusal
	if !errors.As(err, &ref) || ref.Status.Status != StatusRejection {
		t.Fatalf("rr refused by the CA: %T %v", err, err)
	}
}

// The CA's side of rr/rp reads what the client writes: the certificate by issuer and serial, the
// reason; an rp carries the status back. A truncated rr is an error, not an empty request.
func TestRevReqRoundTrip(t *testing.T) {
	s := newInteropSetup(t)
	raw, err := encodeRevReq(s.ee, ReasonKeyCompromise)
	if err != nil {
		t.Fatal(err)
	}
	d, err := ParseRevReq(raw)
	if err != nil || len(d) != 1 || d[0].Reason != ReasonKeyCompromise || d[0].Template.SerialNumber.Cmp(s.ee.SerialNumber) != 0 ||
		!bytes.Equal(d[0].Template.Issuer, s.ee.RawIssuer) {
		t.Fatalf("parsed %+v, %v", d, err)
	}
	if _, err := ParseRevReq(raw[:len(raw)-3]); err == nil {
		t.Fatal("a truncated rr parsed")
	}
	want := PKIStatusInfo{Status: StatusRejection, FailInfo: Bit(FailCertRevoked), StatusString: []string{"già revocato", "already revoked"}}
	got, err := decodeRevRep(RevRepBody(want).Raw)
	if err != nil || got.Status != want.Status || got.FailInfo != want.FailInfo || len(got.StatusString) != 2 {
		t.Fatalf("rp: %+v %v", got, err)
	}
}
