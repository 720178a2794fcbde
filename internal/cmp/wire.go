package cmp

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"
	"unicode/utf8"
)

// The wire structures below mirror the ASN.1 of RFC 9810 Appendix F (module PKIXCMP-2023, EXPLICIT
// TAGS), so encoding/asn1 does the tagging. Choices and implicitly tagged CRMF fields are handled by hand.

type wireMessage struct {
	Header     asn1.RawValue
	Body       asn1.RawValue
	Protection asn1.BitString  `asn1:"optional,explicit,tag:0"`
	ExtraCerts []asn1.RawValue `asn1:"optional,explicit,tag:1"`
}

type wireHeader struct {
	PVNO          int
	Sender        asn1.RawValue
	Recipient     asn1.RawValue
	MessageTime   time.Time                `asn1:"optional,explicit,tag:0,generalized"`
	ProtectionAlg pkix.AlgorithmIdentifier `asn1:"optional,explicit,tag:1"`
	SenderKID     []byte                   `asn1:"optional,explicit,tag:2"`
	RecipKID      []byte                   `asn1:"optional,explicit,tag:3"`
	TransactionID []byte                   `asn1:"optional,explicit,tag:4"`
	SenderNonce   []byte                   `asn1:"optional,explicit,tag:5"`
	RecipNonce    []byte                   `asn1:"optional,explicit,tag:6"`
	FreeText      []asn1.RawValue          `asn1:"optional,explicit,tag:7"`
	GeneralInfo   []InfoTypeAndValue       `asn1:"optional,explicit,tag:8"`
}

type wireStatusInfo struct {
	Status       int
	StatusString []asn1.RawValue `asn1:"optional"`
	FailInfo     asn1.BitString  `asn1:"optional"`
}

type wireCertRepMessage struct {
	CAPubs    []asn1.RawValue `asn1:"optional,explicit,tag:1"`
	Responses []wireCertResponse
}

type wireCertResponse struct {
	CertReqID        int
	Status           wireStatusInfo
	CertifiedKeyPair wireCertifiedKeyPair `asn1:"optional"`
	RspInfo          []byte               `asn1:"optional"`
}

// wireCertifiedKeyPair, RFC 9810 §5.3.4. When decoded, the explicitly tagged RawValues hold the outer
// tag, with the inner element in Bytes.
type wireCertifiedKeyPair struct {
	CertOrEncCert   asn1.RawValue
	PrivateKey      asn1.RawValue `asn1:"optional,explicit,tag:0"`
	PublicationInfo asn1.RawValue `asn1:"optional,explicit,tag:1"`
}

// wireCertStatus is encoded from this struct; it is decoded field by field (decodeCertStatus) because
// an explicit statusInfo "accepted" must stay distinguishable from an absent one.
type wireCertStatus struct {
	CertHash   []byte
	CertReqID  int
	StatusInfo asn1.RawValue            `asn1:"optional"`
	HashAlg    pkix.AlgorithmIdentifier `asn1:"optional,explicit,tag:0"`
}

type wirePollReq struct{ CertReqID int }

type wirePollRep struct {
	CertReqID  int
	CheckAfter int64
	Reason     []asn1.RawValue `asn1:"optional"`
}

type wireError struct {
	Status       wireStatusInfo
	ErrorCode    *big.Int        `asn1:"optional"`
	ErrorDetails []asn1.RawValue `asn1:"optional"`
}

// ParseMessage decodes a DER PKIMessage. It checks structure only; the client's checks of protection,
// nonces and content are in client.go, the server's in server.go.
func ParseMessage(der []byte) (*Message, error) {
	var w wireMessage
	if err := unmarshalAll(der, &w); err != nil {
		return nil, malformed("PKIMessage", err)
	}
	m := &Message{rawHeader: w.Header.FullBytes, rawBody: w.Body.FullBytes}
	if err := m.Header.decode(w.Header.FullBytes); err != nil {
		return nil, err
	}
	if err := m.Body.decode(w.Body); err != nil {
		return nil, err
	}
	if w.Protection.BitLength%8 != 0 {
		return nil, malformed("protection", fmt.Errorf("bit string of %d bits", w.Protection.BitLength))
	}
	m.Protection = w.Protection.Bytes
	for _, c := range w.ExtraCerts {
		m.ExtraCerts = append(m.ExtraCerts, c.FullBytes)
	}
	return m, nil
}

