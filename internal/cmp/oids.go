package cmp

import "encoding/asn1"

// Object identifiers, each with the clause that defines it.
var (
	// RFC 9810 §5.3.19 / Appendix F: InfoTypeAndValue types (id-it = 1.3.6.1.5.5.7.4).
	OIDImplicitConfirm = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 4, 13} // id-it-implicitConfirm, §5.1.1.1
	OIDConfirmWaitTime = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 4, 14} // id-it-confirmWaitTime, §5.1.1.2
	OIDCACerts         = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 4, 17} // id-it-caCerts, §5.3.19.15

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
	OIDSHA1   = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	OIDSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	OIDSHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	OIDSHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}

	// Signature algorithms (RFC 9481 §3; RFC 4055, RFC 5758, RFC 8410).
	OIDSHA256WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	OIDSHA384WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	OIDSHA512WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
	OIDECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	OIDECDSAWithSHA384 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	OIDECDSAWithSHA512 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	OIDEd25519         = asn1.ObjectIdentifier{1, 3, 101, 112}
)
