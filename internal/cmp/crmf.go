package cmp

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"sort"
	"time"
)

// CertReqMsg, RFC 4211 §3 (module PKIXCRMF-2009, IMPLICIT TAGS):
//
//	CertReqMsg ::= SEQUENCE {
//	    certReq   CertRequest,
//	    popo      ProofOfPossession  OPTIONAL,
//	    regInfo   SEQUENCE SIZE(1..MAX) OF AttributeTypeAndValue OPTIONAL }
//	CertRequest ::= SEQUENCE {
//	    certReqId     INTEGER,
//	    certTemplate  CertTemplate,
//	    controls      Controls OPTIONAL }
type CertReqMsg struct {
	CertReqID int
	Template  CertTemplate
	Controls  []AttributeTypeAndValue
	POP       ProofOfPossession
	RegInfo   []AttributeTypeAndValue

	rawCertReq []byte // DER of CertRequest as received or as signed: what a signature POP covers
}

// AttributeTypeAndValue, RFC 4211 §6 (controls) and §7 (regInfo).
type AttributeTypeAndValue struct {
	Type  asn1.ObjectIdentifier
	Value asn1.RawValue
}

// CertTemplate, RFC 4211 §5. Names are DER Names, PublicKey a DER SubjectPublicKeyInfo; a zero field is
// absent. Fields Ponte does not interpret (version, signingAlg, issuerUID, subjectUID) stay in Other.
type CertTemplate struct {
	SerialNumber *big.Int
	Issuer       []byte
	NotBefore    time.Time
	NotAfter     time.Time
	Subject      []byte
	PublicKey    []byte
	Extensions   []pkix.Extension
	Other        []asn1.RawValue
}

// POPKind says which ProofOfPossession alternative (RFC 4211 §4) a request carries.
type POPKind int

const (
	POPNone            POPKind = iota // absent
	POPRAVerified                     // raVerified [0] NULL
	POPSignature                      // signature [1] POPOSigningKey, §4.1
	POPKeyEncipherment                // keyEncipherment [2], §4.2
	POPKeyAgreement                   // keyAgreement [3], §4.3
)

// ProofOfPossession, RFC 4211 §4. For POPSignature, Algorithm and Signature are the POPOSigningKey
// fields and HasInput says whether poposkInput was present (it must not be when the template carries
// subject and publicKey, §4.1).
type ProofOfPossession struct {
	Kind      POPKind
	Algorithm pkix.AlgorithmIdentifier
	Signature []byte
	HasInput  bool
	Raw       []byte // DER of the whole element as received
}

// CertRequestDER is the DER of the CertRequest (what a signature POP signs, RFC 4211 §4.1).
func (m *CertReqMsg) CertRequestDER() ([]byte, error) {
	if m.rawCertReq != nil {
		return m.rawCertReq, nil
	}
	return m.encodeCertRequest()
}

func (m *CertReqMsg) encodeCertRequest() ([]byte, error) {
	tmpl, err := m.Template.encode()
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(struct {
		CertReqID int
		Template  asn1.RawValue
		Controls  []AttributeTypeAndValue `asn1:"optional"`
	}{m.CertReqID, asn1.RawValue{FullBytes: tmpl}, m.Controls})
}

// SignPOP fills the signature proof of possession (RFC 4211 §4.1, poposkInput absent): the new key signs
// the DER CertRequest. The template must already hold the subject and this key's public key.
func (m *CertReqMsg) SignPOP(key crypto.Signer) error {
	m.rawCertReq = nil
	der, err := m.encodeCertRequest()
	if err != nil {
		return err
	}
	alg, sig, err := signWith(key, der)
	if err != nil {
		return err
	}
	m.rawCertReq = der
	m.POP = ProofOfPossession{Kind: POPSignature, Algorithm: alg, Signature: sig}
	return nil
}

