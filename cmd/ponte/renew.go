package main

import (
	"context"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/ponte-it/ponte/internal/hostcard"
	"github.com/ponte-it/ponte/internal/itime"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/renew"
)

func renewCmd(ctx context.Context, args []string, stdin io.Reader, out, errw io.Writer) error {
	fs := flag.NewFlagSet("renew", flag.ContinueOnError)
	cardID := fs.String("card", "", "ID della tessera (ponte cards) / card ID")
	role := fs.String("role", "cns", "cns o signature / cns or signature")
	profilePath := fs.String("profile", "", "profilo della CA (JSON) / CA profile")
	resume := fs.String("resume", "", "ID di un rinnovo da riprendere / renewal to resume")
	accountID := fs.String("account", "", "conto prepagato (rinnovo a pagamento) / prepaid account")
	lang := fs.String("lang", envLang(), "lingua dei termini: it o en (predefinita da LANG) / language of the terms: it or en (default from LANG)")
	abandon := fs.String("abandon", "", "ID di un rinnovo da annullare / renewal to cancel")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *lang != "it" && *lang != "en" {
		return fmt.Errorf("--lang: it o en, non %q / --lang: it or en, not %q", *lang, *lang)
	}
	if *abandon != "" {
		*resume = *abandon
	}
	if *profilePath == "" || (*cardID == "" && *resume == "") {
		return errors.New("servono --profile e --card (o --resume) / --profile and --card (or --resume) are required")
	}
	pb, err := os.ReadFile(*profilePath)
	if err != nil {
		return err
	}
	profile, err := renew.ParseProfile(pb)
	if err != nil {
		return err
	}
	// The terms and the privacy notice come first, in the chosen language, as in the official tool (seed
	// 000), and must be accepted before anything else: before the host is reached and the PIN read. A
	// resumed renewal accepted them when it began (its journal record has the versions).
	sec := newSecrets(stdin, errw)
	var accepted *renew.Acceptance
	if *resume == "" {
		if accepted, err = acceptTerms(profile, *lang, sec, errw); err != nil {
			return err
		}
	}
	h, err := connect(ctx)
	if err != nil {
		return err
	}
	defer h.Close()
	journal := renew.HostJournal{Host: h, Ctx: ctx}

	var rec *renew.Renewal
	if *resume != "" {
		if rec, err = journal.Load(*resume); err != nil {
			return err
		}
		*cardID = rec.Card
	}
	card := hostcard.New(h, *cardID)
	info, err := card.Info(ctx)
	if err != nil {
		return err
	}
	var cert protocol.Certificate
	if rec == nil { // refused before the PIN: nothing typed for a renewal that cannot happen
		if cert, err = pick(info, *role); err != nil {
			return err
		}
		if reason := renew.Eligible(profile, info, cert, time.Now()); reason != nil {
			return errors.New(say(reason.Words()))
		}
	} else if info.Token != nil && info.Token.WriteProtected {
		return errors.New(say(renew.ReasonReadOnly.Words()))
	}
	if profile.Paid && (rec == nil || rec.NeedsAccount(profile)) && *accountID == "" {
		return errors.New("rinnovo a pagamento: indicare --account / paid renewal: give --account")
	}
	pin, err := sec.read("PIN")
	if err != nil {
		return err
	}
	// AC 2014/2018 cards: the PUK too, for the security officer's logins (read after the PIN, one line
	// each on standard input). A resumed renewal asks it again: the journal never has it.
	var logins *renew.Logins
	if info.Family.NeedsPUK || (rec != nil && rec.NeedsPUK) {
		puk, err := sec.read("PUK")
		if err != nil {
			pin.Wipe()
			return err
		}
		logins = &renew.Logins{PIN: append(protocol.Secret(nil), pin...), PUK: puk}
		defer logins.Wipe()
	}
	// Keys that want the PIN for each signature (CKA_ALWAYS_AUTHENTICATE) get the PIN typed once for
	// this renewal (renew.SamePIN): a copy kept until the renewal stops.
	samePIN := append(protocol.Secret(nil), pin...)
	defer samePIN.Wipe()
	if _, err := card.Login(ctx, pin); err != nil { // one try: never retried
		return err
	}
	e := &renew.Engine{
		Card:     card,
		CA:       profile.Client(),
		Profile:  profile,
		Journal:  journal,
		Logins:   logins,
		Accepted: accepted,
		PIN:      renew.SamePIN(samePIN),
		Progress: func(r *renew.Renewal) {
			fmt.Fprintf(errw, "  %s %s\n", r.Step, lastDetail(r))
		},
	}
	if profile.Paid && (rec == nil || rec.NeedsAccount(profile)) {
		pw, err := sec.read("Password del conto / account password")
		if err != nil {
			return err
		}
		defer pw.Wipe()
		e.Account = &renew.Account{ID: *accountID, Password: pw}
	}
	if *abandon != "" {
		if err := e.Abandon(ctx, rec); err != nil {
			return report(out, rec, err)
		}
		fmt.Fprintf(out, "Rinnovo %s annullato: l'autorità è stata avvisata e la tessera ripulita / renewal %s cancelled: the authority was told and the card cleaned\n", rec.ID, rec.ID)
		return nil
	}
	if rec == nil {
		rec, err = e.Begin(ctx, info, cert)
		if err != nil {
			return report(out, rec, err)
		}
	} else if err := e.Run(ctx, rec); err != nil {
		return report(out, rec, err)
	}
	return report(out, rec, nil)
}

