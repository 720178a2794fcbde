package ca

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/ponte-it/ponte/internal/tsp"
)

// The CA's time-stamping authority (RFC 3161, responder in internal/tsp) on /tsa, with its own key and
// a certificate from the CA carrying the critical timeStamping extended key usage (RFC 3161 §2.3).
const (
	TSACertFile = "tsa.pem"
	TSAKeyFile  = "tsa-key.pem"
)

// OIDTSAPolicy is the ETSI EN 319 421 best practices time-stamp policy (BTSP), 0.4.0.2023.1.1.
var OIDTSAPolicy = asn1.ObjectIdentifier{0, 4, 0, 2023, 1, 1}

var (
	oidExtKeyUsage  = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidTimeStamping = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}
)

// loadTSA loads the TSA key and certificate, creating them on first use (also for CA directories made
// before the TSA existed).
func (c *CA) loadTSA() error {
	certPath, keyPath := filepath.Join(c.Dir, TSACertFile), filepath.Join(c.Dir, TSAKeyFile)
	if _, err := os.Stat(certPath); errors.Is(err, os.ErrNotExist) {
		if err := c.createTSA(certPath, keyPath); err != nil {
			return fmt.Errorf("creazione della TSA / creating the TSA: %w", err)
		}
	}
	certPEM, err := os.ReadFile(certPath)
	if err != nil {
		return err
	}
	cert, err := ParseCertificatePEM(certPEM)
	if err != nil {
		return fmt.Errorf("%s: %w", TSACertFile, err)
	}
	key, err := readSigner(keyPath)
	if err != nil {
		return err
	}
	if !publicKeysEqual(key.Public(), cert.PublicKey) {
		return fmt.Errorf("%s non corrisponde a %s / %s does not match %s", TSAKeyFile, TSACertFile, TSAKeyFile, TSACertFile)
	}
	c.TSA = &tsp.Responder{Signer: key, Chain: []*x509.Certificate{cert, c.Cert}, Policy: OIDTSAPolicy, Now: c.Now}
	return nil
}

func (c *CA) createTSA(certPath, keyPath string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	serial, err := randomSerial()
	if err != nil {
		return err
	}
	ski, err := subjectKeyID(key.Public())
	if err != nil {
		return err
	}
	eku, err := asn1.Marshal([]asn1.ObjectIdentifier{oidTimeStamping})
	if err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Second)
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: c.Cert.Subject.CommonName + " - TSA", Organization: []string{"Ponte"}, Country: []string{"IT"}},
		NotBefore:    now.Add(-time.Hour), NotAfter: now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		SubjectKeyId:          ski,
		// RFC 3161 §2.3: the extended key usage with only id-kp-timeStamping, critical.
		ExtraExtensions: []pkix.Extension{{Id: oidExtKeyUsage, Critical: true, Value: eku}},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.Cert, key.Public(), c.Key)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return err
	}
	return os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
}

// readSigner reads a PKCS #8 private key file.
func readSigner(path string) (crypto.Signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	b, _ := pem.Decode(data)
	if b == nil {
		return nil, fmt.Errorf("%s: nessun blocco PEM / no PEM block", filepath.Base(path))
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%s: chiave non utilizzabile per firmare / key cannot sign", filepath.Base(path))
	}
	return s, nil
}
