// Package tsp is the RFC 3161 Time-Stamp Protocol: building requests, checking responses and tokens,
// an HTTP client (RFC 3161 §3.4; net/http, which in WASM goes through fetch) and a Responder that
// ponte-ca mounts as its time-stamping authority.
package tsp

import (
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/ponte-it/ponte/internal/cms"
)

// Media types of RFC 3161 §3.4.
const (
	ContentTypeQuery = "application/timestamp-query"
	ContentTypeReply = "application/timestamp-reply"
)

// PKIStatus values (RFC 3161 §2.4.2).
const (
	StatusGranted         = 0
	StatusGrantedWithMods = 1
	StatusRejection       = 2
	StatusWaiting         = 3
)

// PKIFailureInfo bits (RFC 3161 §2.4.2).
const (
	FailBadAlg              = 0
	FailBadRequest          = 2
	FailBadDataFormat       = 5
	FailTimeNotAvailable    = 14
	FailUnacceptedPolicy    = 15
	FailUnacceptedExtension = 16
	FailSystemFailure       = 25
)

// Request is a TimeStampReq (RFC 3161 §2.4.1).
type Request struct {
	HashAlg       crypto.Hash
	HashedMessage []byte
	Policy        asn1.ObjectIdentifier // optional
	Nonce         *big.Int              // optional
	CertReq       bool
}

type algorithmIdentifier struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

type messageImprint struct {
	HashAlgorithm algorithmIdentifier
	HashedMessage []byte
}

type timeStampReq struct {
	Version        int
	MessageImprint messageImprint
	ReqPolicy      asn1.ObjectIdentifier `asn1:"optional"`
	Nonce          *big.Int              `asn1:"optional"`
	CertReq        bool                  `asn1:"optional,default:false"`
	Extensions     asn1.RawValue         `asn1:"optional,tag:0"`
}

// Marshal encodes the request as DER.
func (r *Request) Marshal() ([]byte, error) {
	oid, ok := cms.OIDForHash(r.HashAlg)
	if !ok || len(r.HashedMessage) != r.HashAlg.Size() {
		return nil, errors.New("tsp: unsupported hash or wrong digest length")
	}
	return asn1.Marshal(timeStampReq{
		Version:        1,
		MessageImprint: messageImprint{algorithmIdentifier{Algorithm: oid}, r.HashedMessage},
		ReqPolicy:      r.Policy,
		Nonce:          r.Nonce,
		CertReq:        r.CertReq,
	})
}

// ParseRequest decodes a DER TimeStampReq.
func ParseRequest(der []byte) (*Request, error) {
	var q timeStampReq
	rest, err := asn1.Unmarshal(der, &q)
	if err != nil {
		return nil, fmt.Errorf("tsp: request: %w", err)
	}
	if len(rest) != 0 {
		return nil, errors.New("tsp: request: trailing data")
	}
	if q.Version != 1 {
		return nil, fmt.Errorf("tsp: request version %d", q.Version)
	}
	if len(q.Extensions.FullBytes) != 0 {
		return nil, errUnacceptedExtension
	}
	h, ok := cms.HashForOID(q.MessageImprint.HashAlgorithm.Algorithm)
	if !ok || !h.Available() {
		return nil, errBadAlg
	}
	if len(q.MessageImprint.HashedMessage) != h.Size() {
		return nil, errors.New("tsp: request: digest length does not match its algorithm")
	}
	return &Request{HashAlg: h, HashedMessage: q.MessageImprint.HashedMessage, Policy: q.ReqPolicy, Nonce: q.Nonce, CertReq: q.CertReq}, nil
}

var (
	errBadAlg              = errors.New("tsp: hash algorithm not accepted")
	errUnacceptedExtension = errors.New("tsp: request extensions not accepted")
)

// Info is a parsed TSTInfo (RFC 3161 §2.4.2).
type Info struct {
	Policy        asn1.ObjectIdentifier
	HashAlg       crypto.Hash
	HashedMessage []byte
	SerialNumber  *big.Int
	GenTime       time.Time
	Accuracy      time.Duration
	Nonce         *big.Int
	Raw           []byte
}

type accuracy struct {
	Seconds int `asn1:"optional"`
	Millis  int `asn1:"optional,tag:0"`
	Micros  int `asn1:"optional,tag:1"`
}

