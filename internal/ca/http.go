package ca

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/ponte-it/ponte/internal/ca/profile"
	"github.com/ponte-it/ponte/internal/ca/store"
	"github.com/ponte-it/ponte/internal/cmp"
)

// maxRequest bounds request bodies (a CMP request with a certificate chain is a few kilobytes).
const maxRequest = 1 << 20

// Handler is the CA's HTTP service:
//
//	POST /.well-known/cmp                       CMP, default profile (RFC 9811 §3.3)
//	POST /.well-known/cmp/p/<profile>[/<op>]    CMP, named profile; <op> is the optional operation label
//	POST /ocsp, GET /ocsp/<base64 request>      OCSP (RFC 6960 Appendix A)
//	GET  /crl                                   the CRL, DER (RFC 5280 §5)
//	GET  /ca.pem, /ca.cer                       the CA certificate, PEM and DER
//	POST /tsa                                   RFC 3161 time stamps (internal/tsp responder)
//	GET  /healthz, /metrics                     health and Prometheus metrics (health.go, metrics.go)
//
// Every answer carries CORS headers for the extension and the local web app (cors.go), unless NoCORS.
func (c *CA) Handler() http.Handler {
	mux := http.NewServeMux()
	m := newMetrics(c)
	mux.Handle("/metrics", m.handler())
	mux.HandleFunc("/healthz", c.serveHealth)
	mux.HandleFunc("/.well-known/cmp", c.serveCMP)
	mux.HandleFunc("/.well-known/cmp/", c.serveCMP)
	mux.HandleFunc("/ocsp", c.serveOCSP)
	mux.HandleFunc("/ocsp/", c.serveOCSP)
	mux.HandleFunc("/crl", c.serveCRL)
	mux.HandleFunc("/ca.pem", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-pem-file")
		w.Write(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Cert.Raw}))
	})
	mux.HandleFunc("/ca.cer", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/pkix-cert")
		w.Write(c.Cert.Raw)
	})
	if c.TSA != nil {
		mux.Handle("/tsa", c.TSA)
	} else {
		mux.HandleFunc("/tsa", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "marca temporale non disponibile / time stamping not available", http.StatusNotImplemented)
		})
	}
	if c.NoCORS {
		return m.instrument(mux)
	}
	return cors(m.instrument(mux))
}

// cmpProfile extracts the profile from /.well-known/cmp/p/<profile>[/<operation>] ("" for the default).
func cmpProfile(path string) (string, bool) {
	rest, ok := strings.CutPrefix(path, "/.well-known/cmp")
	if !ok || (rest != "" && rest[0] != '/') {
		return "", false
	}
	rest = strings.Trim(rest, "/")
	if rest == "" {
		return "", true
	}
	parts := strings.Split(rest, "/")
	if parts[0] != "p" || len(parts) < 2 || len(parts) > 3 || parts[1] == "" {
		// RFC 9483 §6.1: an operation label alone is allowed after the base path.
		if len(parts) == 1 && parts[0] != "p" {
			return "", true
		}
		return "", false
	}
	// A name no profile can have is no CMP endpoint: it would otherwise reach the logs and the audit
	// log's refusal record as sent, up to the server's header limit, from anyone.
	name, err := url.PathUnescape(parts[1])
	if err != nil || !profile.ValidName(name) {
		return "", false
	}
	return name, true
}

func (c *CA) serveCMP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST, OPTIONS")
		http.Error(w, "CMP: solo POST / only POST", http.StatusMethodNotAllowed)
		return
	}
	name, ok := cmpProfile(r.URL.Path)
	if !ok {
		http.NotFound(w, r)
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, cmp.ContentType) {
		http.Error(w, "CMP: Content-Type deve essere application/pkixcmp / must be application/pkixcmp", http.StatusUnsupportedMediaType)
		return
	}
	der, err := io.ReadAll(io.LimitReader(r.Body, maxRequest+1))
	if err != nil || len(der) > maxRequest {
		http.Error(w, "CMP: richiesta troppo grande / request too large", http.StatusRequestEntityTooLarge)
		return
	}
	ans := c.HandleCMP(r.Context(), name, der)
	if ans == nil {
		http.Error(w, "CMP: errore interno / internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", cmp.ContentType)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(ans)
}

