// Package renew is the renewal of a card's certificates, as a state machine that survives anything:
// every step is written to a journal before it acts, so a renewal interrupted anywhere (browser closed,
// host killed, card removed, CA unreachable, machine rebooted) is found again and resumed or rolled back,
// with no orphaned key, no lost certificate and no double charge. It runs in the WASM module (the
// extension) and natively (`ponte renew`, tests) alike; the card is reached through ponte-host and the CA
// over CMP (package cmp).
package renew

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"strings"
	"time"

	"github.com/ponte-it/ponte/internal/cmp"
)

// Profile is what Ponte knows of one CA: where it answers, which anchors its answers must chain to, which
// certificates of which cards it renews and how, and the texts the user must accept. Operators write it as
// JSON (docs/ca-profiles.md, "Client profile").
type Profile struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// URL is the CMP endpoint, e.g. https://ca.example/.well-known/cmp/p/cns (RFC 9811 §3).
	URL string `json:"url"`
	// Anchors are PEM certificates; every answer and every issued certificate must chain to one.
	Anchors string `json:"anchors"`
	// Signers (PEM, optional) pin the certificates the CA or its RA signs CMP answers with: when set, an
	// answer signed by any other certificate is refused. When empty, the signer must be an anchor itself
	// or carry id-kp-cmcCA / id-kp-cmcRA (RFC 9483 §3.5; cmp.Client.Signers).
	Signers string `json:"signers,omitempty"`
	// Issuers lists the issuer DNs (RFC 4514) of the certificates this CA renews; a card certificate from
	// another issuer is not offered for renewal here.
	Issuers []string `json:"issuers"`
	// Renews says, per certificate role ("cns", "signature"), how this CA renews it.
	Renews []Rule `json:"renews"`
	// Families restricts renewal to these card families (siglas); empty means every family.
	Families []string `json:"families,omitempty"`
	// ImplicitConfirm asks the CA to skip certConf (RFC 9810 §5.1.1.1).
	ImplicitConfirm bool `json:"implicitConfirm,omitempty"`
	// Paid renewals ask for the prepaid account's id and password (seed 002).
	Paid bool `json:"paid,omitempty"`
	// Terms and Privacy are shown before the PIN, in Italian and English (seed 000: PROSEGUI, RINNOVA).
	Terms   Text `json:"terms"`
	Privacy Text `json:"privacy"`
	// TermsVersion and PrivacyVersion name the texts' versions: what the holder accepts is journaled and
	// sent to the CA as evidence (cmp.TermsRegInfo). Empty: "sha256-" and the first 12 hex digits of the
	// SHA-256 of the texts, so a changed text is a new version anyway.
	TermsVersion   string `json:"termsVersion,omitempty"`
	PrivacyVersion string `json:"privacyVersion,omitempty"`
	// MaxWaitSeconds is how long Ponte waits for a delayed certificate in one go before it offers
	// "Scarica" later (seed 002's two phases).
	MaxWaitSeconds int `json:"maxWaitSeconds,omitempty"`
	// SuspensionDays is the CA's stated suspension window (ponte-ca's maxSuspensionDays): the card list
	// offers SOSPENDI only when it is set, and the confirmation says how long a reactivation stays possible.
	SuspensionDays int `json:"suspensionDays,omitempty"`
	// TSA is the RFC 3161 time-stamp service this CA offers for signatures, if any.
	TSA string `json:"tsa,omitempty"`

	anchors *x509.CertPool
	signers []*x509.Certificate
}

// Rule is how one certificate role is renewed.
type Rule struct {
	Role string `json:"role"` // "cns" or "signature"
	// Mode is "rekey" (a new key on the card, kur signed with the old key) or "extend" (the same key,
	// a new certificate: kur/cr).
	Mode string `json:"mode"`
	// WindowDays: renewal is offered only this many days before expiry (and never after it).
	WindowDays int `json:"windowDays"`
	// KeyBits of the new key for "rekey".
	KeyBits int `json:"keyBits,omitempty"`
	// KeepOld keeps the old key and certificate on the card after a rekey; by default they are removed,
	// and only once the new certificate is written and a test signature with the new key verifies.
	KeepOld bool `json:"keepOld,omitempty"`
}

// Text is a text in Italian and English.
type Text struct {
	IT string `json:"it"`
	EN string `json:"en"`
}

// In returns the text in lang ("en" or Italian).
func (t Text) In(lang string) string {
	if lang == "en" && t.EN != "" {
		return t.EN
	}
	return t.IT
}

// ParseProfile reads and validates a profile: unknown fields, a missing URL, anchors that do not parse,
// a rule with an unknown role or mode — each refused with what is wrong.
func ParseProfile(b []byte) (*Profile, error) {
	var p Profile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("profilo CA non valido / invalid CA profile: %w", err)
	}
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("profilo CA %q non valido / invalid CA profile: %w", p.ID, err)
	}
	return &p, nil
}

