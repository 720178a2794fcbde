package cmp

import (
	"errors"
	"testing"
)

// Revoke against `openssl cmp` as the CA: its mock server parses the rr, checks its protection (the end
// entity's signature, -srv_trusted) and answers rp; our client checks the rp's protection and reads its
// status — accepted, and with -pkistatus 2 a rejection that reaches the caller as a *Refusal.
func TestRevokeInteropOpenSSL(t *testing.T) {
	s := newInteropSetup(t)
	p := &SignatureProtection{Signer: s.eeKey, Cert: s.ee}
	if err := s.client(mockServer(t, s.serverArgs()...)).Revoke(timeout(t), s.expected, p, ReasonCessationOfOperation); err != nil {
		t.Fatalf("rr: %v", err)
	}
	err := s.client(mockServer(t, s.serverArgs("-pkistatus", "2", "-failure", "2")...)).Revoke(timeout(t), s.expected, p, ReasonCessationOfOperation)
	var ref *Refusal
	if !errors.As(err, &ref) || ref.Status.Status != StatusRejection {
		t.Fatalf("rr refused by the CA: %T %v", err, err)
	}
}
