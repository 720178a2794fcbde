package cms

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/signerr"
)

// SignedData is a parsed SignedData. The encapsulated content is not read: Content gives where it lies
// in the source (several ranges for BER constructed OCTET STRINGs), so a large .p7m is hashed in place.
type SignedData struct {
	ContentType asn1.ObjectIdentifier
	Detached    bool
	Content     []docio.Range
	DigestAlgs  []asn1.ObjectIdentifier
	RawCerts    [][]byte // every CertificateChoices element as it is, other formats included
	RawCRLs     [][]byte // every RevocationInfoChoices element as it is (RFC 5652 §10.2.1)
	Certs       []*x509.Certificate
	Signers     []*SignerInfo
}

// SignerInfo is one parsed SignerInfo (RFC 5652 §5.3).
type SignerInfo struct {
	Raw            []byte
	Version        int
	RawIssuer      []byte   // issuerAndSerialNumber form
	Serial         *big.Int // issuerAndSerialNumber form
	SubjectKeyID   []byte   // subjectKeyIdentifier form
	DigestAlg      asn1.ObjectIdentifier
	RawSignedAttrs []byte // DER SET (tag 0x31) as it is signed; nil when absent
	SignedAttrs    []Attribute
	SigAlg         asn1.ObjectIdentifier
	SigAlgParams   []byte
	Signature      []byte
	UnsignedAttrs  []Attribute
}

func badCMS(cause error) error {
	return signerr.New(signerr.BadCMS,
		"Il file non è una busta di firma CMS/PKCS#7 valida (.p7m/.p7s) o è danneggiato.",
		"The file is not a valid CMS/PKCS#7 signature (.p7m/.p7s) or it is damaged.", cause)
}

// Parse parses a DER/BER ContentInfo held in memory.
func Parse(der []byte) (*SignedData, error) { return ParseSource(docio.Bytes(der)) }

// ParseSource parses a ContentInfo holding a SignedData from src. Only the structure around the content
// is read into memory.
func ParseSource(src docio.Source) (*SignedData, error) {
	sd, err := parseSource(src)
	if err != nil {
		return nil, badCMS(err)
	}
	return sd, nil
}

