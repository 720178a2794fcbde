// Package revocation checks whether a certificate is revoked by asking the OCSP responder its issuer
// names in the Authority Information Access extension (RFC 6960; RFC 5280 §4.2.2.1), and says what it
// found in the terms a verification report uses.
package revocation

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/ponte-it/ponte/internal/netperm"
	"golang.org/x/crypto/ocsp"
)

// Status is the outcome of a revocation check.
type Status string

const (
	NotChecked  Status = ""            // the check was skipped (offline)
	Good        Status = "good"        // the responder says the certificate is not revoked
	Revoked     Status = "revoked"     // the responder says it is revoked (At, Reason)
	Unknown     Status = "unknown"     // the responder does not know the certificate
	Unavailable Status = "unavailable" // no answer that can be trusted (Detail says why)
)

// Result is one certificate's revocation status.
type Result struct {
	Status    Status
	At        time.Time // revocation time (Revoked)
	Reason    int       // RFC 5280 §5.3.1 CRLReason (Revoked)
	Responder string    // the URL asked
	DetailIT  string    // why Unavailable, in Italian
	Detail    string    // why Unavailable, in English (with the technical cause)
	Produced  time.Time // the response's (or the CRL's) thisUpdate
	Source    string    // "crl" when a CRL decided (OCSP unavailable); "" for OCSP
	// Permission is the match pattern of the host permission the extension lacks for the responder
	// (package netperm): set when the browser refused the request for that reason.
	Permission string
}

// Checker asks OCSP responders. The zero value uses http.DefaultClient and DefaultTimeout.
type Checker struct {
	Client  *http.Client // injectable: in WASM net/http goes through fetch
	Timeout time.Duration
	// Now is the clock for thisUpdate/nextUpdate; nil means time.Now.
	Now func() time.Time
}

// DefaultTimeout bounds one OCSP exchange.
const DefaultTimeout = 10 * time.Second

// maxResponse bounds the answer read (an OCSP response is a few kilobytes).
const maxResponse = 1 << 20

// skew tolerated between the responder's clock and ours.
const skew = 5 * time.Minute

// maxAgeNoNextUpdate is how old an OCSP answer without nextUpdate may be (a responder answering live
// dates it now; one that pre-produces answers says until when they hold).
const maxAgeNoNextUpdate = 24 * time.Hour

// Check asks the first OCSP responder named in cert's AIA about cert, issued by issuer; when that gives
// no answer that can be trusted (no AIA, unreachable, error, forged or stale), the CRL distribution
// points (RFC 5280 §4.2.1.13). An OCSP "unknown" is an answer, not a reason to look elsewhere.
func (c *Checker) Check(ctx context.Context, cert, issuer *x509.Certificate) Result {
	r := c.checkOCSP(ctx, cert, issuer)
	if r.Status != Unavailable || issuer == nil || r.Permission != "" {
		return r
	}
	return c.checkCRL(ctx, cert, issuer, r)
}

func (c *Checker) checkOCSP(ctx context.Context, cert, issuer *x509.Certificate) Result {
	if issuer == nil {
		return Result{Status: Unavailable, DetailIT: "certificato dell'emittente non trovato", Detail: "issuer certificate not found"}
	}
	url := ResponderURL(cert)
	if url == "" {
		return Result{Status: Unavailable, DetailIT: "il certificato non indica un servizio OCSP (AIA)", Detail: "the certificate names no OCSP responder (AIA)"}
	}
	res := Result{Responder: url}
	fail := func(it, format string, a ...any) Result {
		res.Status, res.DetailIT, res.Detail = Unavailable, it, fmt.Sprintf(format, a...)
		return res
	}
	// RFC 6960 §4.1.1 CertID; SHA-1 as RFC 5019 §2.1.1 says for maximum interoperability.
	req, err := ocsp.CreateRequest(cert, issuer, &ocsp.RequestOptions{Hash: crypto.SHA1})
	if err != nil {
		return fail("impossibile preparare la richiesta OCSP", "cannot build the OCSP request: %v", err)
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(req))
	if err != nil {
		return fail("indirizzo del servizio OCSP non valido", "bad responder URL: %v", err)
	}
	// RFC 6960 Appendix A.1: POST with application/ocsp-request.
	hreq.Header.Set("Content-Type", "application/ocsp-request")
	hreq.Header.Set("Accept", "application/ocsp-response")
	client := c.Client
	if client == nil {
		client = http.DefaultClient
	}
	hresp, err := client.Do(hreq)
	if d := netperm.As(err); d != nil {
		res.Permission = d.Pattern
		return fail("Ponte non ha il permesso di contattare il servizio OCSP "+d.Origin, "Ponte is not allowed to contact the OCSP responder %s", d.Origin)
	}
	if err != nil {
		return fail("servizio OCSP non raggiungibile", "responder not reachable: %v", err)
	}
	defer hresp.Body.Close()
	if hresp.StatusCode != http.StatusOK {
		return fail("il servizio OCSP ha risposto con un errore HTTP", "responder answered HTTP %d", hresp.StatusCode)
	}
	der, err := io.ReadAll(io.LimitReader(hresp.Body, maxResponse+1))
	if err != nil {
		return fail("risposta OCSP interrotta", "reading the response: %v", err)
	}
	if len(der) > maxResponse {
		return fail("risposta OCSP troppo grande", "response too large")
	}
	return c.verify(der, cert, issuer, res)
}

