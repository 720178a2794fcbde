package renew

import (
	"strings"
	"time"

	"github.com/ponte-it/ponte/internal/cmp"
	"github.com/ponte-it/ponte/internal/words"
)

// Step is where a renewal is. The journal records the step BEFORE its action runs (write-ahead), so on
// resume the engine knows which action may have half-happened and checks the card and the CA before
// doing it again.
type Step string

const (
	StepStart   Step = "start"   // eligible, terms and privacy accepted, PIN given
	StepKeygen  Step = "keygen"  // generating the new key on the card (rekey)
	StepRequest Step = "request" // the CMP request is going to the CA (its transaction saved first)
	StepWaiting Step = "waiting" // the CA said "waiting": download later (seed 002, phase 2 "Scarica")
	StepWrite   Step = "write"   // certificate received and checked; writing it on the card
	StepVerify  Step = "verify"  // the new certificate carries the new key, chains, and a test signature verifies
	StepConfirm Step = "confirm" // certConf to the CA (unless implicitly confirmed)
	StepCleanup Step = "cleanup" // removing the old key and certificate, per profile — only now
	StepDone    Step = "done"    // "Certificato rinnovato e attivo"
	StepFailed  Step = "failed"  // refused or rejected; the card is as it was before (new key removed)
)

// NeedsAttention reports whether the card list must show r: still open, failed with its new objects left
// on the card, or failed with its certificate not yet released at the CA (its "Annulla il rinnovo" cleans
// the card and tells the CA).
func (r *Renewal) NeedsAttention() bool {
	return !r.Step.Terminal() || r.RollbackFailed || r.ReleasePending
}

// Terminal reports whether nothing more will happen to the renewal.
func (s Step) Terminal() bool { return s == StepDone || s == StepFailed }

// Renewal is one renewal's journal record.
type Renewal struct {
	ID      string `json:"id"`
	Profile string `json:"profile"`
	Card    string `json:"card"`   // card ID
	Family  string `json:"family"` // sigla, for the log and the "reinsert" advice
	Holder  string `json:"holder"` // "SURNAME NAME", for the screens
	Role    string `json:"role"`   // "cns" or "signature"
	Mode    string `json:"mode"`   // "rekey" or "extend"
	// NeedsPUK: the card's certificates are written by the security officer (officer.go). The flag only:
	// the PUK itself is never in the journal, and a resumed renewal asks for it again.
	NeedsPUK bool `json:"needsPUK,omitempty"`
	// Accepted: the terms and privacy versions the holder accepted before the PIN, and when; sent with
	// the request as the CA's evidence (cmp.TermsRegInfo).
	Accepted *Acceptance `json:"accepted,omitempty"`

	// TokenSerial is the PKCS#11 token serial of the card the renewal began on: every card command of the
	// renewal carries it and ponte-host refuses the command on another token (a card swapped in the reader
	// for one of the same family between two commands; engine.onCard).
	TokenSerial string `json:"tokenSerial,omitempty"`

	OldKey   string `json:"oldKey"`   // CKA_ID of the key being renewed
	OldCert  []byte `json:"oldCert"`  // DER
	OldLabel string `json:"oldLabel"` // CKA_LABEL of the old certificate, reused for the new one

	NewKey   string `json:"newKey,omitempty"`       // CKA_ID of the new key (rekey) or OldKey (extend)
	NewPub   []byte `json:"newPublicKey,omitempty"` // DER SubjectPublicKeyInfo
	KeyLabel string `json:"keyLabel,omitempty"`     // label the new key is generated with, to find it again

	Tx       *cmp.Transaction `json:"transaction,omitempty"`
	NewCert  []byte           `json:"newCert,omitempty"`
	Implicit bool             `json:"implicitlyConfirmed,omitempty"`

	// RollbackFailed: a failed renewal could not remove its new objects from the card. The old
	// certificate is still there and usable (I1), but the card is not as it was: the screens say so and
	// offer "Annulla il rinnovo" again instead of "La tessera non è stata modificata".
	RollbackFailed bool `json:"rollbackFailed,omitempty"`
	// ReleasePending: a failed renewal's rollback could not tell the CA that the certificate it issued is
	// not used (the CA unreachable during the rollback). Until it is told, that certificate stays valid
	// (implicitly confirmed: counted toward the allowance; paid: charged) for a key the rollback removed
	// (I2, I3). Annulla il rinnovo, or the next Begin for the same certificate, tells it (Engine.releaseLeft).
	ReleasePending bool `json:"releasePending,omitempty"`

	// Version is the journal's version of this record as this copy last read or wrote it. A save writes
	// Version+1 and ponte-host refuses it (protocol.ErrRenewalBusy) unless the journal still holds
	// Version: two tabs or processes acting on one renewal cannot both save (host/store Put).
	Version int64 `json:"version,omitempty"`
	// Claim names the certificate an open renewal holds (claimOf), "" once it is finished: ponte-host
	// refuses a new record claiming a certificate another record already claims, so two RINNOVA pressed
	// at once make one renewal, not two requests to the CA.
	Claim string `json:"claim,omitempty"`
	// Owner is the random id of the engine run that last saved the record, and Stopped says that run has
	// stopped (done, failed, waiting at the CA, or a retriable failure waiting for the holder). While its
	// owner runs, ponte-host holds the record for it (a lease on the host's clock, host/store Put): another
	// tab's RIPRENDI or ANNULLA is RENEWAL_BUSY until the owner stops or its lease ends, so it cannot repeat
	// the step the owner is doing between two saves.
	Owner   string `json:"owner,omitempty"`
	Stopped bool   `json:"stopped,omitempty"`
	// LeaseUntil is when the owner's lease ends, on ponte-host's clock: written by the host at each save
	// of a running owner, read here only (whatever a save sends, the host dates it again).
	LeaseUntil *time.Time `json:"leaseUntil,omitempty"`

	Step    Step      `json:"step"`
	Failure *Failure  `json:"failure,omitempty"` // the last error, retriable or final
	Log     []Entry   `json:"log"`
	Started time.Time `json:"started"`
	Updated time.Time `json:"updated"`
}

