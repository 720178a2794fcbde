// Package signtest makes the test PKI the signing packages' tests share: a root CA, an intermediate,
// a signer with nonRepudiation (as a qualified signature certificate), a CNS-like authentication
// certificate and a TSA, all fresh per call. For tests only.
package signtest

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"io"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/testkit/pki"
)

// Identity is a key with its certificate chain (leaf first, root last).
type Identity = pki.Identity

// Issue and RSAKey are the kit's certificate factory (internal/testkit/pki), named here for the signing
// tests: Issue makes a certificate from tmpl for key, signed by parent (nil: self-signed), with a fresh
// serial and, when tmpl has none, a validity of one year from an hour ago.
var (
	Issue  = pki.Issue
	RSAKey = pki.RSAKey
)

// PKI is a test hierarchy.
type PKI struct {
	Root, Intermediate *Identity
	Signer             *Identity // RSA-2048, nonRepudiation
	ECSigner           *Identity // P-256, nonRepudiation
	Auth               *Identity // CNS-like authentication certificate, policy 1.3.76.16.2.1
	TSA                *Identity // critical EKU timeStamping
}

// PolicyCNSAuth is the CNS authentication certificate policy (CARDS.md).
var PolicyCNSAuth = asn1.ObjectIdentifier{1, 3, 76, 16, 2, 1}

// NewPKI makes a fresh hierarchy.
func NewPKI(t testing.TB) *PKI { return NewPKIWithCRL(t, "") }

// NewPKIWithCRL makes a hierarchy whose signer certificates name crlURL as their CRL distribution point
// (validators such as pdfcpu want revocation information before calling a signature valid); serve
// IntermediateCRL there.
func NewPKIWithCRL(t testing.TB, crlURL string) *PKI {
	t.Helper()
	var dp []string
	if crlURL != "" {
		dp = []string{crlURL}
	}
	p := &PKI{}
	p.Root = Issue(t, &x509.Certificate{
		Subject: pkix.Name{CommonName: "Ponte Test Root CA", Organization: []string{"Ponte test"}, Country: []string{"IT"}},
		IsCA:    true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}, RSAKey(t, 2048), nil)
	p.Intermediate = Issue(t, &x509.Certificate{
		Subject: pkix.Name{CommonName: "Ponte Test Qualified CA", Organization: []string{"Ponte test"}, Country: []string{"IT"}},
		IsCA:    true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}, RSAKey(t, 2048), p.Root)
	p.Signer = Issue(t, &x509.Certificate{
		Subject:  pkix.Name{CommonName: "ROSSI MARIO", SerialNumber: "TINIT-RSSMRA80A01H501U", Country: []string{"IT"}},
		KeyUsage: x509.KeyUsageContentCommitment, CRLDistributionPoints: dp,
	}, RSAKey(t, 2048), p.Intermediate)
	p.ECSigner = Issue(t, &x509.Certificate{
		Subject:  pkix.Name{CommonName: "BIANCHI ANNA", SerialNumber: "TINIT-BNCNNA85B41F205X", Country: []string{"IT"}},
		KeyUsage: x509.KeyUsageContentCommitment, CRLDistributionPoints: dp,
	}, pki.ECKey(t), p.Intermediate)
	p.Auth = Issue(t, &x509.Certificate{
		Subject:     pkix.Name{CommonName: "RSSMRA80A01H501U/1234567890.abcd", Country: []string{"IT"}},
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		Policies:    []x509.OID{mustOID(t, 1, 3, 76, 16, 2, 1)},
	}, RSAKey(t, 2048), p.Intermediate)
	p.TSA = Issue(t, &x509.Certificate{
		Subject:  pkix.Name{CommonName: "Ponte Test TSA", Country: []string{"IT"}},
		KeyUsage: x509.KeyUsageDigitalSignature,
		// RFC 3161 §2.3: the one extended key usage, timeStamping, marked critical.
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true,
			Value: mustDER(t, []asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}})}},
	}, RSAKey(t, 2048), p.Root)
	return p
}

// WritePEM writes certificates as one PEM file in dir and returns its path.
func WritePEM(t testing.TB, dir, name string, certs ...*x509.Certificate) string {
	t.Helper()
	var out []byte
	for _, c := range certs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// CountingSigner counts Sign calls (the card must sign once per document).
type CountingSigner struct {
	crypto.Signer
	Calls int
}

// Sign implements crypto.Signer.
func (c *CountingSigner) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	c.Calls++
	return c.Signer.Sign(r, digest, opts)
}

func mustDER(t testing.TB, v any) []byte {
	t.Helper()
	b, err := asn1.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// IntermediateCRL is an empty, current CRL (RFC 5280 §5) issued by the intermediate CA.
func (p *PKI) IntermediateCRL(t testing.TB) []byte {
	t.Helper()
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number: big.NewInt(1), ThisUpdate: time.Now().Add(-time.Hour), NextUpdate: time.Now().Add(24 * time.Hour),
	}, p.Intermediate.Cert(), p.Intermediate.Key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func mustOID(t testing.TB, arcs ...uint64) x509.OID {
	o, err := x509.OIDFromInts(arcs)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// WriteKey writes a private key as PKCS#8 PEM (for openssl and pk12util in tests).
func WriteKey(t testing.TB, path string, k crypto.Signer) {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// Run runs a tool and returns its combined output, failing the test with the output on error.
func Run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
	}
	return string(out)
}