// VerifyPOP checks a signature proof of possession against the template's public key (RFC 4211 §4.1).
// Other kinds of POP are refused: the lightweight profile requires signature POP for signing keys
// (RFC 9483 §4.1.1).
func (m *CertReqMsg) VerifyPOP() error {
	if m.POP.Kind != POPSignature {
		return fail(CodeBadPOP, nil, "proof of possession is not a signature (kind %d)", m.POP.Kind)
	}
	if m.POP.HasInput {
		return fail(CodeBadPOP, nil, "poposkInput present although the template names subject and key")
	}
	pub, err := x509.ParsePKIXPublicKey(m.Template.PublicKey)
	if err != nil {
		return fail(CodeBadPOP, err, "template public key")
	}
	der, err := m.CertRequestDER()
	if err != nil {
		return fail(CodeBadPOP, err, "encoding CertRequest")
	}
	if err := verifySignature(m.POP.Algorithm, pub, der, m.POP.Signature); err != nil {
		return fail(CodeBadPOP, err, "POPOSigningKey signature")
	}
	return nil
}

// OldCertIDControl is the id-regCtrl-oldCertID control naming the certificate to be updated
// (RFC 4211 §6.5; required in kur by RFC 9483 §4.1.3): CertId ::= SEQUENCE { issuer GeneralName,
// serialNumber INTEGER }.
func OldCertIDControl(old *x509.Certificate) AttributeTypeAndValue {
	der, _ := asn1.Marshal(struct {
		Issuer asn1.RawValue
		Serial *big.Int
	}{DirectoryName(old.RawIssuer).raw(), old.SerialNumber})
	return AttributeTypeAndValue{Type: OIDRegCtrlOldCertID, Value: asn1.RawValue{FullBytes: der}}
}

// OldCertID returns the oldCertID control of the request, if present.
func (m *CertReqMsg) OldCertID() (issuer GeneralName, serial *big.Int, ok bool, err error) {
	for _, c := range m.Controls {
		if !c.Type.Equal(OIDRegCtrlOldCertID) {
			continue
		}
		var id struct {
			Issuer asn1.RawValue
			Serial *big.Int
		}
		if err := unmarshalAll(c.Value.FullBytes, &id); err != nil {
			return nil, nil, false, malformed("oldCertID", err)
		}
		return GeneralName(id.Issuer.FullBytes), id.Serial, true, nil
	}
	return nil, nil, false, nil
}

func encodeCertReqMessages(msgs []CertReqMsg) ([]byte, error) {
	if len(msgs) == 0 {
		return nil, fmt.Errorf("CertReqMessages is empty")
	}
	var all []asn1.RawValue
	for i := range msgs {
		m := &msgs[i]
		req, err := m.CertRequestDER()
		if err != nil {
			return nil, err
		}
		elems := []asn1.RawValue{{FullBytes: req}}
		if p, err := m.POP.encode(); err != nil {
			return nil, err
		} else if p != nil {
			elems = append(elems, asn1.RawValue{FullBytes: p})
		}
		if len(m.RegInfo) > 0 {
			ri, err := asn1.Marshal(m.RegInfo)
			if err != nil {
				return nil, err
			}
			elems = append(elems, asn1.RawValue{FullBytes: ri})
		}
		der, err := asn1.Marshal(elems)
		if err != nil {
			return nil, err
		}
		all = append(all, asn1.RawValue{FullBytes: der})
	}
	return asn1.Marshal(all)
}

func decodeCertReqMessages(der []byte) ([]CertReqMsg, error) {
	var msgs []asn1.RawValue
	if err := unmarshalAll(der, &msgs); err != nil {
		return nil, err
	}
	if len(msgs) == 0 {
		return nil, fmt.Errorf("CertReqMessages is empty")
	}
	out := make([]CertReqMsg, 0, len(msgs))
	for _, raw := range msgs {
		if raw.Tag != asn1.TagSequence || raw.Class != asn1.ClassUniversal {
			return nil, fmt.Errorf("CertReqMsg is not a SEQUENCE")
		}
		var elems []asn1.RawValue
		if err := unmarshalAll(raw.FullBytes, &elems); err != nil {
			return nil, err
		}
		if len(elems) == 0 || len(elems) > 3 {
			return nil, fmt.Errorf("CertReqMsg has %d elements", len(elems))
		}
		var m CertReqMsg
		var req struct {
			CertReqID int
			Template  asn1.RawValue
			Controls  []AttributeTypeAndValue `asn1:"optional"`
		}
		if err := unmarshalAll(elems[0].FullBytes, &req); err != nil {
			return nil, fmt.Errorf("CertRequest: %w", err)
		}
		m.CertReqID, m.Controls, m.rawCertReq = req.CertReqID, req.Controls, elems[0].FullBytes
		if err := m.Template.decode(req.Template); err != nil {
			return nil, fmt.Errorf("CertTemplate: %w", err)
		}
		for _, e := range elems[1:] {
			switch {
			case e.Class == asn1.ClassContextSpecific && m.POP.Kind == POPNone && m.RegInfo == nil:
				if err := m.POP.decode(e); err != nil {
					return nil, err
				}
			case e.Class == asn1.ClassUniversal && e.Tag == asn1.TagSequence && m.RegInfo == nil:
				if err := unmarshalAll(e.FullBytes, &m.RegInfo); err != nil {
					return nil, fmt.Errorf("regInfo: %w", err)
				}
				if m.RegInfo == nil {
					m.RegInfo = []AttributeTypeAndValue{}
				}
			default:
				return nil, fmt.Errorf("unexpected element in CertReqMsg")
			}
		}
		out = append(out, m)
	}
	return out, nil
}

