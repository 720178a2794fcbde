package sigverify

import (
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"strings"
	"time"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/itime"
	"github.com/ponte-it/ponte/internal/pades"
	"github.com/ponte-it/ponte/internal/revocation"
	"github.com/ponte-it/ponte/internal/revocation/crlreason"
)

// Level is the one verdict vocabulary of the page, the report and `ponte verify`.
type Level string

const (
	LevelValid        Level = "valid"          // VALIDA / VALID
	LevelWarnings     Level = "valid-warnings" // VALIDA CON AVVERTENZE / VALID WITH WARNINGS
	LevelNotValid     Level = "not-valid"      // NON VALIDA / NOT VALID
	LevelCannotVerify Level = "cannot-verify"  // NON VERIFICABILE / CANNOT BE VERIFIED
)

// rank orders levels from best to worst: a document gets the worst of its signatures.
var rank = map[Level]int{LevelValid: 0, LevelWarnings: 1, LevelCannotVerify: 2, LevelNotValid: 3}

// Indication is the main status of ETSI EN 319 102-1 §5.1.3 (table 4).
type Indication string

const (
	TotalPassed   Indication = "TOTAL-PASSED"
	Indeterminate Indication = "INDETERMINATE"
	TotalFailed   Indication = "TOTAL-FAILED"
)

// Sub-indications used (EN 319 102-1 §5.1.3 tables 5 and 6).
const (
	SubFormatFailure    = "FORMAT_FAILURE"
	SubHashFailure      = "HASH_FAILURE"
	SubSigCryptoFailure = "SIG_CRYPTO_FAILURE"
	SubRevoked          = "REVOKED"
	SubExpired          = "EXPIRED"
	SubNotYetValid      = "NOT_YET_VALID"
	SubNoSigningCert    = "NO_SIGNING_CERTIFICATE_FOUND"
	SubNoChain          = "NO_CERTIFICATE_CHAIN_FOUND"
	SubChainConstraints = "CHAIN_CONSTRAINTS_FAILURE"
	SubOutOfBoundsNoPOE = "OUT_OF_BOUNDS_NO_POE"
	SubCryptoNoPOE      = "CRYPTO_CONSTRAINTS_FAILURE_NO_POE"
	SubTryLater         = "TRY_LATER"
	SubSigConstraints   = "SIG_CONSTRAINTS_FAILURE"
)

// Finding is one reason for a verdict, in both languages (the report picks its language's only).
type Finding struct {
	IT, EN string
}

// Text is the finding in lang.
func (f Finding) Text(lang string) string {
	if lang == "en" {
		return f.EN
	}
	return f.IT
}

// Verdict is one signature's (or a whole document's) outcome: the level the user reads, the ETSI
// EN 319 102-1 indication and sub-indication, the reasons for it and the warnings that do not change it.
type Verdict struct {
	Level         Level
	Indication    Indication
	SubIndication string
	Reasons       []Finding // why the level is not VALIDA (empty for VALIDA and VALIDA CON AVVERTENZE)
	Warnings      []Finding // what a VALIDA CON AVVERTENZE (or worse) verdict also notes
}

// ExitCode is `ponte verify`'s status for the verdict: 0 valid (with or without warnings), 1 not valid,
// 2 cannot be verified (docs/signing.md, "Verdicts and exit codes").
func (v Verdict) ExitCode() int {
	switch v.Level {
	case LevelValid, LevelWarnings:
		return 0
	case LevelNotValid:
		return 1
	}
	return 2
}

// Algorithm policy (ETSI TS 119 312; see docs/signing.md, "Algorithms"): a signature made with SHA-1, or
// with an RSA key under 2048 bits, is accepted only when a trusted time stamp proves it existed before the
// date from which the algorithm is no longer acceptable for signatures.
var (
	PolicySHA1Until    = time.Date(2012, 8, 1, 0, 0, 0, 0, time.UTC)
	PolicyRSA1024Until = time.Date(2016, 12, 31, 0, 0, 0, 0, time.UTC)
)