// Marshal encodes the message. The header and body are encoded afresh unless the message was parsed and
// not changed since (see Message.Reencode), so a received message re-marshals byte for byte.
func (m *Message) Marshal() ([]byte, error) {
	if err := m.encodeParts(); err != nil {
		return nil, err
	}
	w := wireMessage{Header: asn1.RawValue{FullBytes: m.rawHeader}, Body: asn1.RawValue{FullBytes: m.rawBody}}
	if len(m.Protection) > 0 {
		w.Protection = asn1.BitString{Bytes: m.Protection, BitLength: 8 * len(m.Protection)}
	}
	for _, c := range m.ExtraCerts {
		w.ExtraCerts = append(w.ExtraCerts, asn1.RawValue{FullBytes: c})
	}
	return asn1.Marshal(w)
}

// Reencode forgets the DER remembered from parsing, so the next Marshal or protection encodes the
// current Header and Body. Call it after changing a parsed message.
func (m *Message) Reencode() { m.rawHeader, m.rawBody = nil, nil }

func (m *Message) encodeParts() error {
	var err error
	if m.rawHeader == nil {
		if m.rawHeader, err = m.Header.encode(); err != nil {
			return fmt.Errorf("cmp: encoding PKIHeader: %w", err)
		}
	}
	if m.rawBody == nil {
		if m.rawBody, err = m.Body.encode(); err != nil {
			return fmt.Errorf("cmp: encoding %v body: %w", m.Body.Type, err)
		}
	}
	return nil
}

// protectedPart is the DER of ProtectedPart ::= SEQUENCE { header, body }, RFC 9810 §5.1.3.
func (m *Message) protectedPart() ([]byte, error) {
	if err := m.encodeParts(); err != nil {
		return nil, err
	}
	return asn1.Marshal(struct{ H, B asn1.RawValue }{asn1.RawValue{FullBytes: m.rawHeader}, asn1.RawValue{FullBytes: m.rawBody}})
}

func (h *Header) encode() ([]byte, error) {
	w := wireHeader{
		PVNO: h.PVNO, Sender: h.Sender.raw(), Recipient: h.Recipient.raw(),
		ProtectionAlg: h.ProtectionAlg, SenderKID: h.SenderKID, RecipKID: h.RecipKID,
		TransactionID: h.TransactionID, SenderNonce: h.SenderNonce, RecipNonce: h.RecipNonce,
		FreeText: freeText(h.FreeText), GeneralInfo: h.GeneralInfo,
	}
	if !h.MessageTime.IsZero() {
		// DER GeneralizedTime: UTC, whole seconds (X.690 §11.7).
		w.MessageTime = h.MessageTime.UTC().Truncate(time.Second)
	}
	return asn1.Marshal(w)
}

func (h *Header) decode(der []byte) error {
	var w wireHeader
	if err := unmarshalAll(der, &w); err != nil {
		return malformed("PKIHeader", err)
	}
	ft, err := parseFreeText(w.FreeText)
	if err != nil {
		return malformed("PKIHeader freeText", err)
	}
	*h = Header{
		PVNO: w.PVNO, Sender: GeneralName(w.Sender.FullBytes), Recipient: GeneralName(w.Recipient.FullBytes),
		MessageTime: w.MessageTime, ProtectionAlg: w.ProtectionAlg, SenderKID: w.SenderKID, RecipKID: w.RecipKID,
		TransactionID: w.TransactionID, SenderNonce: w.SenderNonce, RecipNonce: w.RecipNonce,
		FreeText: ft, GeneralInfo: w.GeneralInfo,
	}
	return nil
}

