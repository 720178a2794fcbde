package cmp

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"time"
)

// PVNO values, RFC 9810 §5.1.1. Requests use cmp2000 unless a v3 feature is needed (RFC 9810 §7).
const (
	PVNO2000 = 2
	PVNO2021 = 3
)

// BodyType is the tag of the PKIBody CHOICE, RFC 9810 §5.1.2.
type BodyType int

// The PKIBody alternatives this package encodes and decodes; any other tag is kept opaque in Body.Raw.
const (
	BodyIR       BodyType = 0  // Initialization Request, §5.3.1
	BodyIP       BodyType = 1  // Initialization Response, §5.3.4
	BodyCR       BodyType = 2  // Certification Request, §5.3.3
	BodyCP       BodyType = 3  // Certification Response, §5.3.4
	BodyP10CR    BodyType = 4  // PKCS #10 Certification Request, §5.3.3
	BodyKUR      BodyType = 7  // Key Update Request, §5.3.5
	BodyKUP      BodyType = 8  // Key Update Response, §5.3.6
	BodyRR       BodyType = 11 // Revocation Request, §5.3.9
	BodyRP       BodyType = 12 // Revocation Response, §5.3.10
	BodyPKIConf  BodyType = 19 // PKI Confirmation, §5.3.17
	BodyGenM     BodyType = 21 // General Message, §5.3.19
	BodyGenP     BodyType = 22 // General Response, §5.3.20
	BodyError    BodyType = 23 // Error Message, §5.3.21
	BodyCertConf BodyType = 24 // Certificate Confirmation, §5.3.18
	BodyPollReq  BodyType = 25 // Polling Request, §5.3.22
	BodyPollRep  BodyType = 26 // Polling Response, §5.3.22
)

var bodyNames = map[BodyType]string{
	BodyIR: "ir", BodyIP: "ip", BodyCR: "cr", BodyCP: "cp", BodyP10CR: "p10cr", BodyKUR: "kur", BodyKUP: "kup",
	BodyRR: "rr", BodyRP: "rp", BodyPKIConf: "pkiconf", BodyGenM: "genm", BodyGenP: "genp", BodyError: "error",
	BodyCertConf: "certConf", BodyPollReq: "pollReq", BodyPollRep: "pollRep",
}

func (t BodyType) String() string {
	if n, ok := bodyNames[t]; ok {
		return n
	}
	return fmt.Sprintf("body[%d]", int(t))
}

// Message is a PKIMessage, RFC 9810 §5.1:
//
//	PKIMessage ::= SEQUENCE {
//	    header           PKIHeader,
//	    body             PKIBody,
//	    protection   [0] PKIProtection OPTIONAL,
//	    extraCerts   [1] SEQUENCE SIZE (1..MAX) OF CMPCertificate OPTIONAL }
//
// A parsed Message remembers the exact DER of its header and body, so its protection is verified over
// the bytes the sender protected, not over a re-encoding.
type Message struct {
	Header     Header
	Body       Body
	Protection []byte   // PKIProtection BIT STRING contents (whole bytes)
	ExtraCerts [][]byte // DER certificates; RFC 9483 §3.3: the protection certificate comes first

	rawHeader, rawBody []byte
}

// Header is a PKIHeader, RFC 9810 §5.1.1.
type Header struct {
	PVNO          int
	Sender        GeneralName
	Recipient     GeneralName
	MessageTime   time.Time                // zero: absent
	ProtectionAlg pkix.AlgorithmIdentifier // Algorithm nil: absent (unprotected)
	SenderKID     []byte
	RecipKID      []byte
	TransactionID []byte
	SenderNonce   []byte
	RecipNonce    []byte
	FreeText      []string
	GeneralInfo   []InfoTypeAndValue
}

// InfoTypeAndValue, RFC 9810 §5.1.1 and §5.3.19.
type InfoTypeAndValue struct {
	Type  asn1.ObjectIdentifier
	Value asn1.RawValue `asn1:"optional"`
}

// ImplicitConfirm reports whether generalInfo carries id-it-implicitConfirm (RFC 9810 §5.1.1.1).
func (h *Header) ImplicitConfirm() bool {
	for _, i := range h.GeneralInfo {
		if i.Type.Equal(OIDImplicitConfirm) {
			return true
		}
	}
	return false
}

