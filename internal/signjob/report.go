package signjob

import (
	"crypto/x509"
	"fmt"
	"strings"
	"unicode"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/itime"
	"github.com/ponte-it/ponte/internal/pades"
	"github.com/ponte-it/ponte/internal/revocation"
	"github.com/ponte-it/ponte/internal/revocation/crlreason"
	"github.com/ponte-it/ponte/internal/signview"
	"github.com/ponte-it/ponte/internal/sigverify"
)

// Line is one labelled fact of a verified signature, in one language.
type Line = signview.Line

// SignerView is a verified signature as the page and the report show it.
type SignerView = signview.Signer

var words = map[string][2]string{
	"signer":          {"Firmatario", "Signer"},
	"time":            {"Data e ora", "Date and time"},
	"stamped":         {"(marca temporale verificata)", "(verified time stamp)"},
	"claimed":         {"(dichiarata dal firmatario)", "(claimed by the signer)"},
	"integrity":       {"Integrità", "Integrity"},
	"intact":          {"il contenuto firmato non è stato modificato e la firma è corretta", "the signed content is unchanged and the signature is correct"},
	"broken":          {"NON VALIDA: il contenuto o la firma non corrispondono", "NOT VALID: the content or the signature does not match"},
	"coverage":        {"Copertura", "Coverage"},
	"whole":           {"tutto il documento", "the whole document"},
	"sigsafter":       {"il documento fino a questa firma; dopo sono state aggiunte solo altre firme", "the document up to this signature; only further signatures were added after it"},
	"otherafter":      {"ATTENZIONE: il documento è stato modificato dopo questa firma", "WARNING: the document was changed after this signature"},
	"chain":           {"Certificato", "Certificate"},
	"valid":           {"attendibile (catena verificata)", "trusted (chain verified)"},
	"untrusted":       {"non riconosciuto: nessuna autorità di fiducia lo ha emesso", "not recognised: no trusted authority issued it"},
	"invalid":         {"non valido (scaduto o uso non consentito)", "not valid (expired or misused)"},
	"not-checked":     {"non verificato (nessuna autorità di fiducia configurata)", "not checked (no trusted authority configured)"},
	"revocation":      {"Revoca", "Revocation"},
	"notchecked":      {"non controllata", "not checked"},
	"rev-good":        {"non revocato (risposta OCSP firmata dall'emittente)", "not revoked (OCSP answer signed by the issuer)"},
	"rev-good-crl":    {"non revocato (lista di revoca CRL firmata dall'emittente; servizio OCSP non disponibile)", "not revoked (CRL signed by the issuer; OCSP not available)"},
	"rev-revoked":     {"REVOCATO il %s, motivo: %s", "REVOKED on %s, reason: %s"},
	"rev-before":      {"la firma ha una marca temporale precedente alla revoca e resta valida", "the signature has a time stamp before the revocation and stays valid"},
	"rev-after":       {"la firma non risulta anteriore alla revoca (nessuna marca temporale che lo provi): NON VALIDA", "the signature is not proven to predate the revocation (no time stamp shows it): NOT VALID"},
	"rev-unknown":     {"stato sconosciuto al servizio OCSP", "status unknown to the OCSP responder"},
	"rev-unavail":     {"non verificabile", "could not be checked"},
	"problems":        {"Dettaglio tecnico", "Technical detail"},
	"reasons":         {"Motivi", "Reasons"},
	"warnings":        {"Avvertenze", "Warnings"},
	"etsi":            {"ETSI", "ETSI"},
	"allowedafter":    {"il documento fino a questa firma; dopo sono state fatte modifiche consentite", "the document up to this signature; permitted changes were made after it"},
	"stamp-untrusted": {"Marca temporale", "Time stamp"},
	"valid-warnings":  {"VALIDA CON AVVERTENZE", "VALID WITH WARNINGS"},
	"not-valid":       {"NON VALIDA", "NOT VALID"},
	"cannot-verify":   {"NON VERIFICABILE", "CANNOT BE VERIFIED"},
	"layer":           {"Busta", "Envelope"},
	"layer-n":         {"livello %d di %d (1 = la più esterna; ogni livello contiene il successivo)", "level %d of %d (1 = the outermost; each level contains the next)"},
	"doc-result":      {"Esito del documento", "Document result"},
	"format":          {"Formato", "Format"},
	"repaired":        {"Il file ha riferimenti incrociati danneggiati: letto per scansione.", "The file has damaged cross-references: read by scanning."},
	"result":          {"Esito", "Result"},
	"valid-sig":       {"VALIDA", "VALID"},
	"none":            {"Nessuna firma trovata.", "No signature found."},
	"title":           {"Rapporto di verifica Ponte", "Ponte verification report"},
	"file":            {"File", "File"},
	"signature":       {"Firma", "Signature"},
	"filestamp":       {"Marca temporale del file", "Time stamp of the file"},
	"tsa":             {"Autorità (TSA)", "Authority (TSA)"},
	"imprint":         {"Impronta", "Imprint"},
	"imprint-ok":      {"corrisponde al file marcato (%s)", "matches the time-stamped file (%s)"},
	"imprint-bad":     {"NON corrisponde: il file non è quello marcato", "does NOT match: the file is not the one time-stamped"},
	"stamp-broken":    {"la marca temporale non si verifica", "the time stamp does not verify"},
	"over":            {"Riferita a", "Covers"},
	"over-tsr":        {"il file indicato a parte", "the separate file given"},
	"over-tsd":        {"il documento contenuto nel file .tsd", "the document inside the .tsd"},
	"over-m7m":        {"la busta firmata .p7m (prova che le firme esistevano a quella data)", "the signed .p7m envelope (proves the signatures existed at that time)"},
	"serial":          {"Numero di serie", "Serial number"},
}

