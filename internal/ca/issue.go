package ca

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/ponte-it/ponte/internal/ca/profile"
	"github.com/ponte-it/ponte/internal/ca/store"
	"github.com/ponte-it/ponte/internal/cmp"
)

// Certificate policies by role.
var (
	// OIDPolicyCNS is the CNS authentication certificate policy (AgID, "Regole tecniche CNS"):
	// 1.3.76.16.2.1.
	OIDPolicyCNS = asn1.ObjectIdentifier{1, 3, 76, 16, 2, 1}
	// OIDPolicyQCPnQSCD is ETSI EN 319 411-2 QCP-n-qscd (0.4.0.194112.1.2): the demo signature
	// certificates are shaped like qualified ones, though this demo CA is of course not qualified.
	OIDPolicyQCPnQSCD = asn1.ObjectIdentifier{0, 4, 0, 194112, 1, 2}
)

// Request is one certificate to issue: the subject as DER Name (kept exactly as requested), the
// DER SubjectPublicKeyInfo, the role and the validity the policy decided.
type Request struct {
	Subject   []byte
	SPKI      []byte
	Role      profile.Role
	NotBefore time.Time
	NotAfter  time.Time
	Profile   string
	Parent    *store.Cert // the certificate renewed, nil for a first issuance
}

// build signs the certificate of r and returns it with its store record (not yet saved).
func (c *CA) build(r *Request) (*store.Cert, error) {
	pub, err := x509.ParsePKIXPublicKey(r.SPKI)
	if err != nil {
		return nil, fmt.Errorf("chiave pubblica non valida / invalid public key: %w", err)
	}
	if len(r.Subject) == 0 {
		return nil, errors.New("soggetto vuoto / empty subject")
	}
	var subj pkix.RDNSequence
	if rest, err := asn1.Unmarshal(r.Subject, &subj); err != nil || len(rest) > 0 || len(subj) == 0 {
		return nil, errors.New("soggetto non valido / invalid subject")
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	ski, err := subjectKeyID(pub)
	if err != nil {
		return nil, err
	}
	base := c.PublicURL()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		RawSubject:            r.Subject,
		NotBefore:             r.NotBefore,
		NotAfter:              r.NotAfter,
		SubjectKeyId:          ski,
		AuthorityKeyId:        c.Cert.SubjectKeyId,
		BasicConstraintsValid: true,
		OCSPServer:            []string{base + "/ocsp"},
		IssuingCertificateURL: []string{base + "/ca.cer"},
		CRLDistributionPoints: []string{base + "/crl"},
	}
	switch r.Role {
	case profile.RoleCNS:
		// CNS authentication: digitalSignature, keyEncipherment for RSA keys (RFC 5280 §4.2.1.3),
		// clientAuth (§4.2.1.12), CNS policy.
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
		if _, ok := pub.(*rsa.PublicKey); ok {
			tmpl.KeyUsage |= x509.KeyUsageKeyEncipherment
		}
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		tmpl.Policies = []x509.OID{mustOID(OIDPolicyCNS)}
	case profile.RoleSignature:
		// Signature: nonRepudiation (contentCommitment) only, as qualified signature certificates.
		tmpl.KeyUsage = x509.KeyUsageContentCommitment
		tmpl.Policies = []x509.OID{mustOID(OIDPolicyQCPnQSCD)}
	default:
		return nil, fmt.Errorf("ruolo sconosciuto %q / unknown role %q", r.Role, r.Role)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.Cert, pub, c.Key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	rec := &store.Cert{
		Serial: SerialHex(serial), DER: der, Subject: cert.Subject.String(), Role: string(r.Role), Profile: r.Profile,
		NotBefore: cert.NotBefore, NotAfter: cert.NotAfter, SPKISHA256: spkiHash(r.SPKI),
		LineageStart: cert.NotBefore, IssuedAt: c.now(),
	}
	if r.Parent != nil {
		rec.Parent = r.Parent.Serial
		rec.LineageStart = r.Parent.LineageStart
		rec.LineageRenewals = r.Parent.LineageRenewals + 1
	}
	return rec, nil
}

// Issue signs and records a certificate directly, outside CMP (ponte-ca issue: provisioning test and
// demo cards). The validity is taken as given.
func (c *CA) Issue(ctx context.Context, r *Request) (*x509.Certificate, error) {
	rec, err := c.build(r)
	if err != nil {
		return nil, err
	}
	if err := c.Store.PutCert(ctx, rec); err != nil {
		return nil, err
	}
	return x509.ParseCertificate(rec.DER)
}

// Revoke revokes a certificate this CA issued (RFC 5280 §5.3.1 reason code).
func (c *CA) Revoke(ctx context.Context, serial *big.Int, reason int) error {
	if reason < 0 || reason > 10 || reason == 7 {
		return fmt.Errorf("motivo di revoca %d non valido (RFC 5280 §5.3.1) / invalid revocation reason %d", reason, reason)
	}
	if reason == cmp.ReasonRemoveFromCRL { // RFC 5280 §5.3.1: delta CRLs only; lifting a hold is Reactivate
		return errors.New("removeFromCRL non revoca: per togliere una sospensione usare reactivate / removeFromCRL revokes nothing: to lift a suspension use reactivate")
	}
	c.expireHolds(ctx, c.now())
	// A certificate on hold is already revoked (certificateHold): revoking it for good changes its reason,
	// keeping the hold's date (store.EndHold), else the holder could still lift it (S1).
	if reason != cmp.ReasonCertificateHold {
		if err := c.Store.EndHold(ctx, SerialHex(serial), "", store.HoldRevoked, reason, c.now()); !errors.Is(err, store.ErrState) {
			return err
		}
	}
	return c.Store.Revoke(ctx, SerialHex(serial), reason, c.now())
}

// Lookup finds what the CA knows of a certificate it issued, checking the DER matches.
func (c *CA) Lookup(ctx context.Context, cert *x509.Certificate) (*store.Cert, error) {
	if !bytesEqual(cert.RawIssuer, c.Cert.RawSubject) {
		return nil, store.ErrNotFound
	}
	rec, err := c.Store.Cert(ctx, SerialHex(cert.SerialNumber))
	if err != nil {
		return nil, err
	}
	if !bytesEqual(rec.DER, cert.Raw) {
		return nil, store.ErrNotFound
	}
	return rec, nil
}

// SerialHex is the store's form of a serial number.
func SerialHex(n *big.Int) string { return n.Text(16) }

func spkiHash(spki []byte) string {
	h := sha256.Sum256(spki)
	return hex.EncodeToString(h[:])
}

// subjectKeyID is RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING.
func subjectKeyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	bits, err := spkiBits(der)
	if err != nil {
		return nil, err
	}
	h := sha1.Sum(bits)
	return h[:], nil
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	ea, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && ea.Equal(b)
}

func bytesEqual(a, b []byte) bool { return string(a) == string(b) }

// spkiBits returns the subjectPublicKey BIT STRING contents of a DER SubjectPublicKeyInfo.
func spkiBits(spki []byte) ([]byte, error) {
	var s struct {
		Algorithm pkix.AlgorithmIdentifier
		Key       asn1.BitString
	}
	if _, err := asn1.Unmarshal(spki, &s); err != nil {
		return nil, err
	}
	return s.Key.Bytes, nil
}

func mustOID(o asn1.ObjectIdentifier) x509.OID {
	ints := make([]uint64, len(o))
	for i, n := range o {
		ints[i] = uint64(n)
	}
	oid, err := x509.OIDFromInts(ints)
	if err != nil {
		panic(err) // the constants above are valid
	}
	return oid
}