func (b *Body) encode() ([]byte, error) {
	var content []byte
	var err error
	switch b.Type {
	case BodyIR, BodyCR, BodyKUR:
		content, err = encodeCertReqMessages(b.CertReqMsgs)
	case BodyP10CR:
		content = b.P10CR
	case BodyIP, BodyCP, BodyKUP:
		if b.CertRep == nil {
			return nil, fmt.Errorf("no CertRepMessage")
		}
		if len(b.CertRep.Responses) == 0 {
			return nil, errNoCertResponse
		}
		w := wireCertRepMessage{}
		for _, c := range b.CertRep.CAPubs {
			w.CAPubs = append(w.CAPubs, asn1.RawValue{FullBytes: c})
		}
		w.Responses = []wireCertResponse{}
		for _, r := range b.CertRep.Responses {
			wr := wireCertResponse{CertReqID: r.CertReqID, Status: r.Status.wire(), RspInfo: r.RspInfo}
			if r.Cert != nil {
				wr.CertifiedKeyPair.CertOrEncCert = asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: r.Cert}
			}
			w.Responses = append(w.Responses, wr)
		}
		content, err = asn1.Marshal(w)
	case BodyCertConf:
		w := []wireCertStatus{}
		for _, s := range b.CertConf {
			ws := wireCertStatus{CertHash: s.CertHash, CertReqID: s.CertReqID, HashAlg: s.HashAlg}
			if s.StatusInfo != nil {
				si, e := asn1.Marshal(s.StatusInfo.wire())
				if e != nil {
					return nil, e
				}
				ws.StatusInfo = asn1.RawValue{FullBytes: si}
			}
			w = append(w, ws)
		}
		content, err = asn1.Marshal(w)
	case BodyPKIConf:
		content = []byte{0x05, 0x00} // PKIConfirmContent ::= NULL
	case BodyPollReq:
		w := []wirePollReq{}
		for _, id := range b.PollReq {
			w = append(w, wirePollReq{id})
		}
		content, err = asn1.Marshal(w)
	case BodyPollRep:
		w := []wirePollRep{}
		for _, p := range b.PollRep {
			w = append(w, wirePollRep{p.CertReqID, p.CheckAfter, freeText(p.Reason)})
		}
		content, err = asn1.Marshal(w)
	case BodyError:
		if b.Error == nil {
			return nil, fmt.Errorf("no ErrorMsgContent")
		}
		w := wireError{Status: b.Error.Status.wire(), ErrorDetails: freeText(b.Error.ErrorDetails)}
		if b.Error.HasErrorCode {
			w.ErrorCode = big.NewInt(b.Error.ErrorCode)
		}
		content, err = asn1.Marshal(w)
	case BodyGenM, BodyGenP:
		info := b.Info
		if info == nil {
			info = []InfoTypeAndValue{}
		}
		content, err = asn1.Marshal(info)
	default:
		content = b.Raw
	}
	if err != nil {
		return nil, err
	}
	if len(content) == 0 {
		return nil, fmt.Errorf("empty body")
	}
	return asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: int(b.Type), IsCompound: true, Bytes: content})
}

