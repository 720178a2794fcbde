package renew

import (
	"crypto/x509"
	"fmt"
	"time"

	"github.com/ponte-it/ponte/internal/itime"
	"github.com/ponte-it/ponte/internal/protocol"
)

// Reason says why a certificate cannot be renewed here, in words for the card list (seed 002: the Rinnova
// button is enabled only when renewal is possible, "altrimenti viene visualizzato un avviso").
type Reason struct {
	Code   string // stable: "no-rule", "other-issuer", "family", "expired", "too-early", "no-key", "read-only", "unreadable"
	IT, EN string
}

func (r *Reason) Error() string { return r.EN }

// Text returns the reason in lang.
func (r *Reason) Text(lang string) string {
	if lang == "en" {
		return r.EN
	}
	return r.IT
}

// Eligible reports whether cert on card can be renewed under p at now. It checks what Ponte can know; the
// CA has the last word (lifetime cap, renewals already made, prepaid balance) and says why if it refuses.
func Eligible(p *Profile, card *protocol.Card, cert protocol.Certificate, now time.Time) *Reason {
	rule, ok := p.Rule(cert.Role)
	if !ok {
		return &Reason{"no-rule", fmt.Sprintf("%s non rinnova questo tipo di certificato.", p.Name), fmt.Sprintf("%s does not renew this kind of certificate.", p.Name)}
	}
	x, err := x509.ParseCertificate(cert.DER)
	if err != nil {
		return &Reason{"unreadable", "Il certificato sulla tessera non è leggibile.", "The certificate on the card cannot be read."}
	}
	if !issuerListed(p, x) {
		return &Reason{"other-issuer", fmt.Sprintf("Il certificato è stato emesso da un'altra autorità (%s): %s non può rinnovarlo.", x.Issuer.CommonName, p.Name),
			fmt.Sprintf("The certificate was issued by another authority (%s): %s cannot renew it.", x.Issuer.CommonName, p.Name)}
	}
	if len(p.Families) > 0 && !contains(p.Families, card.Family.Sigla) {
		return &Reason{"family", fmt.Sprintf("Le tessere %q non sono rinnovabili con %s.", card.Family.Sigla, p.Name), fmt.Sprintf("%q cards cannot be renewed with %s.", card.Family.Sigla, p.Name)}
	}
	if !now.Before(x.NotAfter) {
		return &Reason{"expired", "Certificato scaduto: il rinnovo è possibile solo prima della scadenza. Occorre una nuova tessera.",
			"The certificate has expired: renewal is only possible before expiry. A new card is needed."}
	}
	opens := x.NotAfter.AddDate(0, 0, -rule.WindowDays)
	if now.Before(opens) {
		d := itime.Date(opens)
		return &Reason{"too-early", fmt.Sprintf("Rinnovabile dal %s (%d giorni prima della scadenza).", d, rule.WindowDays),
			fmt.Sprintf("Renewable from %s (%d days before expiry).", d, rule.WindowDays)}
	}
	// Private keys are hidden until login, so before the PIN only "a PKCS#11 module sees the card" can
	// be checked; the engine finds the key after login or says it is missing.
	if card.Token == nil {
		return &Reason{"no-key", "La chiave di questo certificato non è raggiungibile: installare il driver della tessera.",
			"This certificate's key cannot be reached: install the card's driver."}
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
var ReasonReadOnly = &Reason{"read-only", "Con il driver in uso la tessera può firmare ma non essere scritta: per rinnovare installare il driver del produttore della tessera.",
	"With the driver in use the card can sign but cannot be written: to renew, install the card maker's driver."}

// ReasonOpen is why RINNOVA is not offered on a certificate whose renewal is already under way: the card
// list shows its SCARICA or RIPRENDI instead (Begin refuses a second one).
var ReasonOpen = &Reason{"open", "Rinnovo già in corso: usare SCARICA o RIPRENDI qui sotto.", "A renewal is already under way: use DOWNLOAD or RESUME below."}
