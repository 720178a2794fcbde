package authverify

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"io"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"
)

// pki is one CA and one holder certificate per key kind, made once per test.
type pki struct {
	roots *x509.CertPool
	ca    *x509.Certificate
	caKey crypto.Signer
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test CNS CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(48 * time.Hour), IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(der)
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	return &pki{roots, ca, key}
}

func (p *pki) holder(t *testing.T, key crypto.Signer, notAfter time.Time) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "RSSMRA80A01H501U/ROSSI MARIO"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: notAfter, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, key.Public(), p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c
}

// cardSign does what the card does for `authenticate`: sign H(tbs) with the key's algorithm.
func cardSign(t *testing.T, key crypto.Signer, origin, nonce string) Token {
	t.Helper()
	alg, h, err := Algorithm(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	sig, err := key.Sign(rand.Reader, Digest(h, origin, nonce), h)
	if err != nil {
		t.Fatal(err)
	}
	return Token{Format: Format, Algorithm: alg, Signature: base64.StdEncoding.EncodeToString(sig)}
}

func keys(t *testing.T) map[string]crypto.Signer {
	t.Helper()
	r, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	e256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	e384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	return map[string]crypto.Signer{"RS256": r, "ES256": e256, "ES384": e384}
}

// Every part of the token is checked: a change to any of them is refused, and the untouched token passes.
func TestVerify(t *testing.T) {
	p := newPKI(t)
	const origin = "https://servizi.comune.it"
	for alg, key := range keys(t) {
		cert := p.holder(t, key, time.Now().Add(24*time.Hour))
		nonce, err := NewNonce()
		if err != nil {
			t.Fatal(err)
		}
		tok := cardSign(t, key, origin, nonce)
		tok.Certificate = base64.StdEncoding.EncodeToString(cert.Raw)
		if tok.Algorithm != alg {
			t.Fatalf("algorithm %s for %s", tok.Algorithm, alg)
		}
		opts := Options{Origin: origin, Nonce: nonce, Roots: p.roots}
		got, err := Verify(tok, opts)
		if err != nil || !got.Equal(cert) {
			t.Fatalf("%s: %v", alg, err)
		}
		other, _ := NewNonce()
		otherRoots := newPKI(t).roots
		for name, c := range map[string]struct {
			tok  Token
			opts Options
			want string
		}{
			"other origin":      {tok, Options{Origin: "https://servizi.comune.it.evil.example", Nonce: nonce, Roots: p.roots}, "does not verify"},
			"other nonce":       {tok, Options{Origin: origin, Nonce: other, Roots: p.roots}, "does not verify"},
			"short nonce":       {tok, Options{Origin: origin, Nonce: base64.StdEncoding.EncodeToString(make([]byte, 31)), Roots: p.roots}, "want 32 to"},
			"untrusted":         {tok, Options{Origin: origin, Nonce: nonce, Roots: otherRoots}, "certificate"},
			"expired":           {tok, Options{Origin: origin, Nonce: nonce, Roots: p.roots, Now: time.Now().Add(72 * time.Hour)}, "certificate"},
			"format":            {Token{"web-eid:1.0", tok.Algorithm, tok.Signature, tok.Certificate}, opts, "format"},
			"algorithm":         {Token{Format, "PS256", tok.Signature, tok.Certificate}, opts, "algorithm"},
			"bad signature b64": {Token{Format, tok.Algorithm, tok.Signature + "!", tok.Certificate}, opts, "base64"},
			"no roots":          {tok, Options{Origin: origin, Nonce: nonce}, "required"},
		} {
			if _, err := Verify(c.tok, c.opts); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s %s: %v, want an error with %q", alg, name, err, c.want)
			}
		}
	}
}

func TestCheckNonce(t *testing.T) {
	b := func(n int) string { return base64.StdEncoding.EncodeToString(make([]byte, n)) }
	for nonce, ok := range map[string]bool{
		b(32): true, b(128): true, b(31): false, b(129): false, "": false,
		strings.TrimRight(b(32), "="):       false, // unpadded
		b(32)[:42] + "B=":                   false, // non-zero padding bits: not canonical
		strings.ReplaceAll(b(48), "A", "-"): false,
		" " + b(32):                         false, b(32) + "\n": false,
	} {
		if err := CheckNonce(nonce); (err == nil) != ok {
			t.Errorf("CheckNonce(%q) = %v, want ok %v", nonce, err, ok)
		}
	}
}

