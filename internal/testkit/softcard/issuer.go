package softcard

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/ponte-it/ponte/internal/testkit/pki"
)

// Roles of the two certificates of a TS-CNS, as Issuer receives them: the protocol's and ponte-ca's names.
const (
	RoleAuthentication = "cns"
	RoleSignature      = "signature"
)

// Issuer certifies a public key generated on the card: it returns the certificate DER.
type Issuer func(pub crypto.PublicKey, subject pkix.Name, role string) (certDER []byte, err error)

// TestCA is a small in-process CA for tests and the demo: it puts the CNS policy on authentication
// certificates and keyUsage nonRepudiation on signature certificates, as real TS-CNS issuers do.
type TestCA struct {
	Cert *x509.Certificate
	key  crypto.Signer
	Now  func() time.Time
}

// NewTestCA makes a CA with a fresh ECDSA P-256 key (fast to generate; the card keys are RSA).
func NewTestCA(name string) (*TestCA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	cert, err := pki.Certify(&x509.Certificate{
		Subject:               pkix.Name{Country: []string{"IT"}, Organization: []string{"Ponte test"}, CommonName: name},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}, key.Public(), nil, key)
	if err != nil {
		return nil, err
	}
	return &TestCA{Cert: cert, key: key, Now: time.Now}, nil
}

// Issue certifies pub for a role: authentication (CNS, 6 years, policy 1.3.76.16.2.1, TLS client) or
// signature (3 years, nonRepudiation). Validity figures from CARDS.md.
func (ca *TestCA) Issue(pub crypto.PublicKey, subject pkix.Name, role string) ([]byte, error) {
	now := ca.Now()
	tmpl := &x509.Certificate{Subject: subject, NotBefore: now.Add(-time.Hour)}
	switch role {
	case RoleAuthentication:
		tmpl.NotAfter = now.AddDate(6, 0, 0)
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		tmpl.PolicyIdentifiers = nil
		tmpl.Policies = []x509.OID{mustOID("1.3.76.16.2.1")}
	case RoleSignature:
		tmpl.NotAfter = now.AddDate(3, 0, 0)
		tmpl.KeyUsage = x509.KeyUsageContentCommitment
	default:
		return nil, fmt.Errorf("test CA: unknown role %q", role)
	}
	cert, err := pki.Certify(tmpl, pub, ca.Cert, ca.key)
	if err != nil {
		return nil, err
	}
	return cert.Raw, nil
}

func mustOID(s string) x509.OID {
	o, err := x509.ParseOID(s)
	if err != nil {
		panic(err)
	}
	return o
}

// PonteCA issues through the ponte-ca command:
//
//	ponte-ca issue --dir DIR --key PUB.pem --subject SUBJECT --role ROLE --out CERT.pem
//
// Roles maps our role names to another CA command's (nil: passed unchanged; ponte-ca's are the same).
type PonteCA struct {
	Bin   string
	Dir   string
	Roles map[string]string
}

// Issue runs ponte-ca in a temporary directory and returns the certificate it wrote.
func (c PonteCA) Issue(pub crypto.PublicKey, subject pkix.Name, role string) ([]byte, error) {
	tmp, err := os.MkdirTemp("", "softcard-issue-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	spki, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	keyFile, certFile := filepath.Join(tmp, "pub.pem"), filepath.Join(tmp, "cert.pem")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: spki}), 0o600); err != nil {
		return nil, err
	}
	if r, ok := c.Roles[role]; ok {
		role = r
	}
	cmd := exec.Command(c.Bin, "issue", "--dir", c.Dir, "--key", keyFile, "--subject", subject.String(), "--role", role, "--out", certFile)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("ponte-ca issue: %v: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	b, err := os.ReadFile(certFile)
	if err != nil {
		return nil, err
	}
	if blk, _ := pem.Decode(b); blk != nil {
		return blk.Bytes, nil
	}
	return b, nil // DER
}