func word(k, lang string) string {
	if lang == "en" {
		return words[k][1]
	}
	return words[k][0]
}

// View turns a report into lines in lang: every signature of every nested envelope, outermost first.
func View(r *sigverify.Report, lang string) []SignerView {
	var out []SignerView
	layers := r.Layers()
	for n, l := range layers {
		for _, v := range layerView(l, lang) {
			v.N, v.Layer = len(out)+1, n+1
			if len(layers) > 1 {
				v.Lines = append([]Line{{word("layer", lang), fmt.Sprintf(word("layer-n", lang), n+1, len(layers))}}, v.Lines...)
			}
			out = append(out, v)
		}
	}
	return append(out, stampViews(r, lang, len(out))...)
}

// stampViews are a time-stamped file's time stamps, after the signatures, each titled as such.
func stampViews(r *sigverify.Report, lang string, n int) []SignerView {
	var out []SignerView
	for i := range r.Stamps {
		s := &r.Stamps[i]
		verdict := s.Verdict()
		v := SignerView{N: n + i + 1, Layer: 1, Valid: verdict.ExitCode() == 0, Verdict: string(verdict.Level), Title: word("filestamp", lang)}
		add := func(k, val string) { v.Lines = append(v.Lines, Line{word(k, lang), oneLine(val)}) }
		add("over", word("over-"+string(s.Over), lang))
		switch t := s.Verified; {
		case s.Mismatch():
			add("imprint", word("imprint-bad", lang))
		case t == nil:
			add("imprint", word("stamp-broken", lang))
		default:
			add("tsa", PersonName(t.Signer))
			add("time", t.Info.GenTime.In(itime.Rome).Format("02/01/2006 15:04:05 MST"))
			add("imprint", fmt.Sprintf(word("imprint-ok", lang), t.Info.HashAlg))
			add("serial", t.Info.SerialNumber.String())
			chain := word(string(t.Chain), lang)
			if t.Chain != cms.ChainValid && t.Detail != "" && lang == "en" {
				chain += " (" + t.Detail + ")"
			}
			add("chain", chain)
		}
		v.Lines = append(v.Lines, VerdictLines(verdict, lang)...)
		if s.Err != nil && lang == "en" {
			add("problems", s.Err.Error())
		}
		out = append(out, v)
	}
	return out
}

// layerView is the views of one envelope's (or one PDF's) signatures.
func layerView(r *sigverify.Report, lang string) []SignerView {
	var out []SignerView
	for i := range r.Signers {
		s := &r.Signers[i]
		verdict := s.Verdict()
		v := SignerView{N: i + 1, Valid: verdict.ExitCode() == 0, Verdict: string(verdict.Level)}
		add := func(k, val string) { v.Lines = append(v.Lines, Line{word(k, lang), val}) }
		var cert *x509.Certificate
		if s.PDF != nil {
			cert = s.PDF.Certificate
		} else if s.CMS != nil {
			cert = s.CMS.Certificate
		}
		name := s.Name
		if cert != nil {
			if p := PersonName(cert); p != s.Name {
				name = p + " (" + s.Name + ")"
			}
		}
		add("signer", name)
		if !s.Time.IsZero() {
			how := word("claimed", lang)
			if s.TimeStamped {
				how = word("stamped", lang)
			}
			add("time", s.Time.In(itime.Rome).Format("02/01/2006 15:04:05 MST")+" "+how)
		}
		if s.Integrity {
			add("integrity", word("intact", lang))
		} else {
			add("integrity", word("broken", lang))
		}
		if r.Format == sigverify.FormatPDF {
			// Later changes are named, also after "only further signatures" (a visible one's box).
			c := word("otherafter", lang)
			switch {
			case s.CoversWholeFile:
				c = word("whole", lang)
			case s.LaterChanges == pades.ChangesSignatures:
				c = word("sigsafter", lang)
			case s.LaterChanges == pades.ChangesAllowed:
				c = word("allowedafter", lang)
			}
			if !s.CoversWholeFile && s.PDF != nil && len(s.PDF.Changes) > 0 {
				c += ": " + s.PDF.ChangesText(lang)
			}
			add("coverage", c)
		}
		chain := word(string(s.Chain), lang)
		// The chain's cause is Go's x509 text, English: only the English report shows it (the verdict's
		// reasons say it in Italian).
		if s.Chain != cms.ChainValid && s.ChainDetail != "" && lang == "en" {
			chain += " (" + s.ChainDetail + ")"
		}
		add("chain", chain)
		if cert != nil {
			v.Lines = append(v.Lines, Line{kindWord("kind", lang), certKind(cert, lang)})
		}
		v.Lines = append(v.Lines, trustLines(r, s, lang)...)
		add("revocation", revocationText(s, lang))
		if s.UntrustedStamp != "" {
			add("stamp-untrusted", sigverify.Finding{IT: s.UntrustedStamp, EN: s.UntrustedStampEN}.Text(lang))
		}
		v.Lines = append(v.Lines, VerdictLines(verdict, lang)...)
		// The causes as the libraries state them are English: only the English report shows them.
		if len(s.Problems) > 0 && lang == "en" {
			add("problems", strings.Join(s.Problems, "; "))
		}
		for i := range v.Lines {
			v.Lines[i].Value = oneLine(v.Lines[i].Value)
		}
		out = append(out, v)
	}
	return out
}

