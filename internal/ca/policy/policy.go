// Package policy decides, from a server profile and what the CA knows of a certificate, whether a
// request may be granted and with which validity. It is pure: no clock, no database, no ASN.1, so every
// rule is a row in a table test. Refusals name a reason and a PKIFailureInfo bit (RFC 9810 §5.2.3) and
// say why in Italian and English; the CMP server puts them in the PKIStatusInfo.
package policy

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ponte-it/ponte/internal/ca/profile"
	"github.com/ponte-it/ponte/internal/cmp"
)

// Reason is the machine-readable first word of the statusString, shared with the client (internal/cmp).
type Reason = cmp.Reason

// The reasons: those the client knows (internal/cmp reasonTable) and the ones only this CA gives, which
// the client shows through their failInfo bit and the CA's words.
const (
	ReasonMaxLifetime         = cmp.ReasonMaxLifetime
	ReasonTooEarly            = cmp.ReasonTooEarly
	ReasonExpired             = cmp.ReasonExpired
	ReasonAlreadyRenewed      = cmp.ReasonAlreadyRenewed
	ReasonRevoked             = cmp.ReasonRevoked
	ReasonUnknownCertificate  = cmp.ReasonUnknownCertificate
	ReasonBadAccount          = cmp.ReasonBadAccount
	ReasonInsufficientBalance = cmp.ReasonInsufficientBalance
	ReasonKeyReuse            = cmp.ReasonKeyReuse
	ReasonExtendNotAllowed    = cmp.ReasonExtendNotAllowed
	ReasonKeyTooSmall         = cmp.ReasonKeyTooSmall
	ReasonKeyAlgorithm        = cmp.ReasonKeyAlgorithm

	ReasonRekeyNotAllowed Reason = "rekeyNotAllowed"
	ReasonRoleNotAllowed  Reason = "roleNotAllowed"
	ReasonEnrolNotAllowed Reason = "enrolmentNotAllowed"
)

// PKIFailureInfo bits used here, RFC 9810 §5.2.3.
const (
	FailBadCertID       = cmp.FailBadCertID
	FailCertRevoked     = cmp.FailCertRevoked
	FailBadCertTemplate = cmp.FailBadCertTemplate
	FailNotAuthorized   = cmp.FailNotAuthorized
	FailBadAlg          = cmp.FailBadAlg
)

// Refusal is a request the CA will not grant.
type Refusal struct {
	Reason  Reason
	FailBit int
	It, En  string // what happened, with the dates that matter
}

func (r *Refusal) Error() string { return string(r.Reason) + ": " + r.It + " / " + r.En }

// StatusStrings is the PKIFreeText of the refusal: "reason: Italian", then English.
func (r *Refusal) StatusStrings() []string {
	return []string{string(r.Reason) + ": " + r.It, r.En}
}

// Status is the PKIStatusInfo of the refusal: rejection, the failInfo bit, and the reason with the
// Italian and English explanation as statusString.
func (r *Refusal) Status() cmp.PKIStatusInfo {
	return cmp.PKIStatusInfo{Status: cmp.StatusRejection, FailInfo: cmp.Bit(r.FailBit), StatusString: r.StatusStrings()}
}

// Revoked is the refusal of a renewal of a revoked certificate, at the request or, when it was revoked
// while the renewal waited, at issuance.
func Revoked() *Refusal {
	return refuse(ReasonRevoked, FailCertRevoked,
		"il certificato è revocato e non può essere rinnovato",
		"the certificate is revoked and cannot be renewed")
}

func refuse(reason Reason, bit int, it, en string) *Refusal {
	return &Refusal{Reason: reason, FailBit: bit, It: it, En: en}
}

// Certificate is what the CA knows of the certificate a renewal starts from.
type Certificate struct {
	NotBefore, NotAfter time.Time
	Revoked             bool
	// Renewals of this very certificate confirmed so far (store.ConfirmedRenewals).
	Renewals int
	// LineageStart is the notBefore of the first certificate of the lineage (the card's first issuance).
	LineageStart time.Time
	// LineageRenewals counts the renewals in the whole lineage so far.
	LineageRenewals int
	// Profile that issued it: a renewal must use the same profile's role set (checked by the caller).
}

// Validity of a certificate to issue.
type Validity struct {
	NotBefore, NotAfter time.Time
}

func day(t time.Time) string { return t.UTC().Format("02/01/2006") }

// Enrol decides an initial issuance (ir, or cr/p10cr without an old certificate).
func Enrol(p *profile.Profile, now time.Time) Validity {
	nb := now.UTC().Truncate(time.Second)
	return Validity{NotBefore: nb, NotAfter: nb.AddDate(0, 0, p.ValidityDays)}
}