func (p *Profile) validate() error {
	switch {
	case p.ID == "" || strings.ContainsAny(p.ID, "/ \t\n"):
		return fmt.Errorf("id must be a non-empty word")
	case p.Name == "":
		return fmt.Errorf("name is required")
	case !cmp.SecureURL(p.URL):
		return fmt.Errorf("url must be https (or http on loopback for a local CA): %q", p.URL)
	case len(p.Renews) == 0:
		return fmt.Errorf("renews lists no certificate role")
	case p.Terms.IT == "" || p.Privacy.IT == "":
		return fmt.Errorf("terms and privacy texts are required (Italian at least)")
	case strings.ContainsAny(p.TermsVersion+p.PrivacyVersion, "?%\n") || len(p.TermsVersion) > 64 || len(p.PrivacyVersion) > 64:
		return fmt.Errorf("termsVersion and privacyVersion: at most 64 characters, no '?', '%%' or newline")
	case p.MaxWaitSeconds < 0 || p.MaxWaitSeconds > 600:
		return fmt.Errorf("maxWaitSeconds must be 0 to 600")
	case p.SuspensionDays < 0 || p.SuspensionDays > 3650:
		return fmt.Errorf("suspensionDays must be 0 to 3650")
	}
	anchors, err := parseCerts(p.Anchors, "anchor")
	if err != nil {
		return err
	}
	if len(anchors) == 0 {
		return fmt.Errorf("anchors holds no PEM certificate")
	}
	pool := x509.NewCertPool()
	for _, a := range anchors {
		pool.AddCert(a)
	}
	if p.signers, err = parseCerts(p.Signers, "signer"); err != nil {
		return err
	}
	p.anchors = pool
	seen := map[string]bool{}
	for _, r := range p.Renews {
		if r.Role != "cns" && r.Role != "signature" {
			return fmt.Errorf("rule role %q: want cns or signature", r.Role)
		}
		if seen[r.Role] {
			return fmt.Errorf("role %q has two rules", r.Role)
		}
		seen[r.Role] = true
		switch r.Mode {
		case "rekey":
			if r.KeyBits != 2048 && r.KeyBits != 3072 && r.KeyBits != 4096 {
				return fmt.Errorf("role %s: keyBits must be 2048, 3072 or 4096", r.Role)
			}
		case "extend":
		default:
			return fmt.Errorf("role %s: mode %q: want rekey or extend", r.Role, r.Mode)
		}
		if r.WindowDays < 1 || r.WindowDays > 3650 {
			return fmt.Errorf("role %s: windowDays must be 1 to 3650", r.Role)
		}
	}
	return nil
}

// Versions are the versions of the terms and of the privacy notice (TermsVersion, PrivacyVersion, or
// derived from the texts).
func (p *Profile) Versions() (terms, privacy string) {
	return versionOf(p.TermsVersion, p.Terms), versionOf(p.PrivacyVersion, p.Privacy)
}

func versionOf(v string, t Text) string {
	if v != "" {
		return v
	}
	h := sha256.Sum256([]byte(t.IT + "\x00" + t.EN))
	return "sha256-" + hex.EncodeToString(h[:6])
}

// Acceptance is the holder's acceptance of a profile's terms and privacy notice, given before the PIN:
// journaled with the renewal and sent to the CA in the request (cmp.TermsRegInfo).
type Acceptance struct {
	Terms   string    `json:"terms"`   // TermsVersion accepted
	Privacy string    `json:"privacy"` // PrivacyVersion accepted
	Lang    string    `json:"lang"`    // the language the texts were shown in: "it" or "en"
	At      time.Time `json:"at"`
}

// Accept records that the holder accepted the profile's current texts, shown in lang, at at.
func (p *Profile) Accept(lang string, at time.Time) *Acceptance {
	t, pr := p.Versions()
	if lang != "en" {
		lang = "it"
	}
	return &Acceptance{Terms: t, Privacy: pr, Lang: lang, At: at.UTC().Truncate(time.Second)}
}

// parseCerts reads the PEM certificates of s; what names them in errors.
func parseCerts(s, what string) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	rest := []byte(s)
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return out, nil
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s %d: %w", what, len(out)+1, err)
		}
		out = append(out, cert)
	}
}

// SignerCerts is the parsed Signers: the CA's pinned CMP signers (cmp.Client.Signers).
func (p *Profile) SignerCerts() []*x509.Certificate { return p.signers }

// AnchorPool is the parsed trust anchors.
func (p *Profile) AnchorPool() *x509.CertPool { return p.anchors }

// Client is the CMP client for the profile's CA: its URL, its anchors and pinned signers (RFC 9483 §3.5),
// and how long to wait for a delayed answer.
func (p *Profile) Client() *cmp.Client {
	return &cmp.Client{URL: p.URL, Anchors: p.anchors, Signers: p.signers, MaxWait: time.Duration(p.MaxWaitSeconds) * time.Second}
}

// Rule returns the rule for a role.
func (p *Profile) Rule(role string) (Rule, bool) {
	for _, r := range p.Renews {
		if r.Role == role {
			return r, true
		}
	}
	return Rule{}, false
}
