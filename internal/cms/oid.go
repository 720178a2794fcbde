// Package cms builds and verifies CMS SignedData (RFC 5652) with the CAdES-BES signed attributes of
// ETSI EN 319 122-1 (content-type, message-digest, signing-certificate-v2): detached signatures (.p7s and
// the PAdES /Contents), enveloping .p7m files streamed around the unchanged content, and parallel
// signatures added to an existing .p7m.
package cms

import (
	"crypto"
	"encoding/asn1"
	"github.com/ponte-it/ponte/internal/oid"
)

// Object identifiers (RFC 5652 §5, RFC 5035 §3, RFC 3161 appendix, RFC 5754, RFC 4055, RFC 5758).
var (
	OIDData                     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	OIDSignedData               = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	OIDAttrContentType          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	OIDAttrMessageDigest        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	OIDAttrSigningTime          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	OIDAttrSigningCertificate   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 12}
	OIDAttrSigningCertificateV2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	OIDAttrTimeStampToken       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
	OIDTSTInfo                  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
	OIDTimeStampedData          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 31} // RFC 5544 §2

	OIDSHA1   = oid.SHA1
	OIDSHA256 = oid.SHA256
	OIDSHA384 = oid.SHA384
	OIDSHA512 = oid.SHA512

	OIDRSAEncryption   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	OIDRSAPSS          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	OIDSHA256WithRSA   = oid.SHA256WithRSA
	OIDSHA384WithRSA   = oid.SHA384WithRSA
	OIDSHA512WithRSA   = oid.SHA512WithRSA
	OIDECDSAWithSHA256 = oid.ECDSAWithSHA256
	OIDECDSAWithSHA384 = oid.ECDSAWithSHA384
	OIDECDSAWithSHA512 = oid.ECDSAWithSHA512
	OIDECPublicKey     = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
)

// hashes maps digest algorithm identifiers to hash functions (RFC 5754 §2).
var hashes = []struct {
	oid  asn1.ObjectIdentifier
	hash crypto.Hash
}{
	{OIDSHA1, crypto.SHA1},
	{OIDSHA256, crypto.SHA256},
	{OIDSHA384, crypto.SHA384},
	{OIDSHA512, crypto.SHA512},
}

// HashForOID returns the hash named by a digest algorithm identifier.
func HashForOID(oid asn1.ObjectIdentifier) (crypto.Hash, bool) {
	for _, h := range hashes {
		if h.oid.Equal(oid) {
			return h.hash, true
		}
	}
	return 0, false
}

// OIDForHash returns the digest algorithm identifier of h.
func OIDForHash(h crypto.Hash) (asn1.ObjectIdentifier, bool) {
	for _, e := range hashes {
		if e.hash == h {
			return e.oid, true
		}
	}
	return nil, false
}
