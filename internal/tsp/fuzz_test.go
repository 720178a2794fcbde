package tsp

import (
	"crypto"
	"crypto/sha256"
	"math/big"
	"testing"
)

// FuzzParse: request, response and token parsers never panic on arbitrary bytes.
func FuzzParse(f *testing.F) {
	d := sha256.Sum256(nil)
	q, _ := (&Request{HashAlg: crypto.SHA256, HashedMessage: d[:], Nonce: big.NewInt(5), CertReq: true}).Marshal()
	f.Add(q)
	f.Add(rejection(FailBadAlg, "x"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ParseRequest(b)
		if r, err := ParseResponse(b); err == nil && r.Token != nil {
			VerifyToken(r.Token, nil, nil)
		}
		VerifyToken(b, nil, nil)
	})
}
