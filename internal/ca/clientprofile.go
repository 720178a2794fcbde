package ca

import (
	"encoding/json"
	"encoding/pem"
	"fmt"

	"github.com/ponte-it/ponte/internal/ca/profile"
	"github.com/ponte-it/ponte/internal/renew"
)

// Texts every client profile of the embedded CA shows before the PIN (seed 000: terms, then privacy).
var (
	demoTerms = renew.Text{
		IT: "Servizio di rinnovo dei certificati della Ponte CA dimostrativa.\n\nIl rinnovo genera, dove previsto, una nuova chiave sulla tessera e vi memorizza il nuovo certificato. Il certificato precedente resta valido fino alla sua scadenza e viene rimosso solo a rinnovo completato e verificato. Non rimuovere la tessera e non chiudere il browser durante l'operazione.",
		EN: "Certificate renewal service of the Ponte demonstration CA.\n\nWhere needed the renewal makes a new key on the card and stores the new certificate there. The previous certificate stays valid until it expires and is removed only once the renewal is complete and verified. Do not remove the card or close the browser meanwhile.",
	}
	demoPrivacy = renew.Text{
		IT: "Informativa sul trattamento dei dati personali (art. 13 Regolamento UE 2016/679).\n\nLa CA tratta i dati del certificato (nome, codice fiscale, numero della tessera) al solo fine di emettere il certificato rinnovato e di pubblicarne lo stato (OCSP). Il PIN e il PUK non lasciano mai il computer.",
		EN: "Privacy notice (art. 13 EU Regulation 2016/679).\n\nThe CA processes the certificate's data (name, fiscal code, card number) only to issue the renewed certificate and publish its status (OCSP). The PIN and PUK never leave the computer.",
	}
)

// Versions of the texts above: change them with the texts, so the evidence a holder's acceptance leaves
// (ponte-ca terms) names what was accepted.
const (
	DemoTermsVersion   = "ponte-ca-termini-1"
	DemoPrivacyVersion = "ponte-ca-privacy-1"
)

// ClientProfile writes the Ponte client profile (internal/renew, docs/ca-profiles.md part 2) for one of
// this CA's server profiles, so the extension and `ponte renew` can reach it: URL, anchor, what it renews
// and how, payment, texts. mode chooses rekey or extend where the server profile allows both.
func (c *CA) ClientProfile(name, mode string) ([]byte, error) {
	p, ok := c.Profiles[name]
	if !ok {
		return nil, fmt.Errorf("profilo %q inesistente / no profile %q", name, name)
	}
	switch {
	case p.Mode == profile.ModeRekey:
		mode = "rekey"
	case p.Mode == profile.ModeExtend:
		mode = "extend"
	case mode != "rekey" && mode != "extend":
		mode = "rekey"
	}
	window := p.RenewalWindowDays
	if window == 0 {
		window = profile.DefaultWindowDays
	}
	cp := renew.Profile{
		ID: "ponte-ca-" + name, Name: c.Cert.Subject.CommonName + " (" + name + ")",
		URL:     c.PublicURL() + "/.well-known/cmp/p/" + name,
		Anchors: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Cert.Raw})),
		// ponte-ca protects every CMP answer with its CA certificate itself (cmpserver finish): pinned,
		// so no other certificate under the anchor can answer for it (invariant I6).
		Signers: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Cert.Raw})),
		Issuers: []string{c.Cert.Subject.String()},
		Paid:    p.Price > 0, ImplicitConfirm: p.ImplicitConfirm == nil || *p.ImplicitConfirm,
		Terms: demoTerms, Privacy: demoPrivacy, TermsVersion: DemoTermsVersion, PrivacyVersion: DemoPrivacyVersion, MaxWaitSeconds: 30,
		TSA: c.PublicURL() + "/tsa",
	}
	if p.SuspendBy != profile.ByNone {
		cp.SuspensionDays = p.MaxSuspensionDays
	}
	for _, r := range p.Roles {
		rule := renew.Rule{Role: string(r), Mode: mode, WindowDays: window}
		if mode == "rekey" {
			rule.KeyBits = 2048
		}
		cp.Renews = append(cp.Renews, rule)
	}
	b, err := json.MarshalIndent(cp, "", "  ")
	if err != nil {
		return nil, err
	}
	if _, err := renew.ParseProfile(b); err != nil { // what we hand out must be what clients accept
		return nil, err
	}
	return b, nil
}