// envLang is the language of the environment's locale (POSIX: LC_ALL, then LC_MESSAGES, then LANG):
// "en" for an English locale, else Italian.
func envLang() string {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if l := os.Getenv(v); l != "" {
			if strings.HasPrefix(l, "en") {
				return "en"
			}
			return "it"
		}
	}
	return "it"
}

// termsWords are the questions and the refusal of acceptTerms, per language.
var termsWords = map[string]struct{ terms, privacy, ask, refused string }{
	"it": {"TERMINI DEL SERVIZIO", "INFORMATIVA SULLA PRIVACY", "Accettate i termini del servizio e l'informativa sulla privacy? [s/N] ",
		"termini non accettati: rinnovo annullato, il PIN non è stato chiesto / terms not accepted: renewal cancelled, the PIN was not asked"},
	"en": {"TERMS OF SERVICE", "PRIVACY NOTICE", "Do you accept the terms of service and the privacy notice? [y/N] ",
		"termini non accettati: rinnovo annullato, il PIN non è stato chiesto / terms not accepted: renewal cancelled, the PIN was not asked"},
}

// acceptTerms shows the profile's terms and privacy notice in lang and asks the holder to accept them
// (one line: s, sì, y or yes). A refusal, or no answer, ends the renewal before the PIN.
func acceptTerms(p *renew.Profile, lang string, sec *secrets, errw io.Writer) (*renew.Acceptance, error) {
	w := termsWords[lang]
	fmt.Fprintf(errw, "%s\n\n%s\n\n%s\n\n%s\n\n%s", w.terms, p.Terms.In(lang), w.privacy, p.Privacy.In(lang), w.ask)
	answer, err := sec.line()
	if err != nil {
		return nil, errors.New(w.refused)
	}
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "s", "si", "sì", "y", "yes":
		return p.Accept(lang, time.Now()), nil
	}
	return nil, errors.New(w.refused)
}

func pick(info *protocol.Card, role string) (protocol.Certificate, error) {
	for _, c := range info.Certificates {
		if c.Role == role {
			return c, nil
		}
	}
	return protocol.Certificate{}, fmt.Errorf("nessun certificato %q sulla tessera / no %q certificate on the card", role, role)
}

func lastDetail(r *renew.Renewal) string {
	if len(r.Log) == 0 {
		return ""
	}
	return r.Log[len(r.Log)-1].Detail
}

func report(out io.Writer, r *renew.Renewal, err error) error {
	if errors.Is(err, renew.ErrPending) {
		fmt.Fprintf(out, "Richiesta inoltrata correttamente: riprendere con / request sent: resume with\n  ponte renew --resume %s --profile ...\n", r.ID)
		return nil
	}
	if err != nil {
		if r != nil {
			fmt.Fprintf(out, "rinnovo / renewal %s: %s\n", r.ID, r.Step)
		}
		return err
	}
	exp := ""
	if c, perr := x509.ParseCertificate(r.NewCert); perr == nil {
		exp = itime.Date(c.NotAfter)
	}
	fmt.Fprintf(out, "Certificato rinnovato e attivo — Intestato a %s — Scadenza il %s\n", r.Holder, exp)
	return nil
}

func renewalsCmd(ctx context.Context, args []string, stdin io.Reader, out, errw io.Writer) error {
	if len(args) > 1 && args[0] == "abandon" { // ponte renewals abandon ID --profile P
		return renewCmd(ctx, append([]string{"--abandon", args[1]}, args[2:]...), stdin, out, errw)
	}
	h, err := connect(ctx)
	if err != nil {
		return err
	}
	defer h.Close()
	all, err := renew.HostJournal{Host: h, Ctx: ctx}.List()
	if err != nil {
		return err
	}
	for _, r := range all {
		fmt.Fprintf(out, "%s  %s  %s %s %s  %s\n", r.ID, r.Started.Format(time.RFC3339), r.Card, r.Role, r.Mode, r.Step)
	}
	return nil
}