// PolicyRule names the algorithm rule applied (shown in the report).
const PolicyRule = "ETSI TS 119 312"

// MinRSABits is the smallest RSA modulus accepted without a proof of an earlier time.
const MinRSABits = cms.MinRSABits

// verdictBuilder collects the worst outcome while the checks run.
type verdictBuilder struct{ v Verdict }

func (b *verdictBuilder) fail(l Level, ind Indication, sub string, f Finding) {
	if rank[l] > rank[b.v.Level] {
		b.v.Level, b.v.Indication, b.v.SubIndication = l, ind, sub
	}
	b.v.Reasons = append(b.v.Reasons, f)
}

func (b *verdictBuilder) warn(f Finding) {
	if b.v.Level == LevelValid {
		b.v.Level = LevelWarnings
	}
	b.v.Warnings = append(b.v.Warnings, f)
}

func day(t time.Time) string { return t.In(itime.Rome).Format("02/01/2006 15:04 MST") }

// Verdict is the signature's outcome, computed here only: every view (page, report, CLI) renders it.
func (s *Signer) Verdict() Verdict {
	b := &verdictBuilder{v: Verdict{Level: LevelValid, Indication: TotalPassed}}
	s.integrityVerdict(b)
	s.changesVerdict(b)
	s.chainVerdict(b)
	s.revocationVerdict(b)
	s.algorithmVerdict(b)
	s.attributesVerdict(b)
	s.timeVerdict(b)
	// A failure of any kind outranks what the level says so far; keep the indication consistent.
	switch b.v.Level {
	case LevelValid, LevelWarnings:
		b.v.Indication, b.v.SubIndication = TotalPassed, ""
	}
	return b.v
}

// integrityVerdict: the signed bytes and the signature value (EN 319 102-1 §5.2.7, §5.2.2, §5.2.3).
func (s *Signer) integrityVerdict(b *verdictBuilder) {
	res := s.cmsResult()
	switch {
	case s.PDF != nil && !s.PDF.ByteRangeOK:
		b.fail(LevelNotValid, TotalFailed, SubFormatFailure, Finding{
			"la struttura della firma nel PDF non è corretta (ByteRange)", "the signature's structure in the PDF is wrong (ByteRange)"})
	case res != nil && res.Certificate == nil:
		b.fail(LevelCannotVerify, Indeterminate, SubNoSigningCert, Finding{
			"il certificato del firmatario non è nella firma", "the signer's certificate is not in the signature"})
	case res != nil && !res.DigestOK:
		b.fail(LevelNotValid, TotalFailed, SubHashFailure, Finding{
			"il contenuto è stato modificato dopo la firma (l'impronta non corrisponde)", "the content was changed after signing (the digest does not match)"})
	case res != nil && !res.SignatureOK:
		b.fail(LevelNotValid, TotalFailed, SubSigCryptoFailure, Finding{
			"il valore della firma non corrisponde al certificato", "the signature value does not verify with the certificate"})
	case !s.Integrity:
		b.fail(LevelNotValid, TotalFailed, SubFormatFailure, Finding{
			"la firma non è leggibile o non corrisponde al contenuto", "the signature cannot be read or does not match the content"})
	}
}

// changesVerdict: PDF updates after the signed revision (EN 319 142-1 §5.4 / ISO 32000-1 §12.8.2).
func (s *Signer) changesVerdict(b *verdictBuilder) {
	it, en := s.changeDetails("it"), s.changeDetails("en")
	switch s.LaterChanges {
	case pades.ChangesOther:
		b.fail(LevelNotValid, TotalFailed, SubFormatFailure, Finding{
			"la versione firmata è integra ma il documento è stato MODIFICATO dopo la firma" + it,
			"the signed revision is intact but the document was MODIFIED after signing" + en})
	case pades.ChangesAllowed:
		b.warn(Finding{"dopo la firma sono state fatte modifiche consentite dal documento" + it,
			"changes the document permits were made after signing" + en})
	}
}