// serveOCSP answers OCSP requests (RFC 6960 §2.2; HTTP binding Appendix A) for certificates this CA
// issued: good, revoked with time and reason, or unknown. The CA key signs the responses directly.
func (c *CA) serveOCSP(w http.ResponseWriter, r *http.Request) {
	var der []byte
	var err error
	switch r.Method {
	case http.MethodPost:
		der, err = io.ReadAll(io.LimitReader(r.Body, 64<<10))
	case http.MethodGet:
		var s string
		if s, err = url.PathUnescape(strings.TrimPrefix(r.URL.Path, "/ocsp/")); err == nil {
			der, err = base64.StdEncoding.DecodeString(s)
		}
	default:
		http.Error(w, "OCSP: GET o POST / GET or POST", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "application/ocsp-response")
	if err != nil {
		w.Write(ocsp.MalformedRequestErrorResponse)
		return
	}
	req, err := ocsp.ParseRequest(der)
	if err != nil {
		w.Write(ocsp.MalformedRequestErrorResponse)
		return
	}
	resp, err := c.OCSPResponse(r.Context(), req)
	if err != nil {
		w.Write(ocsp.InternalErrorErrorResponse)
		return
	}
	w.Write(resp)
}

// OCSPResponse builds the signed response for one OCSP request.
func (c *CA) OCSPResponse(ctx context.Context, req *ocsp.Request) ([]byte, error) {
	now := c.now()
	c.expireHolds(ctx, now)
	tmpl := ocsp.Response{
		SerialNumber: req.SerialNumber, ThisUpdate: now.Add(-time.Minute), NextUpdate: now.Add(time.Hour),
		Status: ocsp.Unknown, IssuerHash: req.HashAlgorithm,
	}
	h := req.HashAlgorithm.New()
	h.Write(c.Cert.RawSubject)
	nameHash := h.Sum(nil)
	keyHash, err := issuerKeyHash(c.Cert, req)
	if err != nil {
		return nil, err
	}
	if string(nameHash) == string(req.IssuerNameHash) && string(keyHash) == string(req.IssuerKeyHash) {
		if rec, err := c.Store.Cert(ctx, SerialHex(req.SerialNumber)); err == nil {
			if rec.RevokedAt.IsZero() {
				tmpl.Status = ocsp.Good
			} else {
				tmpl.Status, tmpl.RevokedAt, tmpl.RevocationReason = ocsp.Revoked, rec.RevokedAt, rec.RevocationReason
			}
		} else if err != store.ErrNotFound {
			return nil, err
		}
	}
	return ocsp.CreateResponse(c.Cert, c.Cert, tmpl, c.Key)
}

// issuerKeyHash is the hash of the CA's subjectPublicKey BIT STRING (RFC 6960 §4.1.1 issuerKeyHash).
func issuerKeyHash(ca *x509.Certificate, req *ocsp.Request) ([]byte, error) {
	ski, err := spkiBits(ca.RawSubjectPublicKeyInfo)
	if err != nil {
		return nil, err
	}
	h := req.HashAlgorithm.New()
	h.Write(ski)
	return h.Sum(nil), nil
}

// serveCRL publishes a CRL of every revoked certificate, valid one day (RFC 5280 §5).
func (c *CA) serveCRL(w http.ResponseWriter, r *http.Request) {
	der, err := c.CRL(r.Context())
	if err != nil {
		http.Error(w, "CRL: errore interno / internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/pkix-crl")
	w.Write(der)
}

// crlNumberBase puts the CRL numbers above the Unix times that earlier versions used as numbers.
const crlNumberBase = 1 << 40

// CRL builds the current CRL. Its number (RFC 5280 §5.2.3, monotonically increasing) is the audit log's
// last record read with the revocations on one snapshot (store.RevokedAt), plus crlNumberBase: instances
// sharing a database, whatever their clocks, never give two different revocation lists one number, and a
// later CRL never gets a smaller one.
func (c *CA) CRL(ctx context.Context) ([]byte, error) {
	c.expireHolds(ctx, c.now())
	revoked, seq, err := c.Store.RevokedAt(ctx)
	if err != nil {
		return nil, err
	}
	now := c.now()
	tmpl := &x509.RevocationList{Number: big.NewInt(crlNumberBase + seq), ThisUpdate: now, NextUpdate: now.Add(24 * time.Hour)}
	for _, rc := range revoked {
		n, _ := new(big.Int).SetString(rc.Serial, 16)
		tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries, x509.RevocationListEntry{
			SerialNumber: n, RevocationTime: rc.RevokedAt, ReasonCode: rc.RevocationReason,
		})
	}
	return x509.CreateRevocationList(rand.Reader, tmpl, c.Cert, c.Key)
}