// Failure is an error as the screens show it. The journal keeps its words as codes and parameters
// (Words, package words), never as rendered text: a record shows the catalogue's current words.
type Failure struct {
	Code  string          `json:"code"`
	Words []words.Message `json:"words,omitempty"`
	// IT and EN are the rendered text records written before Words (Ponte ≤ 0.9) kept; they are read,
	// as a fallback, and never written.
	IT        string `json:"it,omitempty"`
	EN        string `json:"en,omitempty"`
	Retriable bool   `json:"retriable"`
	Detail    string `json:"detail,omitempty"`
	// Permission is the host permission (match pattern) the extension lacks to reach the CA (package
	// netperm): the failure screen offers to grant it and try again.
	Permission string `json:"permission,omitempty"`
}

// NewFailure is the Failure of code worded by the registry's message of the same code, with its retriable
// flag.
func NewFailure(code words.Code, params ...string) *Failure {
	return &Failure{Code: string(code), Words: []words.Message{words.M(code, params...)}, Retriable: code.Retriable()}
}

// Error is technical English: the code and the codes of its words (when they say more), with their
// parameters.
func (f *Failure) Error() string {
	if len(f.Words) == 0 {
		return f.Code + ": " + f.EN
	}
	var parts []string
	for _, m := range f.Words {
		if string(m.Code) != f.Code || len(m.Params) > 0 { // the failure's own code says it already
			parts = append(parts, m.String())
		}
	}
	if len(parts) == 0 {
		return f.Code
	}
	return f.Code + ": " + strings.Join(parts, " ")
}

// Text renders the failure in cat's language; a record from before Words shows the text it stored.
func (f *Failure) Text(cat *words.Catalog) string {
	switch {
	case len(f.Words) > 0:
		return cat.Say(f.Words...)
	case cat.Lang == "en" && f.EN != "":
		return f.EN
	case f.IT != "":
		return f.IT
	}
	return f.Code
}
