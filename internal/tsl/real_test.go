package tsl

import (
	"bytes"
	"os"
	"testing"
	"time"
)

// TestRealAgIDList verifies a copy of the real Italian list (https://eidas.agid.gov.it/TL/TSL-IT.xml)
// against the pinned AgID certificates, and a one-byte change of it. Opt-in, as the list is 3 MB and
// tests do not touch the network: PONTE_TSL_IT=/path/to/TSL-IT.xml go test -run RealAgID ./internal/tsl
// (done on 24 November 2026 with sequence number 223, issued 2026-07-27: 56 providers, 560 services).
func TestRealAgIDList(t *testing.T) {
	path := os.Getenv("PONTE_TSL_IT")
	if path == "" {
		t.Skip("PONTE_TSL_IT not set")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	l, err := Verify(b, VerifyOptions{Signers: AgIDSigners(), Territory: Territory, Now: mustTime("2026-11-24T00:00:00Z")})
	if err != nil {
		t.Fatal(err)
	}
	qc := 0
	for _, p := range l.Providers {
		for _, s := range p.Services {
			if s.Type == TypeCAQC && s.Positive() {
				qc++
			}
		}
	}
	t.Logf("sequence %d, issued %s, next update %s, %d providers, %d CA/QC granted, signed by %s",
		l.SequenceNumber, l.Issued, l.NextUpdate, len(l.Providers), qc, l.Signer.Subject)
	if qc == 0 {
		t.Fatal("no CA/QC service granted")
	}
	i := bytes.Index(b, []byte("<TSPName>"))
	bad := bytes.Clone(b)
	bad[i+40] ^= 1
	if _, err := Verify(bad, VerifyOptions{Signers: AgIDSigners(), Territory: Territory}); err == nil {
		t.Fatal("a changed list verified")
	}
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}