func (b *Body) decode(rv asn1.RawValue) error {
	if rv.Class != asn1.ClassContextSpecific || !rv.IsCompound {
		return malformed("PKIBody", fmt.Errorf("not a context-specific constructed tag"))
	}
	*b = Body{Type: BodyType(rv.Tag)}
	what := "PKIBody " + b.Type.String()
	var err error
	switch b.Type {
	case BodyIR, BodyCR, BodyKUR:
		b.CertReqMsgs, err = decodeCertReqMessages(rv.Bytes)
	case BodyP10CR:
		var csr asn1.RawValue
		if err = unmarshalAll(rv.Bytes, &csr); err == nil {
			b.P10CR = csr.FullBytes
		}
	case BodyIP, BodyCP, BodyKUP:
		var w wireCertRepMessage
		if err = unmarshalAll(rv.Bytes, &w); err != nil {
			break
		}
		if len(w.Responses) == 0 {
			err = errNoCertResponse
			break
		}
		rep := &CertRepMessage{}
		for _, c := range w.CAPubs {
			rep.CAPubs = append(rep.CAPubs, c.FullBytes)
		}
		for _, wr := range w.Responses {
			r := CertResponse{CertReqID: wr.CertReqID, RspInfo: wr.RspInfo}
			if r.Status, err = wr.Status.decode(); err != nil {
				break
			}
			if c := wr.CertifiedKeyPair.CertOrEncCert; c.FullBytes != nil {
				if c.Class != asn1.ClassContextSpecific || c.Tag != 0 || !c.IsCompound {
					err = fmt.Errorf("certOrEncCert is not a plain certificate [0] (encrypted certificates are not supported)")
					break
				}
				var cert asn1.RawValue
				if err = unmarshalAll(c.Bytes, &cert); err != nil {
					break
				}
				r.Cert = cert.FullBytes
			}
			rep.Responses = append(rep.Responses, r)
		}
		b.CertRep = rep
	case BodyCertConf:
		var w []asn1.RawValue
		if err = unmarshalAll(rv.Bytes, &w); err != nil {
			break
		}
		b.CertConf = []CertStatus{}
		for _, ws := range w {
			var s CertStatus
			if s, err = decodeCertStatus(ws.FullBytes); err != nil {
				break
			}
			b.CertConf = append(b.CertConf, s)
		}
	case BodyPKIConf:
		var null asn1.RawValue
		if err = unmarshalAll(rv.Bytes, &null); err == nil && (null.Tag != asn1.TagNull || null.Class != 0 || len(null.Bytes) != 0) {
			err = fmt.Errorf("PKIConfirmContent is not NULL")
		}
	case BodyPollReq:
		var w []wirePollReq
		if err = unmarshalAll(rv.Bytes, &w); err != nil {
			break
		}
		b.PollReq = []int{}
		for _, p := range w {
			b.PollReq = append(b.PollReq, p.CertReqID)
		}
	case BodyPollRep:
		var w []wirePollRep
		if err = unmarshalAll(rv.Bytes, &w); err != nil {
			break
		}
		b.PollRep = []PollRepEntry{}
		for _, p := range w {
			e := PollRepEntry{CertReqID: p.CertReqID, CheckAfter: p.CheckAfter}
			if e.Reason, err = parseFreeText(p.Reason); err != nil {
				break
			}
			b.PollRep = append(b.PollRep, e)
		}
	case BodyError:
		var w wireError
		if err = unmarshalAll(rv.Bytes, &w); err != nil {
			break
		}
		e := &ErrorMsgContent{}
		if e.Status, err = w.Status.decode(); err != nil {
			break
		}
		if w.ErrorCode != nil {
			if !w.ErrorCode.IsInt64() {
				err = fmt.Errorf("errorCode out of range")
				break
			}
			e.ErrorCode, e.HasErrorCode = w.ErrorCode.Int64(), true
		}
		if e.ErrorDetails, err = parseFreeText(w.ErrorDetails); err != nil {
			break
		}
		b.Error = e
	case BodyGenM, BodyGenP:
		err = unmarshalAll(rv.Bytes, &b.Info)
		if b.Info == nil {
			b.Info = []InfoTypeAndValue{}
		}
	default:
		b.Raw = rv.Bytes
	}
	if err != nil {
		return malformed(what, err)
	}
	return nil
}

func (s PKIStatusInfo) wire() wireStatusInfo {
	return wireStatusInfo{Status: int(s.Status), StatusString: freeText(s.StatusString), FailInfo: s.FailInfo.bitString()}
}