// changeDetails lists the PDF's later changes in one language, after a colon; "" when there are none.
func (s *Signer) changeDetails(lang string) string {
	if s.PDF == nil || len(s.PDF.Changes) == 0 {
		return ""
	}
	return ": " + s.PDF.ChangesText(lang)
}

// chainVerdict: the certificate path at the validation time (EN 319 102-1 §5.2.6, §5.6.2.1).
func (s *Signer) chainVerdict(b *verdictBuilder) {
	cert := s.certificate()
	switch s.Chain {
	case cms.ChainValid:
		return
	case cms.ChainNotChecked:
		b.fail(LevelCannotVerify, Indeterminate, SubNoChain, Finding{
			"nessuna autorità di fiducia configurata: il certificato non è stato verificato", "no trusted authority configured: the certificate was not checked"})
		return
	case cms.ChainUntrusted:
		b.fail(LevelCannotVerify, Indeterminate, SubNoChain, Finding{
			"il certificato non è emesso da un'autorità di fiducia", "the certificate was not issued by a trusted authority"})
		return
	}
	at := s.ValidationTime
	if cert == nil {
		b.fail(LevelCannotVerify, Indeterminate, SubChainConstraints, Finding{"certificato non valido", "certificate not valid"})
		return
	}
	dates := fmt.Sprintf("%s – %s", day(cert.NotBefore), day(cert.NotAfter))
	switch {
	case at.Before(cert.NotBefore):
		b.fail(LevelNotValid, TotalFailed, SubNotYetValid, Finding{
			"il certificato non era ancora valido al " + day(at) + " (validità " + dates + ")",
			"the certificate was not yet valid on " + day(at) + " (validity " + dates + ")"})
	case at.After(cert.NotAfter) && s.TimeStamped:
		b.fail(LevelNotValid, TotalFailed, SubExpired, Finding{
			"il certificato era già scaduto alla data della marca temporale " + day(at) + " (validità " + dates + ")",
			"the certificate had already expired at the time stamp's date " + day(at) + " (validity " + dates + ")"})
	case at.After(cert.NotAfter) || strings.Contains(s.ChainDetail, "expired"):
		b.fail(LevelCannotVerify, Indeterminate, SubOutOfBoundsNoPOE, Finding{
			"il certificato è scaduto (validità " + dates + ") e nessuna marca temporale attendibile prova che la firma sia anteriore alla scadenza; la data dichiarata dal firmatario non è una prova",
			"the certificate has expired (validity " + dates + ") and no trusted time stamp proves the signature predates the expiry; the date the signer claims is no proof"})
	default:
		b.fail(LevelCannotVerify, Indeterminate, SubChainConstraints, Finding{
			"il certificato non può essere usato per firmare (uso non consentito o catena non valida)", "the certificate may not be used for signing (usage not allowed or invalid chain)"})
	}
}

// revocationVerdict: the signer's certificate status at the validation time (EN 319 102-1 §5.2.5,
// §5.6.2.1). A revocation is overcome only by a trusted time stamp before it. Ponte is stricter than the
// standard's INDETERMINATE/REVOKED_NO_POE: without such a proof a revoked certificate is NOT VALID.
func (s *Signer) revocationVerdict(b *verdictBuilder) {
	s.signerRevocationVerdict(b)
	for _, ca := range s.CARevocation {
		r := ca.Result
		switch {
		case r.Status == revocation.Revoked && (!s.TimeStamped || !s.Time.Before(r.At)):
			b.fail(LevelNotValid, TotalFailed, SubRevoked, Finding{
				"il certificato dell'autorità " + ca.Name + " è revocato dal " + day(r.At) + " e nessuna marca temporale attendibile prova che la firma sia anteriore",
				"the certificate of the authority " + ca.Name + " is revoked since " + day(r.At) + " and no trusted time stamp proves the signature predates it"})
		case r.Status == revocation.Unknown, r.Status == revocation.Unavailable:
			b.fail(LevelCannotVerify, Indeterminate, SubTryLater, Finding{
				"stato di revoca dell'autorità " + ca.Name + " non verificabile: " + r.DetailIT,
				"revocation status of the authority " + ca.Name + " could not be checked: " + r.Detail})
		}
	}
}

