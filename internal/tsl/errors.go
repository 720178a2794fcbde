package tsl

import (
	"fmt"

	"github.com/ponte-it/ponte/internal/signerr"
)

// Error codes of the trusted list (signerr.Error codes, so the UI and the CLI show them like the other
// verification errors).
const (
	CodeMalformed     signerr.Code = "TSL_MALFORMED"      // not a TS 119 612 list, or over a size bound
	CodeBadSignature  signerr.Code = "TSL_BAD_SIGNATURE"  // missing, broken or unsupported XML signature
	CodeUnknownSigner signerr.Code = "TSL_UNKNOWN_SIGNER" // signed, but not by a pinned certificate
	CodeTerritory     signerr.Code = "TSL_TERRITORY"      // SchemeTerritory is not the expected one
	CodeFetch         signerr.Code = "TSL_FETCH"          // could not download it and no cached copy
	CodeOld           signerr.Code = "TSL_ROLLBACK"       // older sequence number than the copy we hold
)

func malformed(format string, a ...any) error {
	cause := fmt.Errorf(format, a...)
	return signerr.New(CodeMalformed,
		"L'elenco di fiducia non è un elenco ETSI TS 119 612 leggibile: "+cause.Error()+".",
		"The trusted list is not a readable ETSI TS 119 612 list: "+cause.Error()+".", cause)
}

func badSignature(cause error) error {
	return signerr.New(CodeBadSignature,
		"La firma dell'elenco di fiducia non è valida: l'elenco potrebbe essere stato alterato e non viene usato.",
		"The trusted list's signature is not valid: the list may have been altered and is not used.", cause)
}

func unknownSigner(cause error) error {
	return signerr.New(CodeUnknownSigner,
		"L'elenco di fiducia è firmato da un certificato che non è quello atteso dell'operatore (AgID): non viene usato.",
		"The trusted list is signed by a certificate other than the operator's (AgID) expected one: it is not used.", cause)
}

func wrongTerritory(got, want string) error {
	return signerr.New(CodeTerritory,
		fmt.Sprintf("L'elenco di fiducia è del territorio %q, non di %q: non viene usato.", got, want),
		fmt.Sprintf("The trusted list is for territory %q, not %q: it is not used.", got, want), nil)
}
