package tsp

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"sync"
	"time"

	"github.com/ponte-it/ponte/internal/cms"
)

// Responder is an RFC 3161 time-stamping authority over HTTP (§3.4): POST application/timestamp-query,
// answer application/timestamp-reply. Mount it on any path.
type Responder struct {
	// Signer is the TSA key; Chain its certificate first (with the critical timeStamping EKU, RFC 3161
	// §2.3), then intermediates.
	Signer crypto.Signer
	Chain  []*x509.Certificate
	// Policy is the TSA policy OID put in every TSTInfo; requests naming another policy are rejected.
	Policy asn1.ObjectIdentifier
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Serial returns a unique serial number per token (RFC 3161 §2.4.2: unique for this TSA); a random
	// 128-bit number when nil.
	Serial func() (*big.Int, error)

	mu sync.Mutex // the card-like Signer may not be safe for concurrent use
}

// maxQuery bounds request bodies (a TimeStampReq is tens of bytes plus an optional policy and nonce).
const maxQuery = 8 << 10

// ServeHTTP implements http.Handler.
func (rs *Responder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST an application/timestamp-query", http.StatusMethodNotAllowed)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != ContentTypeQuery {
		http.Error(w, "content type must be "+ContentTypeQuery, http.StatusUnsupportedMediaType)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxQuery+1))
	if err != nil || len(body) > maxQuery {
		http.Error(w, "request too large or unreadable", http.StatusBadRequest)
		return
	}
	reply := rs.Respond(r.Context(), body)
	w.Header().Set("Content-Type", ContentTypeReply)
	w.Write(reply)
}

// Respond turns a DER TimeStampReq into a DER TimeStampResp; failures become rejection responses with
// the matching PKIFailureInfo bit.
func (rs *Responder) Respond(ctx context.Context, query []byte) []byte {
	req, err := ParseRequest(query)
	switch {
	case errors.Is(err, errBadAlg):
		return rejection(FailBadAlg, "hash algorithm not accepted")
	case errors.Is(err, errUnacceptedExtension):
		return rejection(FailUnacceptedExtension, "extensions not accepted")
	case err != nil:
		return rejection(FailBadDataFormat, "malformed request")
	}
	if req.Policy != nil && !req.Policy.Equal(rs.Policy) {
		return rejection(FailUnacceptedPolicy, "policy not accepted")
	}
	tok, err := rs.token(req)
	if err != nil {
		return rejection(FailSystemFailure, "time stamp could not be produced")
	}
	return mustMarshal(struct {
		Status struct{ Status int }
		Token  asn1.RawValue
	}{Token: asn1.RawValue{FullBytes: tok}})
}

func rejection(bit int, text string) []byte {
	fail := asn1.BitString{Bytes: make([]byte, bit/8+1), BitLength: bit + 1}
	fail.Bytes[bit/8] |= 0x80 >> (bit % 8)
	utf8, _ := asn1.MarshalWithParams(text, "utf8")
	status := seq(mustMarshal(StatusRejection), seq(utf8), mustMarshal(fail))
	return seq(status)
}

// seq wraps DER elements in a SEQUENCE.
func seq(elems ...[]byte) []byte {
	var body []byte
	for _, e := range elems {
		body = append(body, e...)
	}
	return mustMarshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: body})
}

func mustMarshal(v any) []byte {
	b, err := asn1.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func (rs *Responder) token(req *Request) ([]byte, error) {
	if len(rs.Chain) == 0 || rs.Signer == nil || rs.Policy == nil {
		return nil, errors.New("tsp: responder not configured")
	}
	now := time.Now
	if rs.Now != nil {
		now = rs.Now
	}
	serial, err := rs.serial()
	if err != nil {
		return nil, err
	}
	oid, _ := cms.OIDForHash(req.HashAlg)
	info := tstInfo{
		Version:        1,
		Policy:         rs.Policy,
		MessageImprint: messageImprint{algorithmIdentifier{Algorithm: oid}, req.HashedMessage},
		SerialNumber:   serial,
		GenTime:        now().UTC().Truncate(time.Second),
		Accuracy:       accuracy{Seconds: 1},
		Nonce:          req.Nonce,
	}
	content, err := asn1.Marshal(info)
	if err != nil {
		return nil, err
	}
	digest := sha256.Sum256(content)
	p, err := cms.NewPendingSigner(digest[:], cms.SignerOptions{Chain: rs.Chain, ContentType: cms.OIDTSTInfo, SigningTime: info.GenTime})
	if err != nil {
		return nil, err
	}
	rs.mu.Lock()
	sig, err := rs.Signer.Sign(rand.Reader, p.Digest(), p.SignerOpts())
	rs.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if err := p.CheckSignature(sig); err != nil {
		return nil, err
	}
	asm := cms.Assembly{ContentType: cms.OIDTSTInfo, DigestAlgs: []asn1.ObjectIdentifier{cms.OIDSHA256}, SignerInfos: [][]byte{p.SignerInfo(sig, nil)}}
	if req.CertReq {
		asm.AddCerts(rs.Chain...)
	}
	head, tail := asm.Enveloping(int64(len(content)))
	return append(append(head, content...), tail...), nil
}

func (rs *Responder) serial() (*big.Int, error) {
	if rs.Serial != nil {
		return rs.Serial()
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("tsp: serial: %w", err)
	}
	b[0] &= 0x7f
	b[0] |= 0x40 // fixed length keeps token sizes predictable
	return new(big.Int).SetBytes(b), nil
}