func (s *Signer) signerRevocationVerdict(b *verdictBuilder) {
	r := s.Revocation
	switch r.Status {
	case revocation.Revoked:
		when := fmt.Sprintf(" %s (%s)", day(r.At), crlreason.ReasonText(r.Reason, "it"))
		whenEN := fmt.Sprintf(" %s (%s)", day(r.At), crlreason.ReasonText(r.Reason, "en"))
		if !s.RevokedWhenSigned() {
			b.warn(Finding{"certificato revocato il" + when + ", dopo la marca temporale attendibile del " + day(s.Time),
				"certificate revoked on" + whenEN + ", after the trusted time stamp of " + day(s.Time)})
			return
		}
		if s.TimeStamped {
			b.fail(LevelNotValid, TotalFailed, SubRevoked, Finding{
				"il certificato era già revocato il" + when + ", prima della marca temporale del " + day(s.Time),
				"the certificate was already revoked on" + whenEN + ", before the time stamp of " + day(s.Time)})
			return
		}
		b.fail(LevelNotValid, TotalFailed, SubRevoked, Finding{
			"il certificato è revocato dal" + when + " e nessuna marca temporale attendibile prova che la firma sia anteriore",
			"the certificate is revoked since" + whenEN + " and no trusted time stamp proves the signature predates it"})
	case revocation.Unknown:
		b.fail(LevelCannotVerify, Indeterminate, SubTryLater, Finding{
			"il servizio OCSP non conosce il certificato", "the OCSP responder does not know the certificate"})
	case revocation.Unavailable:
		// EN 319 102-1 §5.2.5: no acceptable revocation information is INDETERMINATE / TRY_LATER. Not a
		// warning: whoever controls the network can make OCSP and CRL unreachable, and a revoked
		// certificate would then pass. Only --offline (NotChecked, the user's choice) is a warning.
		b.fail(LevelCannotVerify, Indeterminate, SubTryLater, Finding{
			"stato di revoca non verificabile, riprovare più tardi: " + r.DetailIT, "revocation status could not be checked, try later: " + r.Detail})
	case revocation.NotChecked:
		b.warn(Finding{"stato di revoca non controllato", "revocation status not checked"})
	}
}

// algorithmVerdict applies the algorithm policy (ETSI TS 119 312): SHA-1 and RSA under 2048 bits only
// with a trusted time stamp before the policy date (EN 319 102-1 §5.2.8, CRYPTO_CONSTRAINTS_FAILURE_NO_POE).
func (s *Signer) algorithmVerdict(b *verdictBuilder) {
	res := s.cmsResult()
	if res == nil || res.Certificate == nil {
		return
	}
	check := func(weak bool, until time.Time, it, en string) {
		if !weak {
			return
		}
		if s.TimeStamped && s.Time.Before(until) {
			b.warn(Finding{it + ": ammesso perché una marca temporale attendibile prova la firma anteriore al " + day(until) + " (" + PolicyRule + ")",
				en + ": accepted because a trusted time stamp proves the signature predates " + day(until) + " (" + PolicyRule + ")"})
			return
		}
		b.fail(LevelCannotVerify, Indeterminate, SubCryptoNoPOE, Finding{
			it + ": non ammesso per firme non provate anteriori al " + day(until) + " (" + PolicyRule + ")",
			en + ": not accepted for signatures not proven older than " + day(until) + " (" + PolicyRule + ")"})
	}
	sha1 := res.Hash == crypto.SHA1 || res.SigAlg == x509.SHA1WithRSA || res.SigAlg == x509.ECDSAWithSHA1
	check(sha1, PolicySHA1Until, "algoritmo SHA-1", "SHA-1 algorithm")
	if k, ok := res.Certificate.PublicKey.(*rsa.PublicKey); ok {
		bits := k.N.BitLen()
		check(bits < MinRSABits, PolicyRSA1024Until, fmt.Sprintf("chiave RSA di %d bit (minimo %d)", bits, MinRSABits),
			fmt.Sprintf("RSA key of %d bits (minimum %d)", bits, MinRSABits))
	}
	check(s.weakCA != "", PolicyRSA1024Until, fmt.Sprintf("chiave RSA di %d bit dell'autorità %s (minimo %d)", s.weakCABits, s.weakCA, MinRSABits),
		fmt.Sprintf("RSA key of %d bits of the authority %s (minimum %d)", s.weakCABits, s.weakCA, MinRSABits))
}

