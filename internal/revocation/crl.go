package revocation

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// maxCRL bounds a CRL download (national CAs publish CRLs of several megabytes).
const maxCRL = 32 << 20

// MaxCRLPoints bounds the distribution points tried for one certificate (each within the checker's
// timeout): a certificate naming a hundred stalling addresses would otherwise hold a verification for
// a hundred timeouts. CAs name one or two (RFC 5280 §4.2.1.13).
const MaxCRLPoints = 3

// checkCRL asks the CRL distribution points of cert (RFC 5280 §4.2.1.13) in turn: the first CRL that
// the issuer signed, names the issuer and is current decides. prev is the OCSP outcome that led here
// (kept when no CRL can be used, with the CRL's reason added).
func (c *Checker) checkCRL(ctx context.Context, cert, issuer *x509.Certificate, prev Result) Result {
	var lastIT, last string
	tried := 0
	for _, url := range cert.CRLDistributionPoints {
		if !strings.HasPrefix(url, "http://") && !strings.HasPrefix(url, "https://") {
			continue
		}
		if tried++; tried > MaxCRLPoints {
			break
		}
		der, err := c.get(ctx, url, maxCRL)
		if err != nil {
			lastIT, last = "lista di revoca (CRL) non scaricabile", fmt.Sprintf("CRL %s: %v", url, err)
			continue
		}
		r, it, en := c.judgeCRL(der, cert, issuer)
		if it != "" {
			lastIT, last = it, fmt.Sprintf("CRL %s: %s", url, en)
			continue
		}
		r.Responder = url
		return r
	}
	if last == "" {
		return prev
	}
	prev.DetailIT = strings.TrimPrefix(prev.DetailIT+"; "+lastIT, "; ")
	prev.Detail = strings.TrimPrefix(prev.Detail+"; "+last, "; ")
	return prev
}

// judgeCRL checks a CRL (RFC 5280 §6.3.3): issued and signed by issuer, current (thisUpdate not in the
// future, nextUpdate not past, with the OCSP skew), and says whether cert's serial is on it. A non-empty
// it/en is why the CRL cannot be used.
func (c *Checker) judgeCRL(der []byte, cert, issuer *x509.Certificate) (r Result, it, en string) {
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		return r, "lista di revoca (CRL) illeggibile", "unreadable: " + err.Error()
	}
	if !bytes.Equal(crl.RawIssuer, issuer.RawSubject) {
		return r, "la lista di revoca (CRL) è di un altro emittente", "issued by another CA"
	}
	if err := crl.CheckSignatureFrom(issuer); err != nil {
		return r, "lista di revoca (CRL) non firmata dall'emittente", "not signed by the issuer: " + err.Error()
	}
	now := c.now()
	if crl.ThisUpdate.After(now.Add(skew)) {
		return r, "la lista di revoca (CRL) ha una data futura", "dated in the future"
	}
	if !crl.NextUpdate.IsZero() && crl.NextUpdate.Before(now.Add(-skew)) {
		return r, "la lista di revoca (CRL) è scaduta", "stale (nextUpdate " + crl.NextUpdate.UTC().Format(time.RFC3339) + ")"
	}
	// RFC 5280 §5.2, §5.3: a critical extension the reader cannot process forbids using the CRL. None is
	// processed here: a delta CRL (§5.2.4), an issuingDistributionPoint that scopes it to CA certificates,
	// some reasons or an indirect issuer (§5.2.5), a certificateIssuer entry (§5.3.3) — each would read
	// a certificate missing from it as good.
	for _, e := range crl.Extensions {
		if e.Critical {
			return r, "la lista di revoca (CRL) è parziale o ha un'estensione critica sconosciuta", "critical extension " + e.Id.String() + " not processed"
		}
	}
	r = Result{Status: Good, Produced: crl.ThisUpdate, Source: "crl"}
	for _, e := range crl.RevokedCertificateEntries {
		for _, x := range e.Extensions {
			if x.Critical {
				return Result{}, "la lista di revoca (CRL) ha un'estensione critica sconosciuta", "critical entry extension " + x.Id.String() + " not processed"
			}
		}
		if e.SerialNumber != nil && e.SerialNumber.Cmp(cert.SerialNumber) == 0 {
			r.Status, r.At, r.Reason = Revoked, e.RevocationTime, e.ReasonCode
		}
	}
	return r, "", ""
}

// get downloads url (GET), at most limit bytes, within the checker's timeout.
func (c *Checker) get(ctx context.Context, url string, limit int64) ([]byte, error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	client := c.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	return b, nil
}

func (c *Checker) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}
