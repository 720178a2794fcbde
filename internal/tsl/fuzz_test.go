package tsl_test

import (
	"crypto/x509"
	"os"
	"testing"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/tsl"
)

// FuzzVerify: any input is refused with an error or verified and read — never a panic or a hang; a list
// that verifies or parses answers every query. The seed is a fixed list (testdata/fuzz-seed.xml, made by
// tsltest with a P-256 key whose certificate is fuzz-seed-signer.pem): fuzz workers must all see the same
// seed, so it cannot be generated with fresh keys at each start.
func FuzzVerify(f *testing.F) {
	seed, err := os.ReadFile("testdata/fuzz-seed.xml")
	if err != nil {
		f.Fatal(err)
	}
	pemBytes, err := os.ReadFile("testdata/fuzz-seed-signer.pem")
	if err != nil {
		f.Fatal(err)
	}
	pinned, err := tsl.ParsePEM(pemBytes)
	if err != nil || len(pinned) != 1 {
		f.Fatal("fuzz-seed-signer.pem", err)
	}
	if _, err := tsl.Verify(seed, tsl.VerifyOptions{Signers: pinned, Now: now}); err != nil {
		f.Fatal("the seed does not verify: ", err)
	}
	f.Add(seed)
	f.Add([]byte(`<TrustServiceStatusList xmlns="http://uri.etsi.org/02231/v2#"><SchemeInformation><TSLVersionIdentifier>5</TSLVersionIdentifier><TSLSequenceNumber>1</TSLSequenceNumber><SchemeTerritory>IT</SchemeTerritory><ListIssueDateTime>2026-01-01T00:00:00Z</ListIssueDateTime></SchemeInformation></TrustServiceStatusList>`))
	f.Add([]byte(`<TrustServiceStatusList xmlns="http://uri.etsi.org/02231/v2#"><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"/></TrustServiceStatusList>`))
	probe := pinned[0]
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, read := range []func() (*tsl.List, error){
			func() (*tsl.List, error) {
				return tsl.Verify(data, tsl.VerifyOptions{Signers: []*x509.Certificate{probe}, Now: now})
			},
			func() (*tsl.List, error) { return tsl.Parse(data) },
		} {
			list, err := read()
			if err != nil {
				continue
			}
			list.Anchors(cms.PurposeSignature, now)
			list.Anchors(cms.PurposeTimeStamp, before)
			list.Find(probe, now).Qualified()
			list.Expired(now)
		}
	})
}
