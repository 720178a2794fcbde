package authverify

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// vectors.json is shared with the Node helper (authverify.mjs, test/js/authverify.test.mjs): tokens a card
// would give, for RSA and EC keys, that both implementations must accept, and changed ones both refuse.
// PONTE_UPDATE_VECTORS=1 writes it anew.
type vector struct {
	Name   string `json:"name"`
	Origin string `json:"origin"`
	Nonce  string `json:"nonce"`
	Now    string `json:"now"`
	Root   string `json:"root"` // PEM
	Token  Token  `json:"token"`
	Valid  bool   `json:"valid"`
}

const vectorsFile = "testdata/vectors.json"

func writeVectors(t *testing.T) {
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	notBefore := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Vector CNS CA"}, NotBefore: notBefore,
		NotAfter: notBefore.AddDate(20, 0, 0), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, _ := x509.CreateCertificate(rand.Reader, ca, ca, caKey.Public(), caKey)
	ca, _ = x509.ParseCertificate(caDER)
	root := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}))
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p := &pki{caKey: caKey, ca: ca}
	var out []vector
	for _, key := range []crypto.Signer{rsaKey, ecKey} {
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "RSSMRA80A01H501U/ROSSI MARIO"},
			NotBefore: notBefore, NotAfter: notBefore.AddDate(10, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, key.Public(), caKey)
		if err != nil {
			t.Fatal(err)
		}
		nonce, _ := NewNonce()
		tok := cardSign(t, key, "https://servizi.comune.it", nonce)
		tok.Certificate = base64.StdEncoding.EncodeToString(der)
		v := vector{Origin: "https://servizi.comune.it", Nonce: nonce, Now: "2030-06-01T00:00:00Z", Root: root, Token: tok, Valid: true}
		v.Name = tok.Algorithm
		out = append(out, v)
		bad := v
		bad.Name, bad.Origin, bad.Valid = tok.Algorithm+" other origin", "https://servizi.comune.it:8443", false
		out = append(out, bad)
		bad = v
		bad.Name, bad.Now, bad.Valid = tok.Algorithm+" expired", "2036-01-02T00:00:00Z", false
		out = append(out, bad)
		// The forgery through the page API's sign: any allow-listed page gets the signature key to sign
		// the 32 (48) bytes it chooses, so it can have it sign Digest(origin of another site, that
		// site's nonce). A token with a nonRepudiation certificate must never log anyone in: the
		// ponte-ca signature certificate (nonRepudiation only, no extendedKeyUsage, the same CA), and
		// one that also has digitalSignature and clientAuth.
		for name, ku := range map[string]x509.KeyUsage{
			" signature certificate (sign forgery)":               x509.KeyUsageContentCommitment,
			" nonRepudiation and digitalSignature (sign forgery)": x509.KeyUsageContentCommitment | x509.KeyUsageDigitalSignature,
		} {
			forged := *tmpl
			forged.SerialNumber, forged.KeyUsage, forged.ExtKeyUsage = big.NewInt(time.Now().UnixNano()), ku, nil
			if ku&x509.KeyUsageDigitalSignature != 0 {
				forged.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
			}
			der, err := x509.CreateCertificate(rand.Reader, &forged, p.ca, key.Public(), caKey)
			if err != nil {
				t.Fatal(err)
			}
			bad = v
			bad.Name, bad.Valid = tok.Algorithm+name, false
			bad.Token.Certificate = base64.StdEncoding.EncodeToString(der)
			out = append(out, bad)
		}
	}
	b, _ := json.MarshalIndent(out, "", "  ")
	if err := os.WriteFile(vectorsFile, append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestVectors(t *testing.T) {
	if os.Getenv("PONTE_UPDATE_VECTORS") == "1" {
		_ = os.MkdirAll(filepath.Dir(vectorsFile), 0o755)
		writeVectors(t)
	}
	b, err := os.ReadFile(vectorsFile)
	if err != nil {
		t.Fatal(err)
	}
	var vs []vector
	if err := json.Unmarshal(b, &vs); err != nil || len(vs) == 0 {
		t.Fatalf("%s: %v", vectorsFile, err)
	}
	for _, v := range vs {
		block, _ := pem.Decode([]byte(v.Root))
		root, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		roots := x509.NewCertPool()
		roots.AddCert(root)
		now, _ := time.Parse(time.RFC3339, v.Now)
		_, err = Verify(v.Token, Options{Origin: v.Origin, Nonce: v.Nonce, Roots: roots, Now: now})
		if (err == nil) != v.Valid {
			t.Errorf("%s: %v, want valid %v", v.Name, err, v.Valid)
		}
	}
}