// Renew decides a renewal of old at now; sameKey says whether the request keeps the old public key (an
// extension of validity) or brings a new one (a key update). The checks run in the order a user would
// want to hear them: a revoked or expired certificate first, then timing, then counts, then the key.
func Renew(p *profile.Profile, old Certificate, sameKey bool, now time.Time) (Validity, *Refusal) {
	now = now.UTC().Truncate(time.Second)
	if old.Revoked {
		return Validity{}, Revoked()
	}
	if now.After(old.NotAfter) {
		return Validity{}, refuse(ReasonExpired, FailNotAuthorized,
			fmt.Sprintf("il certificato è scaduto il %s", day(old.NotAfter)),
			fmt.Sprintf("the certificate expired on %s", day(old.NotAfter)))
	}
	opens := old.NotAfter.AddDate(0, 0, -p.RenewalWindowDays)
	if now.Before(opens) {
		return Validity{}, refuse(ReasonTooEarly, FailNotAuthorized,
			fmt.Sprintf("rinnovabile solo negli ultimi %d giorni di validità, dal %s", p.RenewalWindowDays, day(opens)),
			fmt.Sprintf("renewable only in the last %d days of validity, from %s", p.RenewalWindowDays, day(opens)))
	}
	if p.RenewalsPerCertificate > 0 && old.Renewals >= p.RenewalsPerCertificate {
		return Validity{}, AlreadyRenewed(p)
	}
	if p.MaxRenewals > 0 && old.LineageRenewals >= p.MaxRenewals {
		return Validity{}, refuse(ReasonAlreadyRenewed, FailNotAuthorized,
			fmt.Sprintf("raggiunto il numero massimo di rinnovi della tessera (%d)", p.MaxRenewals),
			fmt.Sprintf("the card's maximum number of renewals (%d) has been reached", p.MaxRenewals))
	}
	switch {
	case sameKey && p.Mode == profile.ModeRekey:
		return Validity{}, refuse(ReasonKeyReuse, FailBadCertTemplate,
			"questa CA rinnova solo con una chiave nuova",
			"this CA renews only with a new key")
	case !sameKey && p.Mode == profile.ModeExtend:
		return Validity{}, refuse(ReasonRekeyNotAllowed, FailBadCertTemplate,
			"questa CA prolunga la validità solo mantenendo la stessa chiave",
			"this CA extends the validity only keeping the same key")
	}
	v := Validity{NotBefore: now, NotAfter: now.AddDate(0, 0, p.ValidityDays)}
	extendTo, _ := p.ExtendToTime()
	if sameKey && !extendTo.IsZero() {
		v.NotAfter = extendTo
		if !v.NotAfter.After(old.NotAfter) {
			return Validity{}, refuse(ReasonExtendNotAllowed, FailNotAuthorized,
				fmt.Sprintf("il certificato scade già il %s, non oltre la data di estensione %s", day(old.NotAfter), day(extendTo)),
				fmt.Sprintf("the certificate already expires on %s, not before the extension date %s", day(old.NotAfter), day(extendTo)))
		}
	}
	if p.MaxLifetimeYears > 0 {
		limit := old.LineageStart.UTC().AddDate(p.MaxLifetimeYears, 0, 0)
		if v.NotAfter.After(limit) {
			v.NotAfter = limit
		}
		if !v.NotAfter.After(old.NotAfter) {
			return Validity{}, refuse(ReasonMaxLifetime, FailNotAuthorized,
				fmt.Sprintf("durata massima di %d anni dal primo rilascio (%s) raggiunta il %s: serve una nuova tessera", p.MaxLifetimeYears, day(old.LineageStart), day(limit)),
				fmt.Sprintf("maximum lifetime of %d years from first issuance (%s) reached on %s: a new card is needed", p.MaxLifetimeYears, day(old.LineageStart), day(limit)))
		}
	}
	return v, nil
}

// Key describes the public key of a request: its algorithm ("RSA", "ECDSA" or another name), the RSA
// modulus size in bits and public exponent, the ECDSA curve name.
type Key struct {
	Algorithm string
	Bits      int
	Exponent  int
	Curve     string
}

// minRSAExponent: an RSA public exponent must be odd and at least 2^16+1 (CA/Browser Forum Baseline
// Requirements §6.1.6 "SHOULD be in the range between 2^16 + 1 and 2^256 - 1"; e = 3 is what signature
// forgeries against lax PKCS #1 v1.5 verifiers rely on). Smart cards generate 65537.
const minRSAExponent = 1<<16 + 1

