package certcache

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/pkcs12"
)

// MaxFileSize bounds a certificate file read from the user's disk.
const MaxFileSize = 256 << 10

// ErrPassword is a .p12 whose password does not open it.
var ErrPassword = errors.New("password del file .p12 errata / wrong password for the .p12 file")

// NeedsPassword says whether a file name is a PKCS#12 container (the page then asks the password).
func NeedsPassword(name string) bool {
	n := strings.ToLower(name)
	return strings.HasSuffix(n, ".p12") || strings.HasSuffix(n, ".pfx")
}

// ParseFile reads the certificates of a .cer/.crt/.der (DER), .pem (one or more CERTIFICATE blocks) or
// .p12/.pfx (RFC 7292; password used once here and not kept) file. Private keys in the file are ignored.
func ParseFile(name string, data []byte, password string) ([]*x509.Certificate, error) {
	if len(data) == 0 {
		return nil, errors.New("file vuoto / empty file")
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("file troppo grande (più di %d KiB): non è un certificato / file too large (over %d KiB): not a certificate", MaxFileSize>>10, MaxFileSize>>10)
	}
	if NeedsPassword(name) {
		return parseP12(data, password)
	}
	if bytes.Contains(data, []byte("-----BEGIN")) {
		return parsePEM(data)
	}
	c, err := x509.ParseCertificate(data)
	if err != nil {
		return nil, fmt.Errorf("il file non contiene un certificato X.509 leggibile (%v) / the file holds no readable X.509 certificate", err)
	}
	return []*x509.Certificate{c}, nil
}

func parsePEM(data []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue // keys and requests in the same file are not ours to read
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificato PEM non valido (%v) / invalid PEM certificate", err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("nessun blocco CERTIFICATE nel file PEM / no CERTIFICATE block in the PEM file")
	}
	return out, nil
}

// parseP12 uses golang.org/x/crypto/pkcs12, which knows the PKCS#12 v1 PBEs (RFC 7292 App. C: 3DES,
// RC2-40) — what older Windows and `openssl pkcs12 -legacy` write — and falls back to certificatesPBES2 for
// PBES2/AES (RFC 8018), the OpenSSL 3 default.
func parseP12(data []byte, password string) ([]*x509.Certificate, error) {
	blocks, err := pkcs12.ToPEM(data, password)
	if err != nil {
		var ni pkcs12.NotImplementedError
		switch {
		case errors.Is(err, pkcs12.ErrIncorrectPassword), errors.Is(err, pkcs12.ErrDecryption):
			return nil, ErrPassword
		case errors.As(err, &ni):
			return p12PBES2(data, password)
		}
		return nil, fmt.Errorf("file .p12 non leggibile (%v) / unreadable .p12 file", err)
	}
	var out []*x509.Certificate
	for _, b := range blocks {
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificato nel .p12 non valido (%v) / invalid certificate in the .p12", err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("il .p12 non contiene certificati / the .p12 holds no certificate")
	}
	return leafFirst(out), nil
}

// leafFirst keeps the end-entity certificates (not CA certificates of the chain bundled in the file).
func leafFirst(cs []*x509.Certificate) []*x509.Certificate {
	var leaves []*x509.Certificate
	for _, c := range cs {
		if !c.IsCA {
			leaves = append(leaves, c)
		}
	}
	if len(leaves) == 0 {
		return cs
	}
	return leaves
}

func p12PBES2(data []byte, password string) ([]*x509.Certificate, error) {
	cs, err := certificatesPBES2(data, password)
	switch {
	case errors.Is(err, ErrPassword):
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("questo .p12 usa una cifratura non supportata (%v): esporta il solo certificato (.cer) / this .p12 uses an unsupported encryption (%v): export the certificate alone (.cer)", err, err)
	case len(cs) == 0:
		return nil, errors.New("il .p12 non contiene certificati / the .p12 holds no certificate")
	}
	return leafFirst(cs), nil
}
