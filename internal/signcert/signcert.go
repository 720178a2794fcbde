// Package signcert chooses which of a card's certificates signs, and says plainly what the choice
// means: the qualified signature certificate (keyUsage nonRepudiation) by default; the CNS
// authentication certificate (policy 1.3.76.16.2.1) only with a warning that the result is not a
// qualified signature; a warning for RSA keys under 2048 bits (CARDS.md, seed 004).
package signcert

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"time"

	"github.com/ponte-it/ponte/internal/signerr"
)

// PolicyCNSAuthentication is the certificate policy of the CNS authentication certificate.
var PolicyCNSAuthentication = asn1.ObjectIdentifier{1, 3, 76, 16, 2, 1}

// Warning codes.
const (
	WarnNotQualified = "NOT_QUALIFIED"
	WarnWeakKey      = "WEAK_KEY"
	WarnExpired      = "EXPIRED"
	WarnNotYetValid  = "NOT_YET_VALID"
)

// Warning is something the user must read (and accept) before signing.
type Warning struct {
	Code string
	IT   string
	EN   string
}

// Choice is the certificate to sign with and what to tell the user first.
type Choice struct {
	Certificate *x509.Certificate
	Qualified   bool // carries nonRepudiation: a qualified electronic signature certificate
	Warnings    []Warning
}

// MinRSABits is the smallest RSA modulus signed without a warning (ETSI TS 119 312: RSA below
// 1900 bits is not accepted after 2025; 2048 is what cards issue today).
const MinRSABits = 2048

// Choose picks the signing certificate among a card's certificates at time now.
func Choose(certs []*x509.Certificate, now time.Time) (*Choice, error) {
	var best *x509.Certificate
	bestScore := -1
	for _, c := range certs {
		if c == nil || c.IsCA {
			continue
		}
		score := 0
		if c.KeyUsage&x509.KeyUsageContentCommitment != 0 {
			score += 4
		} else if c.KeyUsage != 0 && c.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
			continue // cannot sign at all
		}
		if !now.Before(c.NotBefore) && !now.After(c.NotAfter) {
			score += 2
		}
		if score > bestScore {
			best, bestScore = c, score
		}
	}
	if best == nil {
		return nil, signerr.New(signerr.BadCertificate,
			"Sulla tessera non c'è alcun certificato utilizzabile per firmare.",
			"The card holds no certificate that can be used for signing.", nil)
	}
	return &Choice{Certificate: best, Qualified: best.KeyUsage&x509.KeyUsageContentCommitment != 0, Warnings: Check(best, now)}, nil
}

// Check returns the warnings for signing with cert at time now (also for a certificate the user picked).
func Check(cert *x509.Certificate, now time.Time) []Warning {
	var w []Warning
	if cert.KeyUsage&x509.KeyUsageContentCommitment == 0 {
		if hasPolicy(cert, PolicyCNSAuthentication) {
			w = append(w, Warning{WarnNotQualified,
				"Sulla tessera è disponibile solo il certificato di autenticazione CNS: serve ad accedere ai servizi online, non a firmare. La firma che ne risulta NON è una firma digitale qualificata (al massimo una firma elettronica avanzata) e molti validatori la segnalano come non valida. Per firmare documenti con valore legale bisogna far caricare e attivare il certificato di firma digitale presso l'ufficio che ha attivato la tessera.",
				"The card only holds the CNS authentication certificate: it is meant for logging in to online services, not for signing. The result is NOT a qualified digital signature (at most an advanced electronic signature) and many validators report it as invalid. To sign documents with legal value, have the digital signature certificate loaded and activated at the office that activated the card."})
		} else {
			w = append(w, Warning{WarnNotQualified,
				"Il certificato scelto non è un certificato di firma qualificata (manca l'uso \"non ripudio\"): la firma non avrà il valore legale di una firma digitale.",
				"The chosen certificate is not a qualified signature certificate (no \"non-repudiation\" key usage): the signature will not have the legal value of a digital signature."})
		}
	}
	if k, ok := cert.PublicKey.(*rsa.PublicKey); ok && k.N.BitLen() < MinRSABits {
		bits := k.N.BitLen()
		w = append(w, Warning{WarnWeakKey,
			fmt.Sprintf("La chiave del certificato è RSA a %d bit, sotto i %d bit: i validatori che seguono le regole europee possono rifiutare la firma. Chiedere il rinnovo della tessera o del certificato.", bits, MinRSABits),
			fmt.Sprintf("The certificate's key is RSA with %d bits, under %d: validators that follow EU rules may reject the signature. Ask for a renewed card or certificate.", bits, MinRSABits)})
	}
	if now.After(cert.NotAfter) {
		w = append(w, Warning{WarnExpired,
			"Il certificato è scaduto il " + cert.NotAfter.Format("02/01/2006") + ": la firma non sarà valida. Rinnovare il certificato.",
			"The certificate expired on " + cert.NotAfter.Format("2006-01-02") + ": the signature will not be valid. Renew the certificate."})
	} else if now.Before(cert.NotBefore) {
		w = append(w, Warning{WarnNotYetValid,
			"Il certificato non è ancora valido (dal " + cert.NotBefore.Format("02/01/2006") + "): controllare data e ora del computer.",
			"The certificate is not valid yet (from " + cert.NotBefore.Format("2006-01-02") + "): check the computer's date and time."})
	}
	return w
}

// IsCNSAuthentication says whether c is a CNS authentication certificate (policy 1.3.76.16.2.1).
func IsCNSAuthentication(c *x509.Certificate) bool { return hasPolicy(c, PolicyCNSAuthentication) }

func hasPolicy(c *x509.Certificate, oid asn1.ObjectIdentifier) bool {
	for _, p := range c.PolicyIdentifiers {
		if p.Equal(oid) {
			return true
		}
	}
	for _, p := range c.Policies {
		if p.String() == oid.String() {
			return true
		}
	}
	return false
}

// CompleteChain returns leaf followed by its issuers found in pool (bundled intermediates, a CA
// profile's anchors), up to a self-signed root or the first missing issuer: the chain PAdES B-B must
// embed (EN 319 142-1 §6.3) when the card holds only the leaf.
func CompleteChain(leaf *x509.Certificate, pool []*x509.Certificate) []*x509.Certificate {
	chain := []*x509.Certificate{leaf}
	for cur := leaf; len(chain) < 10; {
		if bytes.Equal(cur.RawIssuer, cur.RawSubject) && cur.CheckSignatureFrom(cur) == nil {
			break // self-signed root
		}
		var next *x509.Certificate
		for _, c := range pool {
			if c.Equal(cur) || !bytes.Equal(c.RawSubject, cur.RawIssuer) {
				continue
			}
			if len(cur.AuthorityKeyId) > 0 && len(c.SubjectKeyId) > 0 && !bytes.Equal(cur.AuthorityKeyId, c.SubjectKeyId) {
				continue
			}
			if cur.CheckSignatureFrom(c) == nil {
				next = c
				break
			}
		}
		if next == nil {
			break
		}
		chain = append(chain, next)
		cur = next
	}
	return chain
}
