package tsp

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"

	"github.com/ponte-it/ponte/internal/cms"
)

// Client asks a TSA over HTTP (RFC 3161 §3.4). It implements cms.TimeStamper.
type Client struct {
	URL     string
	HTTP    *http.Client          // http.DefaultClient when nil
	Policy  asn1.ObjectIdentifier // optional requested policy
	Anchors cms.TrustAnchors      // optional: check the TSA's chain too
	// User and Password are the HTTP Basic credentials (RFC 7617) paid TSAs ask for; sent only when User
	// is set. The password is never part of an error or a log line.
	User     string
	Password []byte
}

// ErrUnauthorized: the TSA answered 401 or 403 (no credentials, or refused ones).
var ErrUnauthorized = errors.New("tsp: the TSA refused the credentials (HTTP 401/403)")

// maxReply bounds a TSA reply.
const maxReply = 256 << 10

// Stamped is a granted answer: the TimeStampResp as the TSA sent it (an RFC 3161 .tsr) and its token.
type Stamped struct {
	Response []byte
	Token    []byte
	Info     *Info
}

// TimeStamp implements cms.TimeStamper: it requests a token for a SHA-256 digest with a fresh nonce
// and the TSA's certificate, and returns the token after checking status, nonce, imprint and signature.
func (c *Client) TimeStamp(ctx context.Context, digest []byte) ([]byte, error) {
	s, err := c.Stamp(ctx, digest)
	if err != nil {
		return nil, err
	}
	return s.Token, nil
}

// Stamp asks for a token over digest (SHA-256) and returns the whole checked response.
func (c *Client) Stamp(ctx context.Context, digest []byte) (*Stamped, error) {
	nonce, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 63))
	if err != nil {
		return nil, err
	}
	q := &Request{HashAlg: crypto.SHA256, HashedMessage: digest, Nonce: nonce, CertReq: true, Policy: c.Policy}
	der, err := q.Marshal()
	if err != nil {
		return nil, err
	}
	body, err := c.post(ctx, der)
	if err != nil {
		return nil, err
	}
	r, err := ParseResponse(body)
	if err != nil {
		return nil, err
	}
	if r.Status != StatusGranted && r.Status != StatusGrantedWithMods || r.Token == nil {
		return nil, fmt.Errorf("tsp: TSA refused (status %d): %s", r.Status, r.StatusString)
	}
	tok, err := VerifyToken(r.Token, digest, c.Anchors)
	if err != nil {
		return nil, err
	}
	if tok.Info.Nonce == nil || tok.Info.Nonce.Cmp(nonce) != 0 {
		return nil, errors.New("tsp: reply nonce does not match the request")
	}
	if c.Anchors != nil && tok.Chain != cms.ChainValid {
		return nil, fmt.Errorf("tsp: TSA certificate not trusted: %s", tok.Detail)
	}
	return &Stamped{Response: body, Token: r.Token, Info: tok.Info}, nil
}

// post sends the query (RFC 3161 §3.4) and returns the bounded reply body.
func (c *Client) post(ctx context.Context, query []byte) ([]byte, error) {
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(query))
	if err != nil {
		return nil, err
	}
	hr.Header.Set("Content-Type", ContentTypeQuery)
	if c.User != "" {
		hr.SetBasicAuth(c.User, string(c.Password))
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(hr)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, ErrUnauthorized
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("tsp: TSA answered HTTP %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxReply+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxReply {
		return nil, errors.New("tsp: reply too large")
	}
	return body, nil
}
