package cmp

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
)

// Revocation request and response, RFC 9810 §5.3.9 and §5.3.10, as RFC 9483 §4.2 profiles them: one
// RevDetails naming the certificate by issuer and serial number, the reason as a crlEntryDetails
// extension, protected by the end entity's signature, in a transaction of its own.
//
//	RevReqContent ::= SEQUENCE OF RevDetails
//	RevDetails ::= SEQUENCE { certDetails CertTemplate, crlEntryDetails Extensions OPTIONAL }
//	RevRepContent ::= SEQUENCE { status SEQUENCE SIZE (1..MAX) OF PKIStatusInfo,
//	                             revCerts [0] ..., crls [1] ... }

// oidCRLReason is id-ce-cRLReasons (RFC 5280 §5.3.1).
var oidCRLReason = asn1.ObjectIdentifier{2, 5, 29, 21}

// Revocation reasons (RFC 5280 §5.3.1 CRLReason).
const (
	ReasonUnspecified          = 0
	ReasonKeyCompromise        = 1
	ReasonAffiliationChanged   = 3
	ReasonSuperseded           = 4
	ReasonCessationOfOperation = 5
	ReasonCertificateHold      = 6
	ReasonRemoveFromCRL        = 8
)

// RevDetails is one entry of an rr as a CA reads it: the certificate named by issuer and serial number
// in certDetails, and the CRLReason of crlEntryDetails (-1 when absent).
type RevDetails struct {
	Template CertTemplate
	Reason   int
}

// ParseRevReq decodes an rr body (RevReqContent, RFC 9810 §5.3.9). A crlEntryDetails without a
// readable reason code is an error, not "unspecified": the CA must not guess what the holder meant.
func ParseRevReq(raw []byte) ([]RevDetails, error) {
	var seq []asn1.RawValue
	if err := unmarshalAll(raw, &seq); err != nil || len(seq) == 0 {
		return nil, malformed("RevReqContent", err)
	}
	out := make([]RevDetails, 0, len(seq))
	for _, rv := range seq {
		var w struct {
			CertDetails asn1.RawValue
			Extensions  []pkix.Extension `asn1:"optional"`
		}
		if err := unmarshalAll(rv.FullBytes, &w); err != nil {
			return nil, malformed("RevDetails", err)
		}
		d := RevDetails{Reason: -1}
		if err := d.Template.decode(w.CertDetails); err != nil {
			return nil, malformed("RevDetails.certDetails", err)
		}
		for _, e := range w.Extensions {
			if !e.Id.Equal(oidCRLReason) {
				continue
			}
			var code asn1.Enumerated
			if err := unmarshalAll(e.Value, &code); err != nil {
				return nil, malformed("CRLReason", err)
			}
			d.Reason = int(code)
		}
		out = append(out, d)
	}
	return out, nil
}

// RevRepBody is the rp answering an rr with one status (RevRepContent, RFC 9810 §5.3.10).
func RevRepBody(s PKIStatusInfo) Body {
	der, err := asn1.Marshal(struct{ Status []wireStatusInfo }{[]wireStatusInfo{s.wire()}})
	if err != nil { // not reached: a PKIStatusInfo always encodes
		return ErrorBody(s)
	}
	return Body{Type: BodyRP, Raw: der}
}

// encodeRevReq is the rr body for one certificate.
func encodeRevReq(cert *x509.Certificate, reason int) ([]byte, error) {
	tmpl := CertTemplate{SerialNumber: cert.SerialNumber, Issuer: cert.RawIssuer}
	td, err := tmpl.encode()
	if err != nil {
		return nil, err
	}
	code, err := asn1.Marshal(asn1.Enumerated(reason))
	if err != nil {
		return nil, err
	}
	ext, err := asn1.Marshal([]pkix.Extension{{Id: oidCRLReason, Value: code}})
	if err != nil {
		return nil, err
	}
	details, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: append(td, ext...)})
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: details})
}

// decodeRevRep returns the first status of an rp body.
func decodeRevRep(der []byte) (PKIStatusInfo, error) {
	var w struct {
		Status []wireStatusInfo
		Rest   []asn1.RawValue `asn1:"optional"`
	}
	if err := unmarshalAll(der, &w); err != nil || len(w.Status) == 0 {
		return PKIStatusInfo{}, malformed("RevRepContent", err)
	}
	return w.Status[0].decode()
}

// Revoke asks the CA to revoke cert (rr), protected by p (the certificate's own key, or another the CA
// accepts), and checks the rp: accepted or grantedWithMods, anything else a *Refusal.
func (c *Client) Revoke(ctx context.Context, cert *x509.Certificate, p Protector, reason int) error {
	body, err := encodeRevReq(cert, reason)
	if err != nil {
		return err
	}
	tid, err := newNonce()
	if err != nil {
		return err
	}
	tx := &Transaction{Request: BodyRR, TransactionID: tid, Started: c.now()}
	ans, err := c.exchange(ctx, tx, p, Body{Type: BodyRR, Raw: body}, false)
	if err != nil {
		return err
	}
	if ans.Body.Type != BodyRP {
		return fail(CodeUnexpectedBody, nil, "%v where rp was expected", ans.Body.Type)
	}
	st, err := decodeRevRep(ans.Body.Raw)
	if err != nil {
		return err
	}
	if st.Status != StatusAccepted && st.Status != StatusGrantedWithMods {
		return &Refusal{Body: BodyRP, Status: st}
	}
	return nil
}