// attributesVerdict: the CAdES-BES signing-certificate(-v2) attribute (EN 319 122-1 §5.2.2, RFC 5035)
// binds the signer's certificate: missing, the signature is VALID WITH WARNINGS; naming another
// certificate, the signer cannot be identified (EN 319 102-1 §5.2.3).
func (s *Signer) attributesVerdict(b *verdictBuilder) {
	res := s.cmsResult()
	if res == nil || res.Certificate == nil {
		return
	}
	switch res.SigningCertRef {
	case cms.RefMismatch:
		b.fail(LevelCannotVerify, Indeterminate, SubNoSigningCert, Finding{
			"l'attributo signing-certificate indica un certificato diverso da quello del firmatario",
			"the signing-certificate attribute names a certificate other than the signer's"})
	case cms.RefAbsent:
		b.warn(Finding{"manca l'attributo signing-certificate (CAdES-BES, ETSI EN 319 122-1): il certificato non è legato alla firma",
			"the signing-certificate attribute is missing (CAdES-BES, ETSI EN 319 122-1): the certificate is not bound to the signature"})
	}
}

// timeVerdict: a time stamp that is present but not trusted is reported and not used as a time.
func (s *Signer) timeVerdict(b *verdictBuilder) {
	if s.UntrustedStamp != "" || s.UntrustedStampEN != "" {
		b.warn(Finding{"marca temporale non attendibile, non usata come prova del tempo: " + s.UntrustedStamp,
			"untrusted time stamp, not used as proof of time: " + s.UntrustedStampEN})
	}
}

// cmsResult is the CMS verification behind the signature (nil for a PDF document time stamp).
func (s *Signer) cmsResult() *cms.SignerResult {
	if s.PDF != nil {
		return s.PDF.CMS
	}
	return s.CMS
}

// Verdict is the document's outcome: the worst of its signatures, in every nested envelope (no
// signature: NON VERIFICABILE).
func (r *Report) Verdict() Verdict {
	var worst *Verdict
	take := func(v Verdict) {
		if worst == nil || rank[v.Level] > rank[worst.Level] {
			worst = &v
		}
	}
	for i := range r.Stamps {
		take(r.Stamps[i].Verdict())
	}
	for _, l := range r.Layers() {
		if l == r && len(r.Stamps) > 0 && len(r.Signers) == 0 {
			continue // a .tsr or .tsd: its own verdict is its time stamps'
		}
		take(l.layerVerdict())
	}
	if deepest := r.Layers()[len(r.Layers())-1]; deepest.TooDeep && rank[LevelCannotVerify] > rank[worst.Level] {
		return Verdict{Level: LevelCannotVerify, Indication: Indeterminate, SubIndication: SubFormatFailure,
			Reasons: []Finding{{fmt.Sprintf("più di %d buste annidate: le firme più interne non sono verificate", maxLayers),
				fmt.Sprintf("more than %d nested envelopes: the innermost signatures are not verified", maxLayers)}}}
	}
	return *worst
}

func (r *Report) layerVerdict() Verdict {
	if len(r.Signers) == 0 {
		return Verdict{Level: LevelCannotVerify, Indication: Indeterminate, SubIndication: SubFormatFailure,
			Reasons: []Finding{{"nessuna firma trovata", "no signature found"}}}
	}
	worst := r.Signers[0].Verdict()
	for i := range r.Signers[1:] {
		if v := r.Signers[i+1].Verdict(); rank[v.Level] > rank[worst.Level] {
			worst = v
		}
	}
	return worst
}