type tstInfo struct {
	Version        int
	Policy         asn1.ObjectIdentifier
	MessageImprint messageImprint
	SerialNumber   *big.Int
	GenTime        time.Time     `asn1:"generalized"`
	Accuracy       accuracy      `asn1:"optional"`
	Ordering       bool          `asn1:"optional,default:false"`
	Nonce          *big.Int      `asn1:"optional"`
	TSA            asn1.RawValue `asn1:"optional,explicit,tag:0"`
	Extensions     asn1.RawValue `asn1:"optional,tag:1"`
}

func parseInfo(der []byte) (*Info, error) {
	var t tstInfo
	rest, err := asn1.Unmarshal(der, &t)
	if err != nil || len(rest) != 0 || t.Version != 1 {
		return nil, fmt.Errorf("tsp: TSTInfo malformed: %v", err)
	}
	h, ok := cms.HashForOID(t.MessageImprint.HashAlgorithm.Algorithm)
	if !ok {
		return nil, errBadAlg
	}
	acc := time.Duration(t.Accuracy.Seconds)*time.Second + time.Duration(t.Accuracy.Millis)*time.Millisecond +
		time.Duration(t.Accuracy.Micros)*time.Microsecond
	return &Info{Policy: t.Policy, HashAlg: h, HashedMessage: t.MessageImprint.HashedMessage, SerialNumber: t.SerialNumber,
		GenTime: t.GenTime, Accuracy: acc, Nonce: t.Nonce, Raw: der}, nil
}

// Response is a parsed TimeStampResp (RFC 3161 §2.4.2).
type Response struct {
	Status       int
	StatusString string
	FailInfo     asn1.BitString
	Token        []byte // DER ContentInfo, nil unless granted
}

// ParseResponse decodes a DER TimeStampResp.
func ParseResponse(der []byte) (*Response, error) {
	s := cryptobyte.String(der)
	var resp, status cryptobyte.String
	var code int64
	if !s.ReadASN1(&resp, cbasn1.SEQUENCE) || !s.Empty() || !resp.ReadASN1(&status, cbasn1.SEQUENCE) || !status.ReadASN1Integer(&code) {
		return nil, errors.New("tsp: malformed response")
	}
	r := &Response{Status: int(code)}
	if status.PeekASN1Tag(cbasn1.SEQUENCE) {
		var text cryptobyte.String
		status.ReadASN1(&text, cbasn1.SEQUENCE)
		for !text.Empty() {
			var u cryptobyte.String
			if !text.ReadASN1(&u, cbasn1.UTF8String) {
				return nil, errors.New("tsp: malformed status string")
			}
			r.StatusString += string(u)
		}
	}
	if status.PeekASN1Tag(cbasn1.BIT_STRING) {
		var bs cryptobyte.String
		status.ReadASN1Element(&bs, cbasn1.BIT_STRING)
		asn1.Unmarshal(bs, &r.FailInfo)
	}
	if !resp.Empty() {
		var tok cryptobyte.String
		if !resp.ReadASN1Element(&tok, cbasn1.SEQUENCE) || !resp.Empty() {
			return nil, errors.New("tsp: malformed token")
		}
		r.Token = tok
	}
	return r, nil
}

// ErrImprintMismatch: the token's message imprint is not the hash of the data (RFC 3161 §2.4.2).
var ErrImprintMismatch = errors.New("tsp: the time stamp is for different data (message imprint mismatch)")

// TokenInfo reads the TSTInfo of a token without verifying anything: the imprint's algorithm tells
// how to hash the data the token is checked against (VerifyToken does the checking).
func TokenInfo(token []byte) (*Info, error) {
	_, info, err := parseToken(token)
	return info, err
}

// parseToken parses a token as a SignedData of one TSTInfo (RFC 3161 §2.4.2) and reads the TSTInfo.
func parseToken(token []byte) (*cms.SignedData, *Info, error) {
	sd, err := cms.Parse(token)
	if err != nil {
		return nil, nil, err
	}
	if !sd.ContentType.Equal(cms.OIDTSTInfo) || sd.Detached || len(sd.Signers) != 1 {
		return nil, nil, errors.New("tsp: token is not a SignedData of one TSTInfo")
	}
	var content []byte
	for _, r := range sd.Content {
		if r.End() > int64(len(token)) {
			return nil, nil, errors.New("tsp: token content out of range")
		}
		content = append(content, token[r.Off:r.End()]...)
	}
	info, err := parseInfo(content)
	return sd, info, err
}

// Token is a verified time-stamp token.
type Token struct {
	Info   *Info
	Signer *x509.Certificate
	Chain  cms.ChainStatus
	Detail string
}