// oneLine makes a value one line of visible text: names and causes come from certificates and files the
// signer chose, and a line break, a control character or a bidi override (U+202E, U+2066…, Unicode
// category Cf: UAX #9) could draw a fake verdict line in the report or reorder what the page shows.
// Each such character becomes U+FFFD, so the tampering stays visible.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029' {
			return '\ufffd'
		}
		return r
	}, s)
}

// VerdictLines are a verdict's lines: its reasons, its warnings, the level and the ETSI indication.
func VerdictLines(v sigverify.Verdict, lang string) []Line {
	var out []Line
	if len(v.Reasons) > 0 {
		out = append(out, Line{word("reasons", lang), joinFindings(v.Reasons, lang)})
	}
	if len(v.Warnings) > 0 {
		out = append(out, Line{word("warnings", lang), joinFindings(v.Warnings, lang)})
	}
	etsi := "EN 319 102-1 " + string(v.Indication)
	if v.SubIndication != "" {
		etsi += " / " + v.SubIndication
	}
	return append(out, Line{word("result", lang), LevelText(v.Level, lang)}, Line{word("etsi", lang), etsi})
}

// LevelText is the verdict's word in lang: VALIDA, VALIDA CON AVVERTENZE, NON VALIDA, NON VERIFICABILE.
func LevelText(l sigverify.Level, lang string) string {
	if l == sigverify.LevelValid {
		return word("valid-sig", lang)
	}
	return word(string(l), lang)
}

func joinFindings(fs []sigverify.Finding, lang string) string {
	var parts []string
	for _, f := range fs {
		parts = append(parts, f.Text(lang))
	}
	return strings.Join(parts, "; ")
}

// revocationText says what the OCSP responder answered about s's certificate (RFC 6960).
func revocationText(s *sigverify.Signer, lang string) string {
	r := s.Revocation
	switch r.Status {
	case revocation.Good:
		if r.Source == "crl" {
			return word("rev-good-crl", lang) + " " + r.Responder
		}
		return word("rev-good", lang) + " " + r.Responder
	case revocation.Revoked:
		t := fmt.Sprintf(word("rev-revoked", lang), r.At.In(itime.Rome).Format("02/01/2006 15:04:05 MST"),
			crlreason.ReasonText(r.Reason, lang))
		if s.RevokedWhenSigned() {
			return t + "; " + word("rev-after", lang)
		}
		return t + "; " + word("rev-before", lang)
	case revocation.Unknown:
		return word("rev-unknown", lang) + " " + r.Responder
	case revocation.Unavailable:
		why := r.Detail
		if lang != "en" && r.DetailIT != "" {
			why = r.DetailIT
		}
		return word("rev-unavail", lang) + ": " + why
	}
	return word("notchecked", lang)
}

// ReportText is the downloadable report (and `ponte verify`'s output) in lang.
func ReportText(name string, r *sigverify.Report, lang string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n%s: %s\n%s: %s\n", word("title", lang), word("file", lang), oneLine(name), word("format", lang), r.Format)
	if r.Repaired {
		fmt.Fprintln(&b, word("repaired", lang))
	}
	if lt := ListText(r, lang); lt != "" {
		fmt.Fprintf(&b, "%s: %s\n", word("list", lang), lt)
	}
	views := View(r, lang)
	if len(views) == 0 {
		fmt.Fprintln(&b, word("none", lang))
	}
	doc := r.Verdict()
	fmt.Fprintf(&b, "%s: %s\n", word("doc-result", lang), LevelText(doc.Level, lang))
	if layers := r.Layers(); layers[len(layers)-1].TooDeep { // a reason no signature's lines give
		for _, f := range doc.Reasons {
			fmt.Fprintf(&b, "  %s\n", f.Text(lang))
		}
	}
	for _, v := range views {
		if v.Title != "" {
			fmt.Fprintf(&b, "\n%s\n", v.Title)
		} else {
			fmt.Fprintf(&b, "\n%s %d\n", word("signature", lang), v.N)
		}
		for _, l := range v.Lines {
			fmt.Fprintf(&b, "  %-14s %s\n", l.Label+":", l.Value)
		}
	}
	return b.String()
}