// CheckKey applies the profile's key policy: RSA of at least MinRSABits (badCertTemplate) with an odd
// exponent of at least 2^16+1, ECDSA on one of Curves, nothing else (badAlg). It runs for every request, first issuance and renewal alike.
func CheckKey(p *profile.Profile, k Key) *Refusal {
	curves := strings.Join(p.Curves, ", ")
	switch {
	case k.Algorithm == "RSA" && k.Bits < p.MinRSABits:
		return refuse(ReasonKeyTooSmall, FailBadCertTemplate,
			fmt.Sprintf("chiave RSA di %d bit, ne servono almeno %d", k.Bits, p.MinRSABits),
			fmt.Sprintf("RSA key of %d bits, at least %d are needed", k.Bits, p.MinRSABits))
	case k.Algorithm == "RSA" && (k.Exponent < minRSAExponent || k.Exponent%2 == 0):
		return refuse(ReasonKeyAlgorithm, FailBadAlg,
			fmt.Sprintf("esponente pubblico RSA %d non ammesso (serve dispari, almeno %d)", k.Exponent, minRSAExponent),
			fmt.Sprintf("RSA public exponent %d not allowed (odd and at least %d needed)", k.Exponent, minRSAExponent))
	case k.Algorithm == "RSA":
		return nil
	case k.Algorithm == "ECDSA" && slices.Contains(p.Curves, k.Curve):
		return nil
	case k.Algorithm == "ECDSA":
		return refuse(ReasonKeyAlgorithm, FailBadAlg,
			fmt.Sprintf("curva %s non ammessa (ammesse: %s)", k.Curve, curves),
			fmt.Sprintf("curve %s not allowed (allowed: %s)", k.Curve, curves))
	}
	return refuse(ReasonKeyAlgorithm, FailBadAlg,
		fmt.Sprintf("chiave %s non ammessa (ammesse: RSA da %d bit, ECDSA %s)", k.Algorithm, p.MinRSABits, curves),
		fmt.Sprintf("%s key not allowed (allowed: RSA from %d bits, ECDSA %s)", k.Algorithm, p.MinRSABits, curves))
}

// AlreadyRenewed is the refusal of a renewal beyond the profile's renewals per certificate. Only
// confirmed renewals count (invariant I2): the caller counts them, and the store checks again at
// issuance and confirmation.
func AlreadyRenewed(p *profile.Profile) *Refusal {
	return refuse(ReasonAlreadyRenewed, FailNotAuthorized,
		fmt.Sprintf("questo certificato è già stato rinnovato (consentiti %d rinnovi per certificato)", p.RenewalsPerCertificate),
		fmt.Sprintf("this certificate has already been renewed (%d renewals allowed per certificate)", p.RenewalsPerCertificate))
}

// UnknownCertificate is the refusal for a renewal from a certificate this CA did not issue.
func UnknownCertificate() *Refusal {
	return refuse(ReasonUnknownCertificate, FailBadCertID,
		"il certificato da rinnovare non è stato emesso da questa CA",
		"the certificate to renew was not issued by this CA")
}

// RoleNotAllowed is the refusal for a role the profile does not issue.
func RoleNotAllowed(p *profile.Profile, r profile.Role) *Refusal {
	return refuse(ReasonRoleNotAllowed, FailBadCertTemplate,
		fmt.Sprintf("il profilo %s non emette certificati di tipo %s", p.Name, r),
		fmt.Sprintf("profile %s does not issue %s certificates", p.Name, r))
}

// EnrolNotAllowed is the refusal of an initial request on a renewal-only profile.
func EnrolNotAllowed(p *profile.Profile) *Refusal {
	return refuse(ReasonEnrolNotAllowed, FailNotAuthorized,
		fmt.Sprintf("il profilo %s consente solo rinnovi, non nuove emissioni", p.Name),
		fmt.Sprintf("profile %s allows only renewals, not new issuance", p.Name))
}

// BadAccount is the refusal when the prepaid account is missing, unknown or the password is wrong. It
// does not say which, so the answer does not reveal which accounts exist.
func BadAccount(detailIt, detailEn string) *Refusal {
	return refuse(ReasonBadAccount, FailNotAuthorized,
		"account del servizio di rinnovo mancante o credenziali errate"+detailIt,
		"renewal service account missing or wrong credentials"+detailEn)
}

// InsufficientBalance is the refusal when the account cannot pay the price.
func InsufficientBalance(balance, price int64) *Refusal {
	return refuse(ReasonInsufficientBalance, FailNotAuthorized,
		fmt.Sprintf("credito insufficiente: disponibili %s, costo %s", Euro(balance), Euro(price)),
		fmt.Sprintf("insufficient balance: %s available, price %s", Euro(balance), Euro(price)))
}

// Euro formats cents as "12,34 €".
func Euro(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s%d,%02d €", sign, cents/100, cents%100)
}
