package certcache

// Status is what the weekly OCSP check (RFC 6960) last learnt about a certificate. It is written by the
// watch (package certwatch, run by extension/background.js) and read by the pages and by
// extension/status.mjs, which decides when the next check is due from Checked and Failures.
type Status struct {
	State     string `json:"state"`               // StatusGood ... StatusUnverified
	Checked   string `json:"checked"`             // RFC 3339: the last attempt
	LastGood  string `json:"lastGood,omitempty"`  // RFC 3339: the last attempt the responder answered
	Failures  int    `json:"failures,omitempty"`  // attempts in a row with no answer that can be trusted
	RevokedAt string `json:"revokedAt,omitempty"` // RFC 3339, StatusRevoked
	Reason    int    `json:"reason,omitempty"`    // RFC 5280 §5.3.1 CRLReason, StatusRevoked
	Responder string `json:"responder,omitempty"` // the OCSP URL asked
	Detail    string `json:"detail,omitempty"`    // why StatusUnverified, "italiano / English"
	// Permission is the host permission (match pattern) the extension lacks for Responder, when that is
	// why it is StatusUnverified (package netperm): the pages offer to grant it.
	Permission string `json:"permission,omitempty"`
}

// States of a status check.
const (
	StatusGood       = "good"       // the responder says not revoked
	StatusRevoked    = "revoked"    // the responder says revoked (RevokedAt, Reason)
	StatusUnknown    = "unknown"    // the responder does not know the certificate
	StatusUnverified = "unverified" // no trustworthy answer this time ("stato non verificato")
	StatusNone       = "none"       // cannot be asked: no OCSP URL in the AIA, or its issuer is not known
)