func (w wireStatusInfo) decode() (PKIStatusInfo, error) {
	ss, err := parseFreeText(w.StatusString)
	if err != nil {
		return PKIStatusInfo{}, err
	}
	if w.Status < 0 || w.Status > 6 {
		return PKIStatusInfo{}, fmt.Errorf("PKIStatus %d out of range", w.Status)
	}
	return PKIStatusInfo{Status: PKIStatus(w.Status), StatusString: ss, FailInfo: failInfoFromBits(w.FailInfo)}, nil
}

// freeText encodes PKIFreeText ::= SEQUENCE SIZE (1..MAX) OF UTF8String (RFC 9810 §5.1.1); nil when empty.
func freeText(ss []string) []asn1.RawValue {
	if len(ss) == 0 {
		return nil
	}
	out := make([]asn1.RawValue, len(ss))
	for i, s := range ss {
		out[i] = asn1.RawValue{Tag: asn1.TagUTF8String, Bytes: []byte(s)}
	}
	return out
}

func parseFreeText(rvs []asn1.RawValue) ([]string, error) {
	var out []string
	for _, rv := range rvs {
		if rv.Class != asn1.ClassUniversal || rv.Tag != asn1.TagUTF8String || !utf8.Valid(rv.Bytes) {
			return nil, fmt.Errorf("PKIFreeText element is not a valid UTF8String")
		}
		out = append(out, string(rv.Bytes))
	}
	return out, nil
}

// errNoCertResponse refuses a CertRepMessage without a CertResponse: RFC 9810 §5.3.4 answers each
// request with one, and encoding/asn1 cannot read `SEQUENCE { SEQUENCE {} }` back (it takes the empty
// response list for the optional explicit caPubs and reports "explicit tag has no child").
var errNoCertResponse = fmt.Errorf("CertRepMessage without a CertResponse")

// unmarshalAll is asn1.Unmarshal that refuses trailing bytes.
func unmarshalAll(der []byte, v any) error {
	rest, err := asn1.Unmarshal(der, v)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return errTrailing
	}
	return nil
}

// sequenceOf re-tags implicitly tagged contents as a universal SEQUENCE, so encoding/asn1 can parse them.
func sequenceOf(contents []byte) []byte {
	b, _ := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: contents})
	return b
}

// decodeCertStatus parses CertStatus, RFC 9810 §5.3.18.
func decodeCertStatus(der []byte) (CertStatus, error) {
	var s CertStatus
	var f []asn1.RawValue
	if err := unmarshalAll(der, &f); err != nil {
		return s, err
	}
	if len(f) < 2 || len(f) > 4 {
		return s, fmt.Errorf("CertStatus has %d fields", len(f))
	}
	if err := unmarshalAll(f[0].FullBytes, &s.CertHash); err != nil {
		return s, fmt.Errorf("certHash: %w", err)
	}
	if err := unmarshalAll(f[1].FullBytes, &s.CertReqID); err != nil {
		return s, fmt.Errorf("certReqId: %w", err)
	}
	f = f[2:]
	if len(f) > 0 && f[0].Class == asn1.ClassUniversal && f[0].Tag == asn1.TagSequence {
		var w wireStatusInfo
		if err := unmarshalAll(f[0].FullBytes, &w); err != nil {
			return s, fmt.Errorf("statusInfo: %w", err)
		}
		si, err := w.decode()
		if err != nil {
			return s, err
		}
		s.StatusInfo = &si
		f = f[1:]
	}
	if len(f) > 0 && f[0].Class == asn1.ClassContextSpecific && f[0].Tag == 0 && f[0].IsCompound {
		if err := unmarshalAll(f[0].Bytes, &s.HashAlg); err != nil {
			return s, fmt.Errorf("hashAlg: %w", err)
		}
		f = f[1:]
	}
	if len(f) > 0 {
		return s, fmt.Errorf("unexpected field in CertStatus")
	}
	return s, nil
}