// ImplicitConfirmInfo is the generalInfo entry that asks for (in a request) or grants (in an answer)
// implicit confirmation: id-it-implicitConfirm with a NULL value, RFC 9810 §5.1.1.1.
func ImplicitConfirmInfo() InfoTypeAndValue {
	return InfoTypeAndValue{Type: OIDImplicitConfirm, Value: asn1.RawValue{FullBytes: []byte{0x05, 0x00}}}
}

// Body is a PKIBody, RFC 9810 §5.1.2: Type says which of the fields is meaningful.
type Body struct {
	Type        BodyType
	CertReqMsgs []CertReqMsg       // ir, cr, kur: CertReqMessages (RFC 4211 §3)
	P10CR       []byte             // p10cr: DER PKCS #10 CertificationRequest
	CertRep     *CertRepMessage    // ip, cp, kup
	CertConf    []CertStatus       // certConf
	PollReq     []int              // pollReq: the certReqIds polled for
	PollRep     []PollRepEntry     // pollRep
	Error       *ErrorMsgContent   // error
	Info        []InfoTypeAndValue // genm, genp
	Raw         []byte             // any other body: the DER of its content, kept opaque
}

// CertRepMessage, RFC 9810 §5.3.4.
type CertRepMessage struct {
	CAPubs    [][]byte // DER certificates
	Responses []CertResponse
}

// CertResponse, RFC 9810 §5.3.4. Cert is the issued certificate (certOrEncCert.certificate); an encrypted
// certificate is not supported (the lightweight profile uses it only for central key generation).
type CertResponse struct {
	CertReqID int
	Status    PKIStatusInfo
	Cert      []byte
	RspInfo   []byte
}

// CertStatus, RFC 9810 §5.3.18: the client's confirmation of one certificate.
type CertStatus struct {
	CertHash   []byte
	CertReqID  int
	StatusInfo *PKIStatusInfo           // nil: absent (means accepted)
	HashAlg    pkix.AlgorithmIdentifier // v3 only; Algorithm nil: absent
}

// PollRepEntry, RFC 9810 §5.3.22. CheckAfter is in seconds.
type PollRepEntry struct {
	CertReqID  int
	CheckAfter int64
	Reason     []string
}

// ErrorMsgContent, RFC 9810 §5.3.21.
type ErrorMsgContent struct {
	Status       PKIStatusInfo
	ErrorCode    int64 // meaningful when HasErrorCode
	HasErrorCode bool
	ErrorDetails []string
}

// GeneralName is the DER of an X.509 GeneralName (RFC 5280 §4.2.1.6). CMP names senders and recipients
// with directoryName; an empty GeneralName encodes as the NULL-DN (RFC 9483 §3.1).
type GeneralName []byte

// nullDN is directoryName [4] holding an empty RDNSequence.
var nullDN = GeneralName{0xa4, 0x02, 0x30, 0x00}

// DirectoryName wraps a DER Name (e.g. x509.Certificate.RawSubject) as GeneralName directoryName [4].
func DirectoryName(nameDER []byte) GeneralName {
	b, _ := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 4, IsCompound: true, Bytes: nameDER})
	return b
}

// DirectoryNameOf encodes a pkix.Name as a GeneralName directoryName.
func DirectoryNameOf(n pkix.Name) GeneralName {
	der, _ := asn1.Marshal(n.ToRDNSequence())
	return DirectoryName(der)
}

// Name returns the DER Name inside a directoryName, or false for other kinds of GeneralName.
func (g GeneralName) Name() ([]byte, bool) {
	var rv asn1.RawValue
	if rest, err := asn1.Unmarshal(g, &rv); err != nil || len(rest) != 0 {
		return nil, false
	}
	if rv.Class != asn1.ClassContextSpecific || rv.Tag != 4 || !rv.IsCompound {
		return nil, false
	}
	return rv.Bytes, true
}

func (g GeneralName) raw() asn1.RawValue {
	if len(g) == 0 {
		g = nullDN
	}
	return asn1.RawValue{FullBytes: g}
}

// Errors of the codec. They say what is wrong with the bytes; callers wrap them in ErrMalformed.
var errTrailing = errors.New("trailing data after the ASN.1 element")