func (p *ProofOfPossession) encode() ([]byte, error) {
	switch p.Kind {
	case POPNone:
		return nil, nil
	case POPRAVerified:
		return []byte{0x80, 0x00}, nil
	case POPSignature:
		inner, err := asn1.Marshal(struct {
			Alg pkix.AlgorithmIdentifier
			Sig asn1.BitString
		}{p.Algorithm, asn1.BitString{Bytes: p.Signature, BitLength: 8 * len(p.Signature)}})
		if err != nil {
			return nil, err
		}
		var seq asn1.RawValue
		if _, err := asn1.Unmarshal(inner, &seq); err != nil {
			return nil, err
		}
		return asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 1, IsCompound: true, Bytes: seq.Bytes})
	default:
		if p.Raw == nil {
			return nil, fmt.Errorf("POP kind %d without its DER", p.Kind)
		}
		return p.Raw, nil
	}
}

func (p *ProofOfPossession) decode(e asn1.RawValue) error {
	*p = ProofOfPossession{Raw: e.FullBytes}
	switch e.Tag {
	case 0:
		if e.IsCompound || len(e.Bytes) != 0 {
			return fmt.Errorf("raVerified is not NULL")
		}
		p.Kind = POPRAVerified
	case 1:
		p.Kind = POPSignature
		var elems []asn1.RawValue
		if err := unmarshalAll(sequenceOf(e.Bytes), &elems); err != nil || !e.IsCompound {
			return fmt.Errorf("POPOSigningKey: %v", err)
		}
		if len(elems) > 0 && elems[0].Class == asn1.ClassContextSpecific && elems[0].Tag == 0 {
			p.HasInput = true
			elems = elems[1:]
		}
		if len(elems) != 2 {
			return fmt.Errorf("POPOSigningKey has %d fields", len(elems))
		}
		if err := unmarshalAll(elems[0].FullBytes, &p.Algorithm); err != nil {
			return fmt.Errorf("POPOSigningKey algorithm: %w", err)
		}
		var sig asn1.BitString
		if err := unmarshalAll(elems[1].FullBytes, &sig); err != nil || sig.BitLength%8 != 0 {
			return fmt.Errorf("POPOSigningKey signature: %v", err)
		}
		p.Signature = sig.Bytes
	case 2:
		p.Kind = POPKeyEncipherment
	case 3:
		p.Kind = POPKeyAgreement
	default:
		return fmt.Errorf("unknown ProofOfPossession [%d]", e.Tag)
	}
	return nil
}

// Template field tags, RFC 4211 §5.
const (
	tmplSerial     = 1
	tmplIssuer     = 3
	tmplValidity   = 4
	tmplSubject    = 5
	tmplPublicKey  = 6
	tmplExtensions = 9
)