func FuzzCheckNonce(f *testing.F) {
	f.Add(base64.StdEncoding.EncodeToString(make([]byte, 32)))
	f.Add("AAAA")
	f.Fuzz(func(t *testing.T, s string) {
		if CheckNonce(s) != nil {
			return
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(b) < MinNonceBytes || len(b) > MaxNonceBytes || base64.StdEncoding.EncodeToString(b) != s {
			t.Fatalf("accepted %q", s)
		}
	})
}

// relaySigner is a malicious site's relay: in a TLS handshake with a portal that asks for the card's
// client certificate, it hands the handshake's digest to `authenticate` as the nonce (the best a page
// can do: the digest is 32 random-looking bytes) and answers the CertificateVerify with what comes back.
type relaySigner struct {
	key    crypto.Signer
	origin string
	direct bool // a control: the card signs the handshake's digest as is (what `sign` used to allow)
}

func (r relaySigner) Public() crypto.PublicKey { return r.key.Public() }

func (r relaySigner) Sign(rnd io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if r.direct {
		return r.key.Sign(rnd, digest, opts)
	}
	_, h, _ := Algorithm(r.key.Public())
	return r.key.Sign(rnd, Digest(h, r.origin, base64.StdEncoding.EncodeToString(digest)), h)
}

// tlsClientAuth runs a TLS handshake with client authentication over loopback and returns the server's
// verdict. The client offers only PKCS#1 v1.5 for RSA (TLS 1.2), the CertificateVerify the issue feared.
func tlsClientAuth(t *testing.T, p *pki, cert *x509.Certificate, signer crypto.Signer, version uint16) error {
	t.Helper()
	srvKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	srvCert := p.holder(t, srvKey, time.Now().Add(time.Hour))
	// Loopback TCP, not net.Pipe: the kernel's buffers let the server's alert cross the client's flight.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cConn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer cConn.Close()
	sConn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer sConn.Close()
	server := tls.Server(sConn, &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{srvCert.Raw}, PrivateKey: srvKey}},
		ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: p.roots, MinVersion: version, MaxVersion: version})
	var algs []tls.SignatureScheme
	if _, ok := signer.Public().(*rsa.PublicKey); ok && version == tls.VersionTLS12 {
		algs = []tls.SignatureScheme{tls.PKCS1WithSHA256}
	}
	client := tls.Client(cConn, &tls.Config{RootCAs: p.roots, ServerName: "Test", InsecureSkipVerify: true, MinVersion: version, MaxVersion: version,
		Certificates: []tls.Certificate{{Certificate: [][]byte{cert.Raw}, PrivateKey: signer, SupportedSignatureAlgorithms: algs}}})
	done := make(chan error, 1)
	go func() { done <- client.Handshake(); client.Close() }()
	_ = server.SetDeadline(time.Now().Add(20 * time.Second))
	err = server.Handshake()
	server.Close()
	<-done
	return err
}

// The attack, for real: the authentication signature cannot stand in for a TLS 1.2 or 1.3
// CertificateVerify, while the same key signing the handshake's digest directly (the control) logs in.
func TestNotATLSHandshake(t *testing.T) {
	p := newPKI(t)
	for alg, key := range keys(t) {
		cert := p.holder(t, key, time.Now().Add(24*time.Hour))
		for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
			if err := tlsClientAuth(t, p, cert, relaySigner{key: key, direct: true}, v); err != nil {
				t.Fatalf("%s %x control: the handshake failed with a direct signature: %v", alg, v, err)
			}
			err := tlsClientAuth(t, p, cert, relaySigner{key: key, origin: "https://evil.example"}, v)
			if err == nil || !strings.Contains(err.Error(), "signature") {
				t.Errorf("%s %x: the relayed authentication signature was accepted as a CertificateVerify (%v)", alg, v, err)
			}
		}
	}
}
