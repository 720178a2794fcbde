// Package profile is the server-side CA profile of ponte-ca: which certificate roles a CMP endpoint
// issues, for how long, when and how often a certificate may be renewed, whether the key must change,
// whether issuance is delayed and whether it is paid from a prepaid account. A profile is a JSON file;
// docs/ca-profiles.md documents every field for CA operators.
package profile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"
)

// Role is the purpose of an issued certificate, which fixes its key usages and policies.
type Role string

const (
	// RoleCNS is the CNS authentication certificate (DPCM 24/5/2010 CNS rules): policy 1.3.76.16.2.1,
	// digitalSignature + keyEncipherment, extended key usage clientAuth.
	RoleCNS Role = "cns"
	// RoleSignature is a signature certificate, qualified-like: nonRepudiation (contentCommitment).
	RoleSignature Role = "signature"
)

// Mode says whether a renewal must change the key, must keep it, or may do either.
type Mode string

const (
	ModeRekey  Mode = "rekey"  // kur with a new key only
	ModeExtend Mode = "extend" // same key only: the validity is extended
	ModeAny    Mode = "any"    // either
)

// IRAuth is how an initialization request (ir, and cr/p10cr without an old certificate) is authenticated.
type IRAuth string

const (
	IRNone      IRAuth = "none"      // ir refused: this profile only renews
	IRSecret    IRAuth = "secret"    // MAC with a shared secret found by senderKID (RFC 9483 §4.1.1)
	IRSignature IRAuth = "signature" // signed by a valid certificate this CA issued
)

// Secret is one shared secret for MAC-protected initialization requests: the client sends Reference as
// senderKID (openssl cmp -ref) and protects the message with Secret (openssl cmp -secret pass:...).
type Secret struct {
	Reference string `json:"reference"`
	Secret    string `json:"secret"`
}