func parseSource(src docio.Source) (*SignedData, error) {
	size := src.Size()
	ci, err := readElement(src, 0, size)
	if err != nil {
		return nil, err
	}
	if ci.Tag != 0x30 {
		return nil, fmt.Errorf("%w: ContentInfo is not a SEQUENCE", errBER)
	}
	kids, err := ci.children(src, size, 0)
	if err != nil {
		return nil, err
	}
	if len(kids) != 2 || kids[0].Tag != 0x06 || kids[1].Tag != 0xa0 {
		return nil, fmt.Errorf("%w: ContentInfo shape", errBER)
	}
	oid, err := readOID(src, kids[0], size)
	if err != nil {
		return nil, err
	}
	if !oid.Equal(OIDSignedData) {
		return nil, fmt.Errorf("content type %v is not signedData", oid)
	}
	inner, err := kids[1].children(src, size, 1)
	if err != nil || len(inner) != 1 || inner[0].Tag != 0x30 {
		return nil, fmt.Errorf("%w: [0] content", errBER)
	}
	fields, err := inner[0].children(src, size, 2)
	if err != nil {
		return nil, err
	}
	if len(fields) < 4 {
		return nil, fmt.Errorf("%w: SignedData has %d fields", errBER, len(fields))
	}
	out := &SignedData{}
	// digestAlgorithms
	raw, err := readWhole(src, fields[1], size)
	if err != nil {
		return nil, err
	}
	s := cryptobyte.String(raw)
	var algs cryptobyte.String
	if !s.ReadASN1(&algs, cbasn1.SET) {
		return nil, fmt.Errorf("%w: digestAlgorithms", errBER)
	}
	for !algs.Empty() {
		var alg cryptobyte.String
		var o asn1.ObjectIdentifier
		if !algs.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&o) {
			return nil, fmt.Errorf("%w: digest algorithm", errBER)
		}
		out.DigestAlgs = append(out.DigestAlgs, o)
	}
	// encapContentInfo
	encap, err := fields[2].children(src, size, 3)
	if err != nil || len(encap) < 1 || encap[0].Tag != 0x06 {
		return nil, fmt.Errorf("%w: encapContentInfo", errBER)
	}
	if out.ContentType, err = readOID(src, encap[0], size); err != nil {
		return nil, err
	}
	switch len(encap) {
	case 1:
		out.Detached = true
	case 2:
		ec, err := encap[1].children(src, size, 4)
		if err != nil || encap[1].Tag != 0xa0 || len(ec) != 1 {
			return nil, fmt.Errorf("%w: eContent", errBER)
		}
		if out.Content, err = octetRanges(src, ec[0], size, 0); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("%w: encapContentInfo fields", errBER)
	}
	rest := fields[3:]
	if len(rest) > 0 && rest[0].Tag == 0xa0 {
		certs, err := rest[0].children(src, size, 3)
		if err != nil {
			return nil, err
		}
		for _, c := range certs {
			der, err := readWhole(src, c, size)
			if err != nil {
				return nil, err
			}
			if c.Tag != 0x30 {
				out.RawCerts = append(out.RawCerts, der) // other formats (RFC 5652 §10.2.2): kept, not used
				continue
			}
			cert, err := x509.ParseCertificate(der)
			if err != nil {
				return nil, fmt.Errorf("certificate: %w", err)
			}
			out.RawCerts = append(out.RawCerts, der)
			out.Certs = append(out.Certs, cert)
		}
		rest = rest[1:]
	}
	if len(rest) > 0 && rest[0].Tag == 0xa1 {
		// Kept as they are, so a parallel signature carries them on (they are not used to verify).
		crls, err := rest[0].children(src, size, 3)
		if err != nil {
			return nil, err
		}
		for _, c := range crls {
			der, err := readWhole(src, c, size)
			if err != nil {
				return nil, err
			}
			out.RawCRLs = append(out.RawCRLs, der)
		}
		rest = rest[1:]
	}
	if len(rest) != 1 || rest[0].Tag != 0x31 {
		return nil, fmt.Errorf("%w: signerInfos", errBER)
	}
	sis, err := rest[0].children(src, size, 3)
	if err != nil {
		return nil, err
	}
	for _, e := range sis {
		der, err := readWhole(src, e, size)
		if err != nil {
			return nil, err
		}
		si, err := ParseSignerInfo(der)
		if err != nil {
			return nil, err
		}
		out.Signers = append(out.Signers, si)
	}
	return out, nil
}

func readOID(src docio.Source, e element, limit int64) (asn1.ObjectIdentifier, error) {
	raw, err := readWhole(src, e, limit)
	if err != nil {
		return nil, err
	}
	var o asn1.ObjectIdentifier
	s := cryptobyte.String(raw)
	if !s.ReadASN1ObjectIdentifier(&o) {
		return nil, fmt.Errorf("%w: OBJECT IDENTIFIER", errBER)
	}
	return o, nil
}

