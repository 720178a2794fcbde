package words

import (
	"fmt"
	"strings"
)

// Code is a stable identifier of a failure or of one part of its words. Codes are never renamed (old
// journal records and pages hold them); the words under Key(code) may change at any time.
type Code string

// Area groups the codes by who raises them.
type Area string

// The areas, in the registry's order.
const (
	Host     Area = "host"      // the native host's answers (package protocol)
	CMP      Area = "cmp"       // the CMP client (package cmp)
	CAAnswer Area = "ca-answer" // the words of a CA's refusal (package cmp)
	Renewal  Area = "renewal"   // the renewal engine and its eligibility rules (package renew)
)

// Def is one code of the registry: who raises it and whether trying the same operation again can help
// (Web eID's split into retriable and fatal failures).
type Def struct {
	Code      Code
	Area      Area
	Retriable bool
}

// registry is every code Ponte words, once. Adding a code means adding its row here and its message
// under Key(code) to both _locales (TestRegistryMatchesCatalogues fails otherwise).
var registry = []Def{
	// The host's wire codes (package protocol): the answer's error.code; docs/protocol.md lists them.
	{"BAD_REQUEST", Host, false},
	{"UNKNOWN_COMMAND", Host, false},
	{"TOO_LARGE", Host, false},
	{"VERSION_MISMATCH", Host, false},
	{"HELLO_REQUIRED", Host, false},
	{"ORIGIN_REFUSED", Host, false},
	{"INTERNAL", Host, false},
	{"PCSC_UNAVAILABLE", Host, true},
	{"NO_READER", Host, true},
	{"NO_CARD", Host, true},
	{"CARD_REMOVED", Host, true},
	{"CARD_BUSY", Host, true},
	{"CARD_UNREADABLE", Host, false},
	{"MODULE_MISSING", Host, false},
	{"MODULE_FAILED", Host, true},
	{"PIN_INCORRECT", Host, true},
	{"PIN_LOCKED", Host, false},
	{"PIN_INVALID", Host, true},
	{"PIN_CANCELLED", Host, true},
	{"PUK_INCORRECT", Host, true},
	{"PUK_LOCKED", Host, false},
	{"NOT_LOGGED_IN", Host, true},
	{"NO_SUCH_OBJECT", Host, false},
	{"TOKEN_FULL", Host, false},
	{"UNSUPPORTED", Host, false},
	{"RENEWAL_BUSY", Host, true},
	// The CMP client's failures (package cmp, RFC 9810/9811): the CA's answer could not be used.
	{"CMP_MALFORMED", CMP, false},
	{"CMP_TRANSPORT", CMP, true},
	{"CMP_NOT_CMP_ENDPOINT", CMP, false},
	{"CMP_UNPROTECTED", CMP, false},
	{"CMP_BAD_PROTECTION", CMP, false},
	{"CMP_UNTRUSTED_SIGNER", CMP, false},
	{"CMP_UNAUTHORIZED_SIGNER", CMP, false},
	{"CMP_REDIRECT", CMP, false},
	{"CMP_INSECURE_URL", CMP, false},
	{"CMP_TRANSACTION_MISMATCH", CMP, false},
	{"CMP_NONCE_MISMATCH", CMP, false},
	{"CMP_CERTREQID_MISMATCH", CMP, false},
	{"CMP_UNEXPECTED_BODY", CMP, false},
	{"CMP_WRONG_PUBLIC_KEY", CMP, false},
	{"CMP_UNTRUSTED_CERT", CMP, false},
	{"CMP_BAD_POP", CMP, false},
	{"CMP_UNSUPPORTED", CMP, false},
	{"CMP_BAD_INPUT", CMP, false},
	// What a CA's refusal says (package cmp): PKIFailureInfo bits and ponte-ca's reasons (RFC 9810 §5.2.3), the status.
	{"failInfo.badAlg", CAAnswer, false},
	{"failInfo.badMessageCheck", CAAnswer, false},
	{"failInfo.badRequest", CAAnswer, false},
	{"failInfo.badTime", CAAnswer, false},
	{"failInfo.badCertId", CAAnswer, false},
	{"failInfo.badDataFormat", CAAnswer, false},
	{"failInfo.wrongAuthority", CAAnswer, false},
	{"failInfo.incorrectData", CAAnswer, false},
	{"failInfo.missingTimeStamp", CAAnswer, false},
	{"failInfo.badPOP", CAAnswer, false},
	{"failInfo.certRevoked", CAAnswer, false},
	{"failInfo.certConfirmed", CAAnswer, false},
	{"failInfo.wrongIntegrity", CAAnswer, false},
	{"failInfo.badRecipientNonce", CAAnswer, false},
	{"failInfo.timeNotAvailable", CAAnswer, false},
	{"failInfo.unacceptedPolicy", CAAnswer, false},
	{"failInfo.unacceptedExtension", CAAnswer, false},
	{"failInfo.addInfoNotAvailable", CAAnswer, false},
	{"failInfo.badSenderNonce", CAAnswer, false},
	{"failInfo.badCertTemplate", CAAnswer, false},
	{"failInfo.signerNotTrusted", CAAnswer, false},
	{"failInfo.transactionIdInUse", CAAnswer, false},
	{"failInfo.unsupportedVersion", CAAnswer, false},
	{"failInfo.notAuthorized", CAAnswer, false},
	{"failInfo.systemUnavail", CAAnswer, false},
	{"failInfo.systemFailure", CAAnswer, false},
	{"failInfo.duplicateCertReq", CAAnswer, false},
	{"reason.maxLifetimeReached", CAAnswer, false},
	{"reason.renewalWindowNotOpen", CAAnswer, false},
	{"reason.certificateExpired", CAAnswer, false},
	{"reason.alreadyRenewed", CAAnswer, false},
	{"reason.certificateRevoked", CAAnswer, false},
	{"reason.unknownCertificate", CAAnswer, false},
	{"reason.badAccount", CAAnswer, false},
	{"reason.insufficientBalance", CAAnswer, false},
	{"reason.keyReuseNotAllowed", CAAnswer, false},
	{"reason.extensionNotAllowed", CAAnswer, false},
	{"reason.keyTooSmall", CAAnswer, false},
	{"reason.keyAlgorithmNotAllowed", CAAnswer, false},
	{"ca-rejected", CAAnswer, false},
	{"ca-waiting", CAAnswer, false},
	{"ca-status", CAAnswer, false},
	{"ca-says", CAAnswer, false},
	// The renewal's failures and why a certificate is not renewable (package renew); the journal stores these.
	{"renewal-closed", Renewal, false},
	{"abandon-too-late", Renewal, false},
	{"journal-write", Renewal, true},
	{"abandoned", Renewal, false},
	{"abandon-card", Renewal, true},
	{"abandon-waiting", Renewal, true},
	{"account-required", Renewal, true},
	{"account-invalid", Renewal, false},
	{"renewal-open", Renewal, false},
	{"renewal-elsewhere", Renewal, true},
	{"old-certificate", Renewal, false},
	{"wrong-subject", Renewal, false},
	{"wrong-key", Renewal, false},
	{"untrusted", Renewal, false},
	{"test-signature", Renewal, false},
	{"no-permission", Renewal, true},
	{"ca-refused", Renewal, false},
	{"card-absent", Renewal, true},
	{"interrupted", Renewal, true},
	{"unexpected", Renewal, false},
	{"puk-required", Renewal, true},
	{"puk-wrong-nothing-changed", Renewal, true},
	{"puk-locked-no-renewal", Renewal, false},
	{"puk-final-try", Renewal, true},
	{"puk-count-low", Renewal, true},
	{"login-failed", Renewal, false},
	{"resume-missing", Renewal, true},
	{"host-lost", Renewal, false},
	{"not-eligible-no-rule", Renewal, false},
	{"not-eligible-unreadable", Renewal, false},
	{"not-eligible-other-issuer", Renewal, false},
	{"not-eligible-family", Renewal, false},
	{"not-eligible-expired", Renewal, false},
	{"not-eligible-too-early", Renewal, false},
	{"not-eligible-no-key", Renewal, false},
	{"not-eligible-read-only", Renewal, false},
	{"not-eligible-open", Renewal, false},
}

var index = func() map[Code]Def {
	m := make(map[Code]Def, len(registry))
	for _, d := range registry {
		m[d.Code] = d
	}
	return m
}()

// Lookup returns code's row of the registry.
func Lookup(code Code) (Def, bool) {
	d, ok := index[code]
	return d, ok
}

// Retriable reports whether trying again can help after a failure with this code (false when unknown).
func (c Code) Retriable() bool { return index[c].Retriable }

// Registry lists the codes of area (all codes when area is ""), in registry order.
func Registry(area Area) []Def {
	var out []Def
	for _, d := range registry {
		if area == "" || d.Area == area {
			out = append(out, d)
		}
	}
	return out
}

// Table is the Markdown table of area's codes: code, retriable, the Italian and the English words
// (docs/protocol.md is generated from it).
func Table(area Area, it, en *Catalog) string {
	var b strings.Builder
	b.WriteString("| code | retriable | Italiano | English |\n|---|---|---|---|\n")
	for _, d := range Registry(area) {
		fmt.Fprintf(&b, "| `%s` | %v | %s | %s |\n", d.Code, d.Retriable, it.Say(M(d.Code)), en.Say(M(d.Code)))
	}
	return b.String()
}
