package signjob

import (
	"fmt"
	"strings"

	"github.com/ponte-it/ponte/internal/itime"
	"github.com/ponte-it/ponte/internal/sigverify"
)

// trustWords are the report's words about trust anchors and the AgID list (merged into words).
var trustWords = map[string][2]string{
	"anchor":      {"Fonte di fiducia", "Trust anchor"},
	"src-test":    {"ancore di prova (--anchors)", "test anchors (--anchors)"},
	"src-profile": {"profilo CA di Ponte", "Ponte CA profile"},
	"src-tsl":     {"qualificato (elenco AgID)", "qualified (AgID list)"},
	"qualified":   {"Qualificazione", "Qualification"},
	"qkind":       {"Firma qualificata", "Qualified signature"},
	"qk-qualified-signature": {"sì: il certificato si dichiara qualificato per firme (QCStatements: QcCompliance, QcType esign) e l'elenco AgID qualifica la sua CA per le firme",
		"yes: the certificate declares itself qualified for signatures (QCStatements: QcCompliance, QcType esign) and the AgID list qualifies its CA for signatures"},
	"qk-qualified-seal": {"no: è un sigillo elettronico qualificato (QcType eseal) di una persona giuridica, non la firma di una persona",
		"no: it is a qualified electronic seal (QcType eseal) of a legal person, not a person's signature"},
	"qk-seal": {"no: è un sigillo elettronico (QcType eseal), non qualificato", "no: it is an electronic seal (QcType eseal), not qualified"},
	"qk-not-qualified": {"no: il certificato non si dichiara qualificato per firme (QCStatements) o l'elenco AgID non lo conferma",
		"no: the certificate does not declare itself qualified for signatures (QCStatements) or the AgID list does not confirm it"},
	"qk-sscd":        {" (chiave in un dispositivo qualificato, QcSSCD)", " (key in a qualified device, QcSSCD)"},
	"q-yes":          {"CA qualificata sull'elenco AgID: %s (%s)", "qualified CA on the AgID list: %s (%s)"},
	"q-no":           {"non qualificato: l'autorità che ha emesso il certificato non è sull'elenco AgID come CA qualificata", "not qualified: the authority that issued the certificate is not a qualified CA on the AgID list"},
	"q-status":       {"non qualificato: %s (%s) è sull'elenco AgID ma non con stato \"granted\" come CA/QC in quella data", "not qualified: %s (%s) is on the AgID list but not granted as a CA/QC at that date"},
	"q-unknown":      {"non verificabile: elenco AgID non disponibile", "cannot be checked: AgID list not available"},
	"list":           {"Elenco di fiducia", "Trusted list"},
	"list-info":      {"AgID n. %d del %s, scaricato il %s", "AgID no. %d of %s, downloaded on %s"},
	"list-cache":     {" (copia in cache)", " (cached copy)"},
	"list-stale":     {"; non aggiornato ora: %s", "; not refreshed now: %s"},
	"list-expired":   {"; ATTENZIONE: elenco scaduto (prossimo aggiornamento previsto il %s)", "; WARNING: list expired (next update was due on %s)"},
	"list-none":      {"non usato", "not used"},
	"list-error":     {"non disponibile: %s", "not available: %s"},
	"list-expired-s": {"elenco scaduto", "list expired"},
}

func init() {
	for k, v := range trustWords {
		if _, dup := words[k]; dup {
			panic("signjob: word " + k + " defined twice")
		}
		words[k] = v
	}
}

// trustLines are the "trust anchor" and "qualification" lines of a signer.
func trustLines(r *sigverify.Report, s *sigverify.Signer, lang string) []Line {
	var out []Line
	if s.AnchorSource != sigverify.SourceNone {
		out = append(out, Line{word("anchor", lang), word("src-"+string(s.AnchorSource), lang)})
	}
	q := s.Qualification
	var text string
	switch {
	case q.Checked && q.Qualified():
		text = fmt.Sprintf(word("q-yes", lang), q.Match.Service, q.Match.Provider)
	case q.Checked && q.Match != nil:
		text = fmt.Sprintf(word("q-status", lang), q.Match.Service, q.Match.Provider)
	case q.Checked:
		text = word("q-no", lang)
	case r.TrustedListErr != nil:
		text = word("q-unknown", lang)
	default:
		return out // the list was not used
	}
	if r.TrustedList != nil && r.TrustedList.Expired {
		text += " (" + word("list-expired-s", lang) + ")"
	}
	out = append(out, Line{word("qualified", lang), text})
	if k := q.Kind(); k != sigverify.KindUnknown {
		kind := word("qk-"+string(k), lang)
		if q.Cert.SSCD && k != sigverify.KindNotQualified {
			kind += word("qk-sscd", lang)
		}
		out = append(out, Line{word("qkind", lang), kind})
	}
	return out
}

// ListText is the report's line about the AgID list: which one, when downloaded, cached, stale, expired,
// or why it is not available ("" when no list was asked for).
func ListText(r *sigverify.Report, lang string) string {
	l := r.TrustedList
	if l == nil {
		if r.TrustedListErr == nil {
			return ""
		}
		return fmt.Sprintf(word("list-error", lang), errText(r.TrustedListErr, lang))
	}
	var b strings.Builder
	fmt.Fprintf(&b, word("list-info", lang), l.List.SequenceNumber, l.List.Issued.In(itime.Rome).Format("02/01/2006"),
		l.Fetched.In(itime.Rome).Format("02/01/2006 15:04"))
	if l.FromCache {
		b.WriteString(word("list-cache", lang))
	}
	if l.Stale != nil {
		fmt.Fprintf(&b, word("list-stale", lang), errText(l.Stale, lang))
	}
	if l.Expired {
		fmt.Fprintf(&b, word("list-expired", lang), l.List.NextUpdate.In(itime.Rome).Format("02/01/2006"))
	}
	return b.String()
}