// ParseSignerInfo parses one DER SignerInfo.
func ParseSignerInfo(der []byte) (*SignerInfo, error) {
	si := &SignerInfo{Raw: der}
	s := cryptobyte.String(der)
	var body cryptobyte.String
	if !s.ReadASN1(&body, cbasn1.SEQUENCE) || !s.Empty() {
		return nil, fmt.Errorf("%w: SignerInfo", errBER)
	}
	var version int64
	if !body.ReadASN1Integer(&version) {
		return nil, fmt.Errorf("%w: SignerInfo version", errBER)
	}
	si.Version = int(version)
	switch {
	case body.PeekASN1Tag(cbasn1.SEQUENCE):
		var ias, issuer cryptobyte.String
		si.Serial = new(big.Int)
		if !body.ReadASN1(&ias, cbasn1.SEQUENCE) || !ias.ReadASN1Element(&issuer, cbasn1.SEQUENCE) ||
			!ias.ReadASN1Integer(si.Serial) {
			return nil, fmt.Errorf("%w: issuerAndSerialNumber", errBER)
		}
		si.RawIssuer = issuer
	case body.PeekASN1Tag(cbasn1.Tag(0).ContextSpecific()):
		var ski cryptobyte.String
		if !body.ReadASN1(&ski, cbasn1.Tag(0).ContextSpecific()) {
			return nil, fmt.Errorf("%w: subjectKeyIdentifier", errBER)
		}
		si.SubjectKeyID = ski
	default:
		return nil, fmt.Errorf("%w: SignerIdentifier", errBER)
	}
	var dalg cryptobyte.String
	if !body.ReadASN1(&dalg, cbasn1.SEQUENCE) || !dalg.ReadASN1ObjectIdentifier(&si.DigestAlg) {
		return nil, fmt.Errorf("%w: digestAlgorithm", errBER)
	}
	if body.PeekASN1Tag(cbasn1.Tag(0).ContextSpecific().Constructed()) {
		var attrs cryptobyte.String
		var el cryptobyte.String
		if !body.ReadASN1Element(&el, cbasn1.Tag(0).ContextSpecific().Constructed()) {
			return nil, fmt.Errorf("%w: signedAttrs", errBER)
		}
		// The signature covers the attributes with the SET OF tag (RFC 5652 §5.4).
		si.RawSignedAttrs = append([]byte{0x31}, el[1:]...)
		attrs = cryptobyte.String(el)
		var inner cryptobyte.String
		attrs.ReadASN1(&inner, cbasn1.Tag(0).ContextSpecific().Constructed())
		var err error
		if si.SignedAttrs, err = parseAttributes(inner); err != nil {
			return nil, err
		}
	}
	var salg cryptobyte.String
	if !body.ReadASN1(&salg, cbasn1.SEQUENCE) || !salg.ReadASN1ObjectIdentifier(&si.SigAlg) {
		return nil, fmt.Errorf("%w: signatureAlgorithm", errBER)
	}
	si.SigAlgParams = salg
	var sig cryptobyte.String
	if !body.ReadASN1(&sig, cbasn1.OCTET_STRING) {
		return nil, fmt.Errorf("%w: signature", errBER)
	}
	si.Signature = sig
	if body.PeekASN1Tag(cbasn1.Tag(1).ContextSpecific().Constructed()) {
		var u cryptobyte.String
		body.ReadASN1(&u, cbasn1.Tag(1).ContextSpecific().Constructed())
		var err error
		if si.UnsignedAttrs, err = parseAttributes(u); err != nil {
			return nil, err
		}
	}
	if !body.Empty() {
		return nil, fmt.Errorf("%w: trailing data in SignerInfo", errBER)
	}
	return si, nil
}

func parseAttributes(s cryptobyte.String) ([]Attribute, error) {
	var out []Attribute
	for !s.Empty() {
		var a, vals cryptobyte.String
		var at Attribute
		if !s.ReadASN1(&a, cbasn1.SEQUENCE) || !a.ReadASN1ObjectIdentifier(&at.Type) || !a.ReadASN1(&vals, cbasn1.SET) {
			return nil, fmt.Errorf("%w: attribute", errBER)
		}
		for !vals.Empty() {
			var v cryptobyte.String
			if !vals.ReadAnyASN1Element(&v, new(cbasn1.Tag)) {
				return nil, fmt.Errorf("%w: attribute value", errBER)
			}
			at.Values = append(at.Values, v)
		}
		out = append(out, at)
	}
	return out, nil
}

// Attr returns the single value of a signed or unsigned attribute, nil when absent.
func Attr(attrs []Attribute, oid asn1.ObjectIdentifier) []byte {
	for _, a := range attrs {
		if a.Type.Equal(oid) && len(a.Values) > 0 {
			return a.Values[0]
		}
	}
	return nil
}

// SigningTime is the signing-time signed attribute, zero when absent.
func (si *SignerInfo) SigningTime() time.Time {
	v := Attr(si.SignedAttrs, OIDAttrSigningTime)
	if v == nil {
		return time.Time{}
	}
	var t time.Time
	if _, err := asn1.Unmarshal(v, &t); err != nil {
		return time.Time{}
	}
	return t
}

// FindCertificate returns the certificate the SignerInfo names.
func (si *SignerInfo) FindCertificate(certs []*x509.Certificate) *x509.Certificate {
	for _, c := range certs {
		if si.Serial != nil && c.SerialNumber.Cmp(si.Serial) == 0 && string(c.RawIssuer) == string(si.RawIssuer) {
			return c
		}
		if si.SubjectKeyID != nil && string(c.SubjectKeyId) == string(si.SubjectKeyID) {
			return c
		}
	}
	return nil
}

// rdn is used to print names.
func nameOf(raw []byte) string {
	var n pkix.RDNSequence
	if _, err := asn1.Unmarshal(raw, &n); err != nil {
		return ""
	}
	var name pkix.Name
	name.FillFromRDNSequence(&n)
	return name.String()
}
