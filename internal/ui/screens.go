package ui

// The screens, as typed constants: internal/app moves between them, the views compare them with their
// names (a named string type compares equal to the literal in the templates' eq).

// FlowScreen is a screen of the renewal (Flow), seeds 000 and 002.
type FlowScreen string

const (
	FlowTerms     FlowScreen = "terms"
	FlowPrivacy   FlowScreen = "privacy"
	FlowPIN       FlowScreen = "pin"
	FlowProgress  FlowScreen = "progress"
	FlowWaiting   FlowScreen = "waiting"
	FlowSuccess   FlowScreen = "success"
	FlowFailure   FlowScreen = "failure"
	FlowAbandoned FlowScreen = "abandoned"
)

// SignScreen is a screen of the Firma page (SignState).
type SignScreen string

const (
	SignChoose  SignScreen = "choose"  // file and options
	SignWorking SignScreen = "working" // reading and hashing
	SignWarn    SignScreen = "warn"    // the certificate's warnings, accepted or cancelled before any PIN
	SignConfirm SignScreen = "confirm" // certificate and PIN
	SignCtxPIN  SignScreen = "ctxpin"  // the signature key asks the PIN again (CKA_ALWAYS_AUTHENTICATE)
	SignSigning SignScreen = "signing"
	SignTSFail  SignScreen = "tsfail" // the TSA failed after the card signed
	SignDone    SignScreen = "done"
	SignError   SignScreen = "error"
)

// ConsentScreen is a screen of the consent window (Consent).
type ConsentScreen string

const (
	ConsentLoading ConsentScreen = "loading"
	ConsentConfirm ConsentScreen = "confirm" // origin, certificate, digest, PIN
	ConsentCtxPIN  ConsentScreen = "ctxpin"
	ConsentSigning ConsentScreen = "signing"
	ConsentDone    ConsentScreen = "done"
	ConsentFailed  ConsentScreen = "failed" // answered to the page with Code
	ConsentExpired ConsentScreen = "expired"
)
