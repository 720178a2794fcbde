package renew

import (
	"crypto/x509"
	"strconv"
	"time"

	"github.com/ponte-it/ponte/internal/itime"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/words"
)

// Reason says why a certificate cannot be renewed here (seed 002: the Rinnova button is enabled only
// when renewal is possible, "altrimenti viene visualizzato un avviso"): a stable code and the parameters
// of its words, which are the catalogue's "not-eligible-<code>".
type Reason struct {
	Code   string // stable: "no-rule", "other-issuer", "family", "expired", "too-early", "no-key", "read-only", "unreadable", "open"
	Params []string
}

func (r *Reason) Error() string { return "not eligible: " + words.M(r.code(), r.Params...).String() }

func (r *Reason) code() words.Code { return words.Code("not-eligible-" + r.Code) }

// Words is the reason as the screens word it.
func (r *Reason) Words() []words.Message { return []words.Message{words.M(r.code(), r.Params...)} }

// Eligible reports whether cert on card can be renewed under p at now. It checks what Ponte can know; the
// CA has the last word (lifetime cap, renewals already made, prepaid balance) and says why if it refuses.
func Eligible(p *Profile, card *protocol.Card, cert protocol.Certificate, now time.Time) *Reason {
	rule, ok := p.Rule(cert.Role)
	if !ok {
		return &Reason{"no-rule", []string{p.Name}}
	}
	x, err := x509.ParseCertificate(cert.DER)
	if err != nil {
		return &Reason{Code: "unreadable"}
	}
	if !issuerListed(p, x) {
		return &Reason{"other-issuer", []string{x.Issuer.CommonName, p.Name}}
	}
	if len(p.Families) > 0 && !contains(p.Families, card.Family.Sigla) {
		return &Reason{"family", []string{card.Family.Sigla, p.Name}}
	}
	if !now.Before(x.NotAfter) {
		return &Reason{Code: "expired"}
	}
	opens := x.NotAfter.AddDate(0, 0, -rule.WindowDays)
	if now.Before(opens) {
		return &Reason{"too-early", []string{itime.Date(opens), strconv.Itoa(rule.WindowDays)}}
	}
	// Private keys are hidden until login, so before the PIN only "a PKCS#11 module sees the card" can
	// be checked; the engine finds the key after login or says it is missing.
	if card.Token == nil {
		return &Reason{Code: "no-key"}
	}
	if card.Token.WriteProtected { // asked before the PIN: a renewal could make no key and write nothing
		return ReasonReadOnly
	}
	return nil
}

func issuerListed(p *Profile, x *x509.Certificate) bool {
	if len(p.Issuers) == 0 {
		return true
	}
	return contains(p.Issuers, x.Issuer.String())
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// ReasonReadOnly is why a token flagged CKF_WRITE_PROTECTED (PKCS#11 v2.40 §3.2) is not offered RINNOVA.
var ReasonReadOnly = &Reason{Code: "read-only"}

// ReasonOpen is why RINNOVA is not offered on a certificate whose renewal is already under way: the card
// list shows its SCARICA or RIPRENDI instead (Begin refuses a second one).
var ReasonOpen = &Reason{Code: "open"}
