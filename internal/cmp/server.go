package cmp

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"time"
)

// Server-side helpers: what a CA (internal/ca) needs to answer requests without touching ASN.1.

// ResponseType is the answer body for a request body (RFC 9810 §5.3): ir→ip, cr and p10cr→cp, kur→kup.
func ResponseType(req BodyType) (BodyType, bool) {
	switch req {
	case BodyIR:
		return BodyIP, true
	case BodyCR, BodyP10CR:
		return BodyCP, true
	case BodyKUR:
		return BodyKUP, true
	}
	return 0, false
}

// NewResponse starts the answer to req (RFC 9810 §5.1.1, RFC 9483 §3.1): the request's pvno and
// transactionID, recipNonce = the request's senderNonce, a fresh senderNonce, the request's sender as
// recipient, and messageTime now. Protect it with (*Message).Protect before sending.
func NewResponse(req *Message, body Body, now time.Time) (*Message, error) {
	nonce, err := newNonce()
	if err != nil {
		return nil, err
	}
	pvno := req.Header.PVNO
	if pvno != PVNO2021 {
		pvno = PVNO2000
	}
	return &Message{
		Header: Header{
			PVNO: pvno, Recipient: req.Header.Sender, MessageTime: now,
			TransactionID: req.Header.TransactionID, SenderNonce: nonce, RecipNonce: req.Header.SenderNonce,
		},
		Body: body,
	}, nil
}

// GrantImplicitConfirm marks an answer as granting implicit confirmation (RFC 9810 §5.1.1.1): only when
// the request asked for it.
func (m *Message) GrantImplicitConfirm() {
	m.Header.GeneralInfo = append(m.Header.GeneralInfo, ImplicitConfirmInfo())
	m.Reencode()
}

// CertRepBody builds an ip, cp or kup body (RFC 9810 §5.3.4). caPubs are DER certificates (ip only).
func CertRepBody(t BodyType, caPubs [][]byte, responses ...CertResponse) Body {
	return Body{Type: t, CertRep: &CertRepMessage{CAPubs: caPubs, Responses: responses}}
}

// Issued is the CertResponse for an issued certificate (status accepted).
func Issued(certReqID int, certDER []byte) CertResponse {
	return CertResponse{CertReqID: certReqID, Status: PKIStatusInfo{Status: StatusAccepted}, Cert: certDER}
}

// Waiting is the CertResponse that defers issuance (status waiting; the client then polls, RFC 9810
// §5.3.22).
func Waiting(certReqID int) CertResponse {
	return CertResponse{CertReqID: certReqID, Status: PKIStatusInfo{Status: StatusWaiting}}
}

// Rejected is a negative CertResponse with a reason (status.go) and free text.
func Rejected(certReqID int, r Reason, detail string) CertResponse {
	return CertResponse{CertReqID: certReqID, Status: RejectionStatus(r, detail)}
}

// RejectionStatus is the PKIStatusInfo for a refusal: status rejection, the reason's failInfo bit, and
// the reason as first statusString.
func RejectionStatus(r Reason, detail string) PKIStatusInfo {
	return PKIStatusInfo{Status: StatusRejection, FailInfo: Bit(r.FailBit()), StatusString: []string{r.StatusString(detail)}}
}

// ErrorBody builds an error body (RFC 9810 §5.3.21).
func ErrorBody(status PKIStatusInfo, details ...string) Body {
	return Body{Type: BodyError, Error: &ErrorMsgContent{Status: status, ErrorDetails: details}}
}

// PollRepBody asks the client to poll again after checkAfter (RFC 9810 §5.3.22), rounded up to seconds.
func PollRepBody(certReqID int, checkAfter time.Duration, reason ...string) Body {
	secs := int64((checkAfter + time.Second - 1) / time.Second)
	return Body{Type: BodyPollRep, PollRep: []PollRepEntry{{CertReqID: certReqID, CheckAfter: secs, Reason: reason}}}
}

// PKIConfBody is the pkiConf body (RFC 9810 §5.3.17).
func PKIConfBody() Body { return Body{Type: BodyPKIConf} }

// CACertsBody is the genp answering a genm for id-it-caCerts (RFC 9810 §5.3.19.15, RFC 9483 §4.3.1).
func CACertsBody(certs [][]byte) Body {
	var seq []asn1.RawValue
	for _, c := range certs {
		seq = append(seq, asn1.RawValue{FullBytes: c})
	}
	var v asn1.RawValue
	if len(seq) > 0 {
		der, _ := asn1.Marshal(seq)
		v.FullBytes = der
	}
	return Body{Type: BodyGenP, Info: []InfoTypeAndValue{{Type: OIDCACerts, Value: v}}}
}

// AsksForCACerts reports whether a genm asks for id-it-caCerts.
func (m *Message) AsksForCACerts() bool {
	if m.Body.Type != BodyGenM {
		return false
	}
	for _, i := range m.Body.Info {
		if i.Type.Equal(OIDCACerts) {
			return true
		}
	}
	return false
}