// ResponderURL is the first http(s) OCSP responder named in cert's AIA (RFC 5280 §4.2.2.1), or "".
func ResponderURL(cert *x509.Certificate) string {
	for _, u := range cert.OCSPServer {
		if strings.HasPrefix(u, "http://") && len(u) > 7 || strings.HasPrefix(u, "https://") && len(u) > 8 {
			return u
		}
	}
	return ""
}

// IssuerOf finds in pool the certificate whose key signed cert (RFC 5280 §6.1: name chaining and
// signature), or nil.
func IssuerOf(cert *x509.Certificate, pool []*x509.Certificate) *x509.Certificate {
	for _, c := range pool {
		if bytes.Equal(c.RawSubject, cert.RawIssuer) && cert.CheckSignatureFrom(c) == nil {
			return c
		}
	}
	return nil
}

// verify checks a response (RFC 6960 §3.2): the signature by the issuer or by a delegated responder
// certificate the issuer signed with id-kp-OCSPSigning (§4.2.2.2), the serial, and the validity interval.
func (c *Checker) verify(der []byte, cert, issuer *x509.Certificate, res Result) Result {
	fail := func(it, format string, a ...any) Result {
		res.Status, res.DetailIT, res.Detail = Unavailable, it, fmt.Sprintf(format, a...)
		return res
	}
	r, err := ocsp.ParseResponseForCert(der, cert, issuer)
	if err != nil {
		var re ocsp.ResponseError
		if errors.As(err, &re) {
			return fail("il servizio OCSP ha risposto con un errore", "responder error: %v", re)
		}
		return fail("risposta OCSP non valida o firmata da chi non ne ha titolo", "invalid response: %v", err)
	}
	now := time.Now()
	if c.Now != nil {
		now = c.Now()
	}
	if rc := r.Certificate; rc != nil && !rc.Equal(issuer) {
		// ParseResponseForCert checked the issuer signed rc; it must also be meant for OCSP and current.
		ok := false
		for _, u := range rc.ExtKeyUsage {
			ok = ok || u == x509.ExtKeyUsageOCSPSigning
		}
		if !ok {
			return fail("il certificato del servizio OCSP non è autorizzato a firmare risposte OCSP", "the responder certificate lacks id-kp-OCSPSigning")
		}
		if now.Before(rc.NotBefore) || now.After(rc.NotAfter) {
			return fail("il certificato del servizio OCSP non è valido ora", "the responder certificate is not valid now")
		}
	}
	if r.SerialNumber == nil || r.SerialNumber.Cmp(cert.SerialNumber) != 0 {
		return fail("la risposta OCSP riguarda un altro certificato", "the response is about another certificate")
	}
	if err := checkCertID(der, cert, issuer); err != nil {
		return fail("la risposta OCSP riguarda il certificato di un altro emittente", "the response is about another issuer's certificate: %v", err)
	}
	if r.ThisUpdate.After(now.Add(skew)) {
		return fail("la risposta OCSP ha una data futura", "the response is dated in the future (thisUpdate %s)", r.ThisUpdate.UTC().Format(time.RFC3339))
	}
	if !r.NextUpdate.IsZero() && r.NextUpdate.Before(now.Add(-skew)) {
		return fail("la risposta OCSP è scaduta", "the response is stale (nextUpdate %s)", r.NextUpdate.UTC().Format(time.RFC3339))
	}
	// Without nextUpdate the responder says newer information is always available (RFC 6960 §4.2.2.1):
	// only a recent answer counts, or a "good" recorded before a revocation could be replayed (no nonce).
	if r.NextUpdate.IsZero() && r.ThisUpdate.Before(now.Add(-maxAgeNoNextUpdate)) {
		return fail("la risposta OCSP è vecchia e non indica un aggiornamento", "the response is old (thisUpdate %s) and has no nextUpdate", r.ThisUpdate.UTC().Format(time.RFC3339))
	}
	res.Produced = r.ThisUpdate
	switch r.Status {
	case ocsp.Good:
		res.Status = Good
	case ocsp.Revoked:
		res.Status, res.At, res.Reason = Revoked, r.RevokedAt, r.RevocationReason
	default:
		res.Status = Unknown
	}
	return res
}
