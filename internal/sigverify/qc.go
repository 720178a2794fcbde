package sigverify

import (
	"crypto/x509"
	"encoding/asn1"
)

// QC statements (ETSI EN 319 412-5 §4.2, RFC 3739 §3.2.6) read from a certificate.
var (
	oidQCStatements = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 3}
	oidQcCompliance = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 1}
	oidQcSSCD       = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 4}
	oidQcType       = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 6}
	oidQcTypeESign  = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 6, 1}
	oidQcTypeESeal  = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 6, 2}
	oidQcTypeWeb    = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 6, 3}
)

// QCStatements is what a certificate says of itself.
type QCStatements struct {
	Compliance bool // QcCompliance: issued as a qualified certificate (EN 319 412-5 §4.2.1)
	SSCD       bool // QcSSCD: the key is in a qualified signature/seal creation device (§4.2.2)
	// ESign, ESeal, Web: QcType (§4.2.3); none declared means esign (§4.2.3: "absence … esign").
	ESign, ESeal, Web bool
}

type qcStatement struct {
	ID   asn1.ObjectIdentifier
	Info asn1.RawValue `asn1:"optional"`
}

// ReadQCStatements parses cert's QCStatements extension; a missing or malformed one says nothing.
func ReadQCStatements(cert *x509.Certificate) QCStatements {
	var q QCStatements
	for _, e := range cert.Extensions {
		if !e.Id.Equal(oidQCStatements) {
			continue
		}
		var sts []qcStatement
		if rest, err := asn1.Unmarshal(e.Value, &sts); err != nil || len(rest) > 0 {
			return QCStatements{}
		}
		typed := false
		for _, s := range sts {
			switch {
			case s.ID.Equal(oidQcCompliance):
				q.Compliance = true
			case s.ID.Equal(oidQcSSCD):
				q.SSCD = true
			case s.ID.Equal(oidQcType):
				var types []asn1.ObjectIdentifier
				if _, err := asn1.Unmarshal(s.Info.FullBytes, &types); err != nil {
					continue
				}
				for _, t := range types {
					typed = true
					q.ESign = q.ESign || t.Equal(oidQcTypeESign)
					q.ESeal = q.ESeal || t.Equal(oidQcTypeESeal)
					q.Web = q.Web || t.Equal(oidQcTypeWeb)
				}
			}
		}
		if q.Compliance && !typed {
			q.ESign = true
		}
	}
	return q
}

// QualifiedKind is what a signature is, read from the certificate and the trusted list together.
type QualifiedKind string

const (
	KindQualifiedSignature QualifiedKind = "qualified-signature" // QcCompliance + esign, CA/QC granted for e-signatures
	KindQualifiedSeal      QualifiedKind = "qualified-seal"      // QcCompliance + eseal on a granted CA/QC
	KindSeal               QualifiedKind = "seal"                // QcType eseal, the list does not back it
	KindNotQualified       QualifiedKind = "not-qualified"       // anything else
	KindUnknown            QualifiedKind = ""                    // the list was not used
)

// Kind says "firma qualificata" only when the certificate declares itself qualified for e-signatures
// (QcCompliance, QcType esign) and the list grants its CA as CA/QC for e-signatures (EN 319 412-5 §4.2,
// TS 119 612 §5.5.9.4, TS 119 615 §4.3); a seal is named as such.
func (q Qualification) Kind() QualifiedKind {
	if !q.Checked {
		return KindUnknown
	}
	switch c := q.Cert; {
	case c.Compliance && c.ESign && !c.ESeal && q.Qualified() && q.Match.ForESignatures():
		return KindQualifiedSignature
	case c.Compliance && c.ESeal && q.Qualified():
		return KindQualifiedSeal
	case c.ESeal:
		return KindSeal
	}
	return KindNotQualified
}
