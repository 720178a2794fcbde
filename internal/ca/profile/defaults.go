package profile

import (
	"fmt"
	"time"
)

// Defaults are the profiles `ponte-ca init` writes, modelled on the renewals in the seeds: TS-CNS and
// CNS authentication certificates valid 3 years, renewable once in the last 90 days, never past 6 years
// from first issuance (InfoCert: "per le carte CNS la durata massima è di 6 anni dal momento del rilascio,
// quindi è possibile effettuare un solo rinnovo"); a paid variant charged to a prepaid account; a
// signature profile; and an extension-to-date profile like the 2022 TS-CNS extension. irSecret is the
// shared secret for MAC-protected ir on the demo profiles; now fixes the extension date (end of next year).
func Defaults(irSecret string, now time.Time) []*Profile {
	no := false
	list := []*Profile{
		{
			Name: "cns", Description: "CNS / TS-CNS: autenticazione, rinnovo gratuito / authentication, free renewal",
			Roles: []Role{RoleCNS, RoleSignature}, ValidityDays: 3 * 365, RenewalWindowDays: 90, MaxLifetimeYears: 6,
			RenewalsPerCertificate: 1, Mode: ModeAny, DelaySeconds: 3, IR: IRSecret,
			Secrets:   []Secret{{Reference: "demo", Secret: irSecret}},
			SuspendBy: ByHolder, ReactivateBy: ByHolder, MaxSuspensionDays: 30,
		},
		{
			Name: "cns-paid", Description: "CNS: rinnovo a pagamento da conto prepagato / renewal paid from a prepaid account",
			Roles: []Role{RoleCNS}, ValidityDays: 3 * 365, RenewalWindowDays: 90, MaxLifetimeYears: 6,
			RenewalsPerCertificate: 1, Mode: ModeAny, DelaySeconds: 3, Price: 500, IR: IRSecret,
			Secrets: []Secret{{Reference: "demo", Secret: irSecret}},
		},
		{
			Name: "signature", Description: "Firma (simil-qualificata), nuova chiave a ogni rinnovo / signature (qualified-like), new key at each renewal",
			Roles: []Role{RoleSignature}, ValidityDays: 3 * 365, RenewalWindowDays: 90, MaxLifetimeYears: 6,
			RenewalsPerCertificate: 1, Mode: ModeRekey, DelaySeconds: 3, Price: 1000, IR: IRSecret,
			Secrets: []Secret{{Reference: "demo", Secret: irSecret}}, ImplicitConfirm: &no,
			SuspendBy: ByHolder, ReactivateBy: BySelf, MaxSuspensionDays: 90,
		},
		{
			Name: "extend", Description: "Estensione della validità con la stessa chiave fino a una data / same-key extension to a date",
			Roles: []Role{RoleCNS}, ValidityDays: 3 * 365, RenewalWindowDays: 365, MaxLifetimeYears: 6,
			RenewalsPerCertificate: 1, Mode: ModeExtend, ExtendTo: fmt.Sprintf("%d-12-31", now.Year()+1),
		},
	}
	for _, p := range list {
		if err := p.Normalize(); err != nil {
			panic(err) // the table above is wrong: caught by TestDefaults
		}
	}
	return list
}
