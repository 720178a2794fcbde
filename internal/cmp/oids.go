package cmp

import (
	"encoding/asn1"

	"github.com/ponte-it/ponte/internal/oid"
)

// Object identifiers, each with the clause that defines it.
var (
	// RFC 9810 §5.3.19 / Appendix F: InfoTypeAndValue types (id-it = 1.3.6.1.5.5.7.4).
	OIDImplicitConfirm = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 4, 13} // id-it-implicitConfirm, §5.1.1.1
	OIDConfirmWaitTime = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 4, 14} // id-it-confirmWaitTime, §5.1.1.2
	OIDCACerts         = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 4, 17} // id-it-caCerts, §5.3.19.15

	// RFC 6402 §2.10: extended key usages of a CMC/CMP CA and RA (RFC 9483 §3.5: an answer's signer
	// must carry one unless it is the CA itself).
	OIDKPCmcCA = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 27}
	OIDKPCmcRA = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 28}

	// RFC 4211 §6.5: id-regCtrl-oldCertID (id-pkip = 1.3.6.1.5.5.7.5).
	OIDRegCtrlOldCertID = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 5, 1, 5}

	// RFC 9810 §5.1.3.1 / RFC 9481 §6.1.1: PasswordBasedMac.
	OIDPasswordBasedMac = asn1.ObjectIdentifier{1, 2, 840, 113533, 7, 66, 13}
	// RFC 8018 §A.5 / RFC 9481 §6.1.2: PBMAC1 with PBKDF2.
	OIDPBMAC1   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 14}
	OIDPBKDF2   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	OIDHMACSHA1 = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 8, 1, 2} // RFC 2104 / RFC 9481 §6.2.1 hmac-sha1

	// RFC 8018 §B.1.2 / RFC 4231: HMAC with SHA-2.
	OIDHMACWithSHA1   = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	OIDHMACWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	OIDHMACWithSHA384 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 10}
	OIDHMACWithSHA512 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 11}

	// Hash functions (RFC 9481 §2): owf of PasswordBasedMac, hashAlg of CertStatus.
	OIDSHA1   = oid.SHA1
	OIDSHA256 = oid.SHA256
	OIDSHA384 = oid.SHA384
	OIDSHA512 = oid.SHA512

	// Signature algorithms (RFC 9481 §3; RFC 4055, RFC 5758, RFC 8410).
	OIDSHA256WithRSA   = oid.SHA256WithRSA
	OIDSHA384WithRSA   = oid.SHA384WithRSA
	OIDSHA512WithRSA   = oid.SHA512WithRSA
	OIDECDSAWithSHA256 = oid.ECDSAWithSHA256
	OIDECDSAWithSHA384 = oid.ECDSAWithSHA384
	OIDECDSAWithSHA512 = oid.ECDSAWithSHA512
	OIDEd25519         = asn1.ObjectIdentifier{1, 3, 101, 112}
)