// VerifyRequest checks a request's protection: signature chaining to anchors (the CA's own certificate
// for renewals, so only certificates it issued can ask), or MAC when secret is not nil and the request
// is MAC-protected. It returns the protection certificate (nil for MAC).
func (m *Message) VerifyRequest(anchors *x509.CertPool, secret []byte, now time.Time) (*x509.Certificate, error) {
	if secret != nil && isMAC(m.Header.ProtectionAlg.Algorithm) {
		return nil, m.VerifyMAC(secret)
	}
	return m.VerifySignature(anchors, now)
}

// CertHash is the certHash of a certificate for certConf (RFC 9810 §5.3.18): with hashAlg when given
// (v3), else with the hash of the certificate's signature algorithm (SHA-512 for Ed25519, RFC 9481 §2).
func CertHash(cert *x509.Certificate, hashAlg pkix.AlgorithmIdentifier) ([]byte, error) {
	var h crypto.Hash
	if hashAlg.Algorithm != nil {
		f := hashFor(hashAlg.Algorithm)
		if f == nil {
			return nil, fail(CodeUnsupported, nil, "certConf hashAlg %v", hashAlg.Algorithm)
		}
		hh := f()
		hh.Write(cert.Raw)
		return hh.Sum(nil), nil
	}
	switch cert.SignatureAlgorithm {
	case x509.SHA256WithRSA, x509.ECDSAWithSHA256, x509.SHA256WithRSAPSS:
		h = crypto.SHA256
	case x509.SHA384WithRSA, x509.ECDSAWithSHA384, x509.SHA384WithRSAPSS:
		h = crypto.SHA384
	case x509.SHA512WithRSA, x509.ECDSAWithSHA512, x509.SHA512WithRSAPSS, x509.PureEd25519:
		h = crypto.SHA512
	default:
		return nil, fail(CodeUnsupported, nil, "certConf hash for signature algorithm %v", cert.SignatureAlgorithm)
	}
	hh := h.New()
	hh.Write(cert.Raw)
	return hh.Sum(nil), nil
}

// Confirms reports whether a certConf entry accepts exactly this certificate (RFC 9810 §5.3.18): the
// hash matches and the status, if given, is accepted. A rejection is returned as a *Refusal.
func (s CertStatus) Confirms(cert *x509.Certificate) (bool, error) {
	if s.StatusInfo != nil && s.StatusInfo.Status == StatusRejection {
		return false, &Refusal{Body: BodyCertConf, Status: *s.StatusInfo}
	}
	want, err := CertHash(cert, s.HashAlg)
	if err != nil {
		return false, err
	}
	return bytes.Equal(want, s.CertHash), nil
}

// CheckRequestHeader applies the lightweight profile's header rules to a request (RFC 9483 §3.1):
// pvno 2 or 3, a transactionID and a senderNonce of at least 128 bits. It returns the PKIStatusInfo to
// answer with (in an error message) when a rule is broken, or nil.
func (m *Message) CheckRequestHeader() *PKIStatusInfo {
	h := &m.Header
	switch {
	case h.PVNO != PVNO2000 && h.PVNO != PVNO2021:
		return &PKIStatusInfo{Status: StatusRejection, FailInfo: Bit(FailUnsupportedVersion), StatusString: []string{"pvno must be 2 or 3"}}
	case len(h.TransactionID) < 16:
		return &PKIStatusInfo{Status: StatusRejection, FailInfo: Bit(FailBadRequest), StatusString: []string{"transactionID missing or shorter than 128 bits"}}
	case len(h.SenderNonce) < 16:
		return &PKIStatusInfo{Status: StatusRejection, FailInfo: Bit(FailBadSenderNonce), StatusString: []string{"senderNonce missing or shorter than 128 bits"}}
	}
	return nil
}

// failInfoFor maps this package's check failures to the failInfo bit a server answers with
// (RFC 9810 §5.2.3).
var failInfoFor = map[Code]int{
	CodeMalformed:       FailBadDataFormat,
	CodeUnprotected:     FailWrongIntegrity,
	CodeBadProtection:   FailBadMessageCheck,
	CodeUntrustedSigner: FailSignerNotTrusted,
	CodeBadPOP:          FailBadPOP,
	CodeUnsupported:     FailBadAlg,
	CodeBadInput:        FailBadRequest,
}

// StatusFor turns an error from ParseMessage, VerifyRequest or VerifyPOP into the PKIStatusInfo of the
// error message a server sends back: status rejection, the matching failInfo bit, the error as text.
func StatusFor(err error) PKIStatusInfo {
	bit := FailBadRequest
	var e *Error
	if errors.As(err, &e) {
		if b, ok := failInfoFor[e.Code]; ok {
			bit = b
		}
	}
	return PKIStatusInfo{Status: StatusRejection, FailInfo: Bit(bit), StatusString: []string{err.Error()}}
}