// Profile is one server-side CA profile. Durations are whole days or years so a file reads like the
// policy it implements ("validità 3 anni, rinnovo negli ultimi 90 giorni, durata massima 6 anni").
type Profile struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`

	// Roles this profile issues; the first is the default when the request does not say.
	Roles []Role `json:"roles"`
	// ValidityDays is the lifetime of a newly issued certificate.
	ValidityDays int `json:"validityDays"`
	// RenewalWindowDays: a certificate is renewable only in the last N days before it expires (default 90).
	RenewalWindowDays int `json:"renewalWindowDays,omitempty"`
	// MaxLifetimeYears caps the validity of a lineage (first issuance and all its renewals): no certificate
	// of the lineage is valid past first issuance + N years. 0: no cap. CNS: 6.
	MaxLifetimeYears int `json:"maxLifetimeYears,omitempty"`
	// RenewalsPerCertificate: how many times one certificate may be renewed (1: once). 0: unlimited.
	RenewalsPerCertificate int `json:"renewalsPerCertificate,omitempty"`
	// MaxRenewals: how many renewals a whole lineage may have. 0: unlimited.
	MaxRenewals int `json:"maxRenewals,omitempty"`
	// Mode: rekey, extend or any (default rekey).
	Mode Mode `json:"mode,omitempty"`
	// ExtendTo (YYYY-MM-DD): in an extension with the same key, the new certificate expires at the end of
	// this day (UTC), like the 2022 TS-CNS extension to 31/12/2023. Empty: extend by ValidityDays.
	ExtendTo string `json:"extendTo,omitempty"`
	// DelaySeconds: issuance is delayed; the CA answers "waiting" and the client polls (RFC 9810 §5.3.22).
	DelaySeconds int `json:"delaySeconds,omitempty"`
	// Price in cents charged to a prepaid account per issued certificate. 0: free, no account needed.
	Price int64 `json:"price,omitempty"`
	// IR is how initialization requests are authenticated (default none).
	IR IRAuth `json:"ir,omitempty"`
	// Secrets for IR "secret".
	Secrets []Secret `json:"secrets,omitempty"`
	// MinRSABits is the smallest RSA modulus accepted for a certified key (default and floor 2048).
	MinRSABits int `json:"minRsaBits,omitempty"`
	// Curves are the ECDSA curves accepted for a certified key (default P-256 and P-384). Keys of any
	// other algorithm are refused.
	Curves []string `json:"curves,omitempty"`
	// ImplicitConfirm: grant implicit confirmation when the client asks for it (default true; always
	// false on a paid profile).
	ImplicitConfirm *bool `json:"implicitConfirm,omitempty"`

	// SuspendBy: who may suspend a certificate of this profile with an rr of reason certificateHold
	// (RFC 5280 §5.3.1): none (default: refused), self (signed by the certificate itself), holder (by it or
	// any valid certificate of this CA naming the same codice fiscale, e.g. the card's other certificate).
	SuspendBy Authority `json:"suspendBy,omitempty"`
	// ReactivateBy: who may lift the suspension (removeFromCRL); only the holder who suspended, never a
	// suspension by the CA operator. none (default), self or holder.
	ReactivateBy Authority `json:"reactivateBy,omitempty"`
	// MaxSuspensionDays: how long a suspension may be lifted; past it the certificate is revoked for good,
	// dated from the suspension. Required with SuspendBy.
	MaxSuspensionDays int `json:"maxSuspensionDays,omitempty"`
}

// Authority says who may ask for a suspension or a reactivation.
type Authority string

const (
	ByNone   Authority = "none"
	BySelf   Authority = "self"
	ByHolder Authority = "holder"
)

// DefaultWindowDays is the renewal window when a profile does not set one.
const DefaultWindowDays = 90

// Limits that keep a mistyped file from producing absurd certificates.
const (
	maxValidityDays = 20 * 366
	maxDelaySeconds = 7 * 24 * 3600
	maxYears        = 30
)

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)

// ValidName reports whether name can be a profile's name (1-63 characters a-z 0-9 . _ -).
func ValidName(name string) bool { return nameRE.MatchString(name) }

// Error is a profile that cannot be used, with the field at fault.
type Error struct {
	Profile, Field, Problem string
}

func (e *Error) Error() string {
	return fmt.Sprintf("profilo CA %q, campo %q: %s / CA profile %q, field %q: %s", e.Profile, e.Field, e.Problem, e.Profile, e.Field, e.Problem)
}

// Parse reads one profile from JSON, rejecting unknown fields and trailing data, fills defaults and
// validates it.
func Parse(data []byte) (*Profile, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var p Profile
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("profilo CA non leggibile / CA profile not readable: %w", err)
	}
	if dec.More() {
		return nil, errors.New("profilo CA: dati dopo l'oggetto JSON / CA profile: data after the JSON object")
	}
	if err := p.Normalize(); err != nil {
		return nil, err
	}
	return &p, nil
}

// Normalize fills the defaults and checks every field.
func (p *Profile) Normalize() error {
	bad := func(field, problem string) error { return &Error{p.Name, field, problem} }
	if !nameRE.MatchString(p.Name) {
		return bad("name", "servono 1-63 caratteri a-z 0-9 . _ - / 1-63 characters a-z 0-9 . _ - are required")
	}
	if len(p.Roles) == 0 {
		return bad("roles", "nessun ruolo / no role")
	}
	seen := map[Role]bool{}
	for _, r := range p.Roles {
		if r != RoleCNS && r != RoleSignature {
			return bad("roles", fmt.Sprintf("ruolo sconosciuto %q (cns, signature) / unknown role %q (cns, signature)", r, r))
		}
		if seen[r] {
			return bad("roles", "ruolo ripetuto / repeated role")
		}
		seen[r] = true
	}
	if p.ValidityDays < 1 || p.ValidityDays > maxValidityDays {
		return bad("validityDays", fmt.Sprintf("deve essere tra 1 e %d / must be between 1 and %d", maxValidityDays, maxValidityDays))
	}
	if p.RenewalWindowDays == 0 {
		p.RenewalWindowDays = DefaultWindowDays
	}
	if p.RenewalWindowDays < 0 || p.RenewalWindowDays > maxValidityDays {
		return bad("renewalWindowDays", "fuori intervallo / out of range")
	}
	if p.MaxLifetimeYears < 0 || p.MaxLifetimeYears > maxYears {
		return bad("maxLifetimeYears", fmt.Sprintf("deve essere tra 0 e %d / must be between 0 and %d", maxYears, maxYears))
	}
	if p.RenewalsPerCertificate < 0 || p.MaxRenewals < 0 {
		return bad("renewals", "valore negativo / negative value")
	}
	switch p.Mode {
	case "":
		p.Mode = ModeRekey
	case ModeRekey, ModeExtend, ModeAny:
	default:
		return bad("mode", "rekey, extend o any / rekey, extend or any")
	}
	if p.ExtendTo != "" {
		if _, err := p.ExtendToTime(); err != nil {
			return bad("extendTo", "data AAAA-MM-GG attesa / YYYY-MM-DD date expected")
		}
		if p.Mode == ModeRekey {
			return bad("extendTo", "richiede mode extend o any / needs mode extend or any")
		}
	}
	if p.DelaySeconds < 0 || p.DelaySeconds > maxDelaySeconds {
		return bad("delaySeconds", fmt.Sprintf("deve essere tra 0 e %d / must be between 0 and %d", maxDelaySeconds, maxDelaySeconds))
	}
	if p.Price < 0 {
		return bad("price", "prezzo negativo / negative price")
	}
	switch p.IR {
	case "":
		p.IR = IRNone
	case IRNone, IRSignature:
	case IRSecret:
		if len(p.Secrets) == 0 {
			return bad("secrets", "ir secret senza segreti / ir secret without secrets")
		}
	default:
		return bad("ir", "none, secret o signature / none, secret or signature")
	}
	refs := map[string]bool{}
	for _, s := range p.Secrets {
		if s.Reference == "" || len(s.Secret) < 8 {
			return bad("secrets", "riferimento vuoto o segreto più corto di 8 caratteri / empty reference or secret shorter than 8 characters")
		}
		if refs[s.Reference] {
			return bad("secrets", "riferimento ripetuto / repeated reference")
		}
		refs[s.Reference] = true
	}
	if err := p.normalizeKeys(); err != nil {
		return err
	}
	if err := p.normalizeSuspension(); err != nil {
		return err
	}
	if p.ImplicitConfirm == nil || p.Paid() {
		// A paid profile never grants implicit confirmation, whatever the file says: the holder is charged
		// only for a certificate confirmed in certConf (invariant I3, docs/ca-profiles.md).
		t := !p.Paid()
		p.ImplicitConfirm = &t
	}
	return nil
}

// maxSuspensionDays bounds a suspension window: the longest a certificate stays in doubt.
const maxSuspensionDays = 3650

func (p *Profile) normalizeSuspension() error {
	bad := func(field, problem string) error { return &Error{p.Name, field, problem} }
	for _, a := range []*Authority{&p.SuspendBy, &p.ReactivateBy} {
		switch *a {
		case "":
			*a = ByNone
		case ByNone, BySelf, ByHolder:
		default:
			return bad("suspendBy/reactivateBy", "none, self o holder / none, self or holder")
		}
	}
	switch {
	case p.SuspendBy == ByNone && (p.ReactivateBy != ByNone || p.MaxSuspensionDays != 0):
		return bad("reactivateBy", "richiede suspendBy / needs suspendBy")
	case p.SuspendBy != ByNone && (p.MaxSuspensionDays < 1 || p.MaxSuspensionDays > maxSuspensionDays):
		return bad("maxSuspensionDays", fmt.Sprintf("deve essere tra 1 e %d / must be between 1 and %d", maxSuspensionDays, maxSuspensionDays))
	}
	return nil
}

// SuspensionWindow is how long a suspension may be lifted.
func (p *Profile) SuspensionWindow() time.Duration {
	return time.Duration(p.MaxSuspensionDays) * 24 * time.Hour
}

// Key policy defaults and bounds (NIST SP 800-57 Part 1 §5.6.1: RSA below 2048 bits is no longer
// acceptable; ETSI TS 119 312 lists the same curves).
const (
	MinRSABitsFloor = 2048
	maxRSABits      = 8192
)

// KnownCurves are the ECDSA curves a profile may accept.
var KnownCurves = []string{"P-256", "P-384", "P-521"}

func (p *Profile) normalizeKeys() error {
	bad := func(field, problem string) error { return &Error{p.Name, field, problem} }
	if p.MinRSABits == 0 {
		p.MinRSABits = MinRSABitsFloor
	}
	if p.MinRSABits < MinRSABitsFloor || p.MinRSABits > maxRSABits {
		return bad("minRsaBits", fmt.Sprintf("deve essere tra %d e %d / must be between %d and %d", MinRSABitsFloor, maxRSABits, MinRSABitsFloor, maxRSABits))
	}
	if len(p.Curves) == 0 {
		p.Curves = []string{"P-256", "P-384"}
	}
	for _, c := range p.Curves {
		if !slices.Contains(KnownCurves, c) {
			return bad("curves", fmt.Sprintf("curva sconosciuta %q (P-256, P-384, P-521) / unknown curve %q (P-256, P-384, P-521)", c, c))
		}
	}
	return nil
}

// ExtendToTime is the end of the ExtendTo day (23:59:59 UTC), or the zero time when unset.
func (p *Profile) ExtendToTime() (time.Time, error) {
	if p.ExtendTo == "" {
		return time.Time{}, nil
	}
	d, err := time.Parse("2006-01-02", p.ExtendTo)
	if err != nil {
		return time.Time{}, err
	}
	return d.Add(24*time.Hour - time.Second), nil
}

// HasRole reports whether the profile issues the role.
func (p *Profile) HasRole(r Role) bool {
	for _, x := range p.Roles {
		if x == r {
			return true
		}
	}
	return false
}

// Paid reports whether an issuance costs money from a prepaid account.
func (p *Profile) Paid() bool { return p.Price > 0 }

// SecretFor returns the shared secret for a reference (senderKID), if the profile has it.
func (p *Profile) SecretFor(ref []byte) ([]byte, bool) {
	for _, s := range p.Secrets {
		if s.Reference == string(ref) {
			return []byte(s.Secret), true
		}
	}
	return nil, false
}

// Marshal writes the profile as indented JSON, the form Parse reads.
func (p *Profile) Marshal() []byte {
	b, _ := json.MarshalIndent(p, "", "  ")
	return append(b, '\n')
}