// VerifyToken checks a time-stamp token: a SignedData over a TSTInfo whose signature verifies with a
// certificate carrying the critical timeStamping extended key usage (RFC 3161 §2.3), and whose message
// imprint is digest (when digest is not nil). anchors may be nil (chain not checked).
func VerifyToken(token []byte, digest []byte, anchors cms.TrustAnchors) (*Token, error) {
	sd, info, err := parseToken(token)
	if err != nil {
		return nil, err
	}
	if digest != nil && string(info.HashedMessage) != string(digest) {
		return nil, ErrImprintMismatch
	}
	res := cms.VerifySigner(sd.Signers[0], sd.Certs, cms.RangesDigest(bytesSource(token), sd.Content),
		cms.VerifyOptions{At: info.GenTime})
	if !res.OK() {
		return nil, fmt.Errorf("tsp: token signature: %w", res.Err)
	}
	if ct := cms.Attr(sd.Signers[0].SignedAttrs, cms.OIDAttrContentType); ct == nil {
		return nil, errors.New("tsp: token lacks content-type attribute")
	}
	if !hasTimeStampingEKU(res.Certificate) {
		return nil, errors.New("tsp: token signer lacks the critical timeStamping extended key usage")
	}
	t := &Token{Info: info, Signer: res.Certificate}
	t.Chain, t.Detail = cms.VerifyChain(res.Certificate, sd.Certs, anchors, cms.PurposeTimeStamp, info.GenTime)
	if why := weakToken(res, info, time.Now()); why != "" && t.Chain == cms.ChainValid {
		t.Chain, t.Detail = cms.ChainInvalid, why
	}
	return t, nil
}

// weakToken says why a token cannot prove its time today ("" when it can). Nothing later covers a
// signature time stamp (no archive time stamp), so its own algorithms are judged now (EN 319 102-1
// §5.6.2.3; ETSI TS 119 312): SHA-1 or an RSA key under cms.MinRSABits would let whoever breaks them date
// any signature. A genTime in the future is no time at all (RFC 3161 §2.4.2: the TSA's clock; 5 minutes'
// skew, as for OCSP).
func weakToken(res *cms.SignerResult, info *Info, now time.Time) string {
	switch {
	case res.Hash == crypto.SHA1 || info.HashAlg == crypto.SHA1 || res.SigAlg == x509.SHA1WithRSA || res.SigAlg == x509.ECDSAWithSHA1:
		return "the time stamp is made with SHA-1"
	case info.GenTime.After(now.Add(5 * time.Minute)):
		return "the time stamp is dated in the future (" + info.GenTime.UTC().Format(time.RFC3339) + ")"
	}
	if k, ok := res.Certificate.PublicKey.(*rsa.PublicKey); ok && k.N.BitLen() < cms.MinRSABits {
		return fmt.Sprintf("the time stamp is signed with an RSA key of %d bits", k.N.BitLen())
	}
	return ""
}

var oidExtKeyUsage = asn1.ObjectIdentifier{2, 5, 29, 37}

func hasTimeStampingEKU(c *x509.Certificate) bool {
	if len(c.ExtKeyUsage) != 1 || c.ExtKeyUsage[0] != x509.ExtKeyUsageTimeStamping {
		return false
	}
	for _, e := range c.Extensions {
		if e.Id.Equal(oidExtKeyUsage) {
			return e.Critical
		}
	}
	return false
}

// SignatureTimeStamp verifies the signature time stamp of a SignerInfo (the unsigned attribute
// id-aa-signatureTimeStampToken, whose imprint is the hash of the signature value: RFC 3161 appendix A,
// EN 319 122-1 §5.3). It returns nil, nil when there is none.
func SignatureTimeStamp(si *cms.SignerInfo, anchors cms.TrustAnchors) (*Token, error) {
	tok := cms.Attr(si.UnsignedAttrs, cms.OIDAttrTimeStampToken)
	if tok == nil {
		return nil, nil
	}
	sd, err := cms.Parse(tok)
	if err != nil {
		return nil, err
	}
	var h crypto.Hash = crypto.SHA256
	if len(sd.Signers) == 1 && sd.Content != nil {
		// The imprint's algorithm is the TSTInfo's; read it to hash the signature value alike.
		var content []byte
		for _, r := range sd.Content {
			if r.End() <= int64(len(tok)) {
				content = append(content, tok[r.Off:r.End()]...)
			}
		}
		if info, err := parseInfo(content); err == nil {
			h = info.HashAlg
		}
	}
	if !h.Available() {
		return nil, errBadAlg
	}
	hh := h.New()
	hh.Write(si.Signature)
	return VerifyToken(tok, hh.Sum(nil), anchors)
}