func (t *CertTemplate) encode() ([]byte, error) {
	fields := append([]asn1.RawValue(nil), t.Other...)
	ctx := func(tag int, compound bool, b []byte) asn1.RawValue {
		return asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: tag, IsCompound: compound, Bytes: b}
	}
	contents := func(der []byte) ([]byte, error) {
		var rv asn1.RawValue
		if err := unmarshalAll(der, &rv); err != nil {
			return nil, err
		}
		return rv.Bytes, nil
	}
	if t.SerialNumber != nil {
		b, err := asn1.Marshal(t.SerialNumber)
		if err != nil {
			return nil, err
		}
		c, _ := contents(b)
		fields = append(fields, ctx(tmplSerial, false, c))
	}
	if t.Issuer != nil {
		fields = append(fields, ctx(tmplIssuer, true, t.Issuer)) // Name is a CHOICE: explicit
	}
	if !t.NotBefore.IsZero() || !t.NotAfter.IsZero() {
		var v []byte
		for i, tm := range []time.Time{t.NotBefore, t.NotAfter} {
			if tm.IsZero() {
				continue
			}
			b, err := asn1.Marshal(tm.UTC()) // Time CHOICE: UTCTime before 2050, RFC 5280 §4.1.2.5
			if err != nil {
				return nil, err
			}
			e, _ := asn1.Marshal(ctx(i, true, b))
			v = append(v, e...)
		}
		fields = append(fields, ctx(tmplValidity, true, v))
	}
	if t.Subject != nil {
		fields = append(fields, ctx(tmplSubject, true, t.Subject))
	}
	if t.PublicKey != nil {
		c, err := contents(t.PublicKey)
		if err != nil {
			return nil, fmt.Errorf("public key: %w", err)
		}
		fields = append(fields, ctx(tmplPublicKey, true, c))
	}
	if len(t.Extensions) > 0 {
		b, err := asn1.Marshal(t.Extensions)
		if err != nil {
			return nil, err
		}
		c, _ := contents(b)
		fields = append(fields, ctx(tmplExtensions, true, c))
	}
	sort.SliceStable(fields, func(i, j int) bool { return fields[i].Tag < fields[j].Tag })
	if fields == nil {
		fields = []asn1.RawValue{}
	}
	return asn1.Marshal(fields)
}

func (t *CertTemplate) decode(rv asn1.RawValue) error {
	*t = CertTemplate{}
	if rv.Class != asn1.ClassUniversal || rv.Tag != asn1.TagSequence {
		return fmt.Errorf("not a SEQUENCE")
	}
	var fields []asn1.RawValue
	if err := unmarshalAll(rv.FullBytes, &fields); err != nil {
		return err
	}
	last := -1
	for _, f := range fields {
		if f.Class != asn1.ClassContextSpecific || f.Tag <= last || f.Tag > 9 {
			return fmt.Errorf("unexpected field [%d]", f.Tag)
		}
		last = f.Tag
		var err error
		switch f.Tag {
		case tmplSerial:
			t.SerialNumber = new(big.Int)
			b, _ := asn1.Marshal(asn1.RawValue{Tag: asn1.TagInteger, Bytes: f.Bytes})
			err = unmarshalAll(b, &t.SerialNumber)
		case tmplIssuer, tmplSubject:
			var name asn1.RawValue
			if err = unmarshalAll(f.Bytes, &name); err == nil && (name.Tag != asn1.TagSequence || name.Class != 0) {
				err = fmt.Errorf("name is not an RDNSequence")
			}
			if f.Tag == tmplIssuer {
				t.Issuer = name.FullBytes
			} else {
				t.Subject = name.FullBytes
			}
		case tmplValidity:
			err = t.decodeValidity(f.Bytes)
		case tmplPublicKey:
			t.PublicKey = sequenceOf(f.Bytes)
			var spki struct {
				Alg pkix.AlgorithmIdentifier
				Key asn1.BitString
			}
			err = unmarshalAll(t.PublicKey, &spki)
		case tmplExtensions:
			err = unmarshalAll(sequenceOf(f.Bytes), &t.Extensions)
		default:
			t.Other = append(t.Other, f)
		}
		if err != nil {
			return fmt.Errorf("field [%d]: %w", f.Tag, err)
		}
	}
	return nil
}

func (t *CertTemplate) decodeValidity(b []byte) error {
	var elems []asn1.RawValue
	if err := unmarshalAll(sequenceOf(b), &elems); err != nil {
		return err
	}
	for _, e := range elems {
		if e.Class != asn1.ClassContextSpecific || e.Tag > 1 {
			return fmt.Errorf("unexpected validity field")
		}
		var tm time.Time
		if err := unmarshalAll(e.Bytes, &tm); err != nil {
			return err
		}
		if e.Tag == 0 {
			t.NotBefore = tm
		} else {
			t.NotAfter = tm
		}
	}
	return nil
}

// newNonce returns 16 random bytes: RFC 9483 §3.1 asks for at least 128 bits in nonces and transactionID.
func newNonce() ([]byte, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	return b, nil
}
