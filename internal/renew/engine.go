package renew

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ponte-it/ponte/internal/cmp"
	"github.com/ponte-it/ponte/internal/hostcard"
	"github.com/ponte-it/ponte/internal/netperm"
	"github.com/ponte-it/ponte/internal/protocol"
)

// Card is what a renewal needs from the card: *hostcard.Card, over ponte-host. The card must already be
// logged in (the screens ask the PIN before Begin and before Resume).
type Card interface {
	Info(ctx context.Context) (*protocol.Card, error)
	GenerateKey(ctx context.Context, bits int, label string, alwaysAuth bool) (string, crypto.PublicKey, error)
	Signer(ctx context.Context, key string, pub crypto.PublicKey, pin hostcard.PINFunc) crypto.Signer
	WriteCertificate(ctx context.Context, key, label string, der []byte) error
	DeleteObjects(ctx context.Context, d protocol.DeleteObjects) error
	// Login, LoginSO and Logout are the explicit logins of a card that needs the PUK (officer.go).
	Login(ctx context.Context, pin protocol.Secret) (protocol.PINStatus, error)
	LoginSO(ctx context.Context, puk protocol.Secret) (protocol.PINStatus, error)
	Logout(ctx context.Context) error
}

// Engine runs renewals for one card against one CA profile.
type Engine struct {
	Card    Card
	CA      *cmp.Client
	Profile *Profile
	Journal Journal
	// PIN is asked again for keys with context-specific login (CKA_ALWAYS_AUTHENTICATE).
	PIN hostcard.PINFunc
	// Progress is told of every step as it is saved (the screens' progress list).
	Progress func(r *Renewal)
	// Now defaults to time.Now.
	Now func() time.Time
	// Account is the prepaid account for a paid renewal (Profile.Paid); it is sent inside the protected
	// request (cmp.AccountRegInfo) and never written to the journal.
	Account *Account
	// Logins are the PIN and PUK for a card whose certificates the security officer writes
	// (Renewal.NeedsPUK; officer.go). Held for this Begin or Run only, never in the journal.
	Logins *Logins
	// Accepted is the holder's acceptance of the terms (Profile.Accept), given before the PIN; Begin
	// journals it in the renewal and the request carries it.
	Accepted *Acceptance

	// Owner names whoever runs the engine in the journal's lease (Renewal.Owner): a page sets its own id
	// (NewOwner, once per page), so the page that resumes its renewal after its ponte-host died is not
	// refused by its own lease — it runs one job at a time, its previous run has returned. Empty: a new
	// random id for each Begin, Run and Abandon (`ponte renew`, tests' tabs).
	Owner string

	officerChecked bool   // the PUK was accepted once in this engine's life
	owner          string // this run's id in the lease
}

// NewOwner is a random owner id for the journal's lease.
func NewOwner() string {
	id := make([]byte, 12)
	if _, err := rand.Read(id); err != nil {
		panic(err) // crypto/rand does not fail on a supported platform (Go 1.24)
	}
	return hex.EncodeToString(id)
}

// takeOver starts a run of the engine under its owner id: its saves hold the renewal's lease.
func (e *Engine) takeOver() {
	e.owner = e.Owner
	if e.owner == "" {
		e.owner = NewOwner()
	}
}

// stops are the events saved as a run's last save when it stops without a terminal step: a retriable
// failure waiting for the holder, the CA's "waiting". They release the lease at once (Renewal.Stopped), so
// the next RIPRENDI, in any tab, is not refused; a run that dies without one leaves a lease that ends.
var stops = map[string]bool{"error": true, "waiting": true, "abandon-failed": true, "rollback-failed": true}

// Account is a prepaid account's credentials (seed 002: "credenziali del conto prepagato").
type Account struct {
	ID       string
	Password protocol.Secret
}

var errAccountRequired = NewFailure(CodeAccountRequired)

// NeedsAccount reports whether going on with r under p needs the prepaid account typed again: a paid
// request none of whose answers ever arrived (RFC 9483 §3.5: the CA's nonce is the sign of one) must be
// sent again with the credentials, which are never stored.
func (r *Renewal) NeedsAccount(p *Profile) bool {
	return p.Paid && !r.Step.Terminal() && r.NewCert == nil && (r.Tx == nil || len(r.Tx.ServerNonce) == 0)
}

// ErrPending is returned when the CA has not issued yet: the renewal is saved at StepWaiting and the
// screens offer "Scarica" later (seed 002).
var ErrPending = errors.New("renew: the CA has not issued the certificate yet")

// minFreeBytes is the room a new RSA-2048 key pair and its certificate need on a token that reports its
// free memory (users report "spazio insufficiente" on ID 2019 cards: check before making the key).
const minFreeBytes = 4096

func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

// Begin starts renewing cert on card: it checks eligibility, writes the first journal record and runs.
func (e *Engine) Begin(ctx context.Context, card *protocol.Card, cert protocol.Certificate) (*Renewal, error) {
	if reason := Eligible(e.Profile, card, cert, e.now()); reason != nil {
		return nil, &Failure{Code: "not-eligible-" + reason.Code, Words: reason.Words()}
	}
	if e.Profile.Paid && e.Account == nil {
		return nil, errAccountRequired
	}
	e.takeOver()
	// Best effort: a prune that fails only keeps old finished records a while longer.
	_, _ = Prune(e.Journal, e.now())
	// One renewal per certificate at a time: a second one would make a second new key and supersede the
	// first request at the CA, orphaning the first key. The open one is resumed instead.
	open, err := e.Journal.List()
	if err != nil {
		return nil, err
	}
	if o := OpenFor(open, card.ID, cert); o != nil {
		f := NewFailure(CodeRenewalOpen)
		f.Detail = o.ID
		return nil, f
	}
	if err := e.releaseLeft(ctx, open, card.ID, cert); err != nil {
		return nil, err
	}
	rule, _ := e.Profile.Rule(cert.Role)
	id := make([]byte, 12)
	if _, err := rand.Read(id); err != nil {
		return nil, err
	}
	r := &Renewal{
		ID: hex.EncodeToString(id), Profile: e.Profile.ID, Card: card.ID, Family: card.Family.Sigla,
		Role: cert.Role, Mode: rule.Mode, OldKey: cert.ID, OldCert: cert.DER, OldLabel: cert.Label,
		Step: StepStart, Started: e.now(), Accepted: e.Accepted,
	}
	if card.Holder != nil {
		r.Holder = card.Holder.Surname + " " + card.Holder.Name
	}
	if card.Token != nil {
		r.TokenSerial = card.Token.Serial
	}
	if r.Mode == "rekey" {
		// Named before the key exists, so a rollback after a keygen that failed once the card had made
		// the key still finds it by its label (I4: no orphaned key).
		r.KeyLabel = "ponte-" + r.ID
	}
	// A wrong PUK must cost nothing: it is checked before the first record, key or request.
	if r.NeedsPUK = card.Family.NeedsPUK; r.NeedsPUK {
		if err := e.checkOfficer(ctx); err != nil {
			return nil, err
		}
	}
	// The first record claims the certificate (claimOf): ponte-host writes it only if no other open record
	// claims it, atomically under the journal's lock, so of two RINNOVA pressed at once in two tabs or
	// processes — both past OpenFor above — exactly one goes on; the other has made nothing and sent nothing.
	if err := e.save(r, "begin", fmt.Sprintf("%s %s, profile %s", r.Role, r.Mode, r.Profile)); err != nil {
		if f := lostRace(err); f != nil {
			return nil, f
		}
		return nil, err
	}
	return r, e.run(ctx, r)
}

// Run carries r forward from its recorded step until it is done, failed, waiting at the CA (ErrPending)
// or stopped by a retriable failure (returned as *Failure with Retriable set; Run again later).
//
// Run first takes the renewal over: it saves the journal's latest record of r as "resume" (a
// compare-and-swap), so of two tabs resuming the same record together only one goes on to act on the card
// or the CA; the other gets protocol.ErrRenewalBusy and has done nothing.
//
// The take-over is refused (RENEWAL_BUSY) while another engine's lease on the record is live: one still
// running the renewal, or one that died mid-step less than store.DefaultLease ago.
func (e *Engine) Run(ctx context.Context, r *Renewal) error {
	e.takeOver()
	if err := e.refresh(r); err != nil {
		return err
	}
	if !r.Step.Terminal() {
		if err := e.save(r, "resume", ""); err != nil {
			if f := lostRace(err); f != nil {
				return f
			}
			return err
		}
	}
	return e.run(ctx, r)
}

// run is Run on a record this engine has just saved (Begin, or Run's takeover).
func (e *Engine) run(ctx context.Context, r *Renewal) error {
	e.onCard(r)
	if r.NeedsPUK && !r.Step.Terminal() && !e.officerChecked {
		// A resumed renewal on a card that needs the PUK checks it again before going on.
		if err := e.checkOfficer(ctx); err != nil {
			f := classify(err)
			r.Failure = f
			if serr := e.save(r, "error", f.Error()); serr != nil {
				return serr
			}
			return f
		}
	}
	for i := 0; i < 16 && !r.Step.Terminal(); i++ { // each step moves forward; 16 bounds a bug
		err := e.step(ctx, r)
		if errors.Is(err, ErrPending) {
			return err
		}
		if err != nil {
			if f := lostRace(err); f != nil {
				return f // another engine saved first: the renewal is its now; nothing here to undo or save
			}
			f := classify(err)
			r.Failure = f
			if !f.Retriable && r.Step == StepCleanup {
				// The new certificate is written, verified and confirmed: it is the renewal's result and
				// is never rolled back. Only removing the old objects failed; they stay, and the log says so.
				r.Failure, r.Step = nil, StepDone
				return e.save(r, "cleanup-failed", "old key and certificate left on the card: "+f.Code+" ("+f.Detail+")")
			}
			if !f.Retriable {
				// The rollback destroys (the new key, the new certificate): it is claimed in the journal
				// first, so it can never run once another engine has saved a later step — in particular
				// not against a cleanup, which removes the old key (together: no certificate left, I1).
				if err := e.save(r, "undoing", f.Code); lostRace(err) != nil {
					return errElsewhere
				}
				e.rollback(ctx, r)
				r.Step = StepFailed
			}
			if serr := e.save(r, "error", f.Error()+" ("+f.Detail+")"); serr != nil {
				return serr
			}
			return f
		}
	}
	if !r.Step.Terminal() {
		return fmt.Errorf("renew: renewal %s did not finish (step %s)", r.ID, r.Step)
	}
	return nil
}

// onCard holds the engine's card to r's token: from here every key generation, signature, write and
// deletion carries the serial and ponte-host refuses it on another card (hostcard.Card OnToken). The
// session-open check alone compares with the host's last scan, which a swap between two commands renames
// when the card ID cannot tell the two cards apart: "atr:ATR@reader", a card without EF_IDCarta, is the
// same for every card of a family in that reader. A card named by its EF_IDCarta or token serial is
// already told apart by its ID, and is not held to the serial: another driver installed mid-renewal may
// read another serial for the same card, and the renewal must not become a dead end. A Card other than
// ponte-host's (tests' wrappers) is left as it is.
func (e *Engine) onCard(r *Renewal) {
	if hc, ok := e.Card.(*hostcard.Card); ok && r.TokenSerial != "" && strings.HasPrefix(r.Card, "atr:") {
		e.Card = hc.OnToken(r.TokenSerial)
	}
}

// refresh replaces r with the journal's record of it when the journal holds a later one: the screens load
// a record when RIPRENDI or ANNULLA is pressed and act on it only after the PIN, meanwhile another tab (or
// the command line) may have carried the same renewal on. Acting on the stale copy would redo steps already
// done on the card — a stale request step signs with the old key another tab removed at cleanup, fails, and
// its rollback removed the renewed key (I1). The journal is written before every action (write-ahead), so
// its record is the truth. A record not in the journal (never saved) is used as it is.
func (e *Engine) refresh(r *Renewal) error {
	saved, err := e.Journal.Load(r.ID)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if !sameSave(saved, r) {
		*r = *saved
	}
	return nil
}

// errElsewhere stops a renewal whose journal record another engine (a second tab, the command line) has
// carried on meanwhile: its failure here is not the renewal's, and rolling back would undo the other's work.
var errElsewhere = NewFailure("renewal-elsewhere")

// movedOn reports whether the journal's record of r changed since r was last saved, i.e. another engine
// acted on the same renewal while this one ran (two tabs resuming at once). Checked before a rollback,
// the one action that destroys: the failure may be the other's doing (it removed the old key at cleanup).
// A journal that cannot be read does not stop the rollback.
func (e *Engine) movedOn(r *Renewal) bool {
	saved, err := e.Journal.Load(r.ID)
	return err == nil && !sameSave(saved, r)
}

// sameSave: b is the journal's record a, as of a's last save (every save sets Version, and the engine's
// saves Updated; entries appended to the log between saves, as release does, do not count).
func sameSave(a, b *Renewal) bool {
	return a.Version == b.Version && a.Step == b.Step && a.Updated.Equal(b.Updated)
}

// lostRace is the screens' failure for a journal save that another writer won (ponte-host answered
// protocol.ErrRenewalBusy: the record moved on, or the certificate is claimed by another renewal), or nil
// for any other error. Nothing was written, and the engine must act no further on its copy.
func lostRace(err error) *Failure {
	var perr *protocol.Error
	if errors.As(err, &perr) && perr.Code == protocol.ErrRenewalBusy {
		return classify(perr)
	}
	return nil
}

// put writes r to the journal; a journal that cannot be written is journalWriteFailure.
func (e *Engine) put(r *Renewal) error {
	if err := e.Journal.Save(r); err != nil {
		if lostRace(err) != nil {
			return err // another writer won the compare-and-swap: not a full disk; the caller's lostRace
		}
		return journalWriteFailure(err)
	}
	return nil
}

// journalWriteFailure: the journal cannot be written (disk full, folder not writable, the host's store
// failing). The renewal is write-ahead, so the step whose record was not saved has not acted: it stops
// there, retriable, and is resumed from the journal's last record once the disk has room (I1: nothing
// rolled back, nothing left half-done). Before, the failed save became a final "internal" error, and the
// check before the rollback read the journal's older record as another window's work: the holder was told
// "the renewal went on in another window", or, at the cleanup, the renewal was reported done.
func journalWriteFailure(err error) *Failure {
	return detailed(NewFailure(CodeJournalWrite), err)
}

// advance records the next step before its action runs.
func (e *Engine) advance(r *Renewal, next Step, detail string) error {
	r.Step = next
	r.Failure = nil
	return e.save(r, "step", detail)
}

func (e *Engine) save(r *Renewal, event, detail string) error {
	r.Owner, r.Stopped = e.owner, r.Step.Terminal() || stops[event]
	r.Updated = e.now()
	r.Log = append(r.Log, Entry{Time: r.Updated, Step: r.Step, Event: event, Detail: detail})
	if err := e.put(r); err != nil {
		return err
	}
	if e.Progress != nil {
		e.Progress(r)
	}
	return nil
}

func (e *Engine) step(ctx context.Context, r *Renewal) error {
	switch r.Step {
	case StepStart:
		if r.Mode == "rekey" {
			return e.advance(r, StepKeygen, "")
		}
		old, err := x509.ParseCertificate(r.OldCert)
		if err != nil {
			return err
		}
		spki := old.RawSubjectPublicKeyInfo
		r.NewKey, r.NewPub = r.OldKey, spki
		return e.advance(r, StepRequest, "same key")
	case StepKeygen:
		return e.keygen(ctx, r)
	case StepRequest, StepWaiting:
		return e.request(ctx, r)
	case StepWrite:
		return e.write(ctx, r)
	case StepVerify:
		return e.verify(ctx, r)
	case StepConfirm:
		return e.confirm(ctx, r)
	case StepCleanup:
		return e.cleanup(ctx, r)
	}
	return fmt.Errorf("renew: unknown step %q", r.Step)
}

func (e *Engine) keygen(ctx context.Context, r *Renewal) error {
	rule, _ := e.Profile.Rule(r.Role)
	info, err := e.Card.Info(ctx)
	if err != nil {
		return err
	}
	if info.Token != nil && info.Token.FreeBytes >= 0 && info.Token.FreeBytes < minFreeBytes {
		return protocol.Errorf(protocol.ErrTokenFull, "%d bytes free, a new key and certificate need %d", info.Token.FreeBytes, minFreeBytes)
	}
	// The label is unique to this renewal, and generate-key returns an existing pair with the same
	// label: a keygen interrupted after the card made the key finds it instead of leaving an orphan.
	r.KeyLabel = "ponte-" + r.ID
	// The new key asks the PIN for each signature if the old one did (a qualified signature key).
	key, pub, err := e.Card.GenerateKey(ctx, rule.KeyBits, r.KeyLabel, alwaysAuthenticate(info, r.OldKey))
	if err != nil {
		return err
	}
	spki, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return err
	}
	r.NewKey, r.NewPub = key, spki
	return e.advance(r, StepRequest, "new key "+key)
}

func alwaysAuthenticate(c *protocol.Card, key string) bool {
	for _, x := range c.Certificates {
		if x.ID == key {
			return x.AlwaysAuthenticate
		}
	}
	return false
}

// protection is the old key and certificate: it signs the kur (RFC 9483 §4.1.3) and every later message
// of the transaction (pollReq, certConf).
func (e *Engine) protection(ctx context.Context, r *Renewal) (*cmp.SignatureProtection, *x509.Certificate, error) {
	old, err := x509.ParseCertificate(r.OldCert)
	if err != nil {
		return nil, nil, err
	}
	return &cmp.SignatureProtection{Signer: e.Card.Signer(ctx, r.OldKey, old.PublicKey, e.PIN), Cert: old}, old, nil
}

func (e *Engine) request(ctx context.Context, r *Renewal) error {
	p, old, err := e.protection(ctx, r)
	if err != nil {
		return err
	}
	ca := *e.CA
	// Write-ahead: the transaction is in the journal before any message of it leaves, so an answer lost
	// to a crash is collected by polling the same transaction, never by a second request (and charge).
	ca.BeforeSend = func(tx *cmp.Transaction) error {
		r.Tx = tx
		return e.put(r)
	}
	var res *cmp.Result
	if r.Tx != nil && len(r.Tx.ServerNonce) > 0 {
		res, err = ca.Poll(ctx, r.Tx, p)
	} else {
		// No answer of the transaction ever arrived (the request was lost, or its answer was): send the
		// same request again in the same transaction. A CA that received it answers from its state —
		// the certificate issued, or "waiting" — without deciding or charging again; one that did not
		// treats it as new. A pollReq could not do this: it needs a nonce of the CA's (RFC 9483 §3.5).
		pub, perr := x509.ParsePKIXPublicKey(r.NewPub)
		if perr != nil {
			return perr
		}
		newKey := e.Card.Signer(ctx, r.NewKey, pub, e.PIN) // the proof of possession; PIN if the key wants it
		var req *cmp.Request
		if r.Mode == "rekey" {
			req = cmp.KeyUpdateRequest(old, p.Signer, newKey)
		} else {
			req = cmp.ExtendRequest(old, p.Signer, cmp.BodyKUR)
		}
		req.ImplicitConfirm = e.Profile.ImplicitConfirm
		req.DeferConfirm = true
		if r.Tx != nil {
			req.TransactionID = r.Tx.TransactionID
		}
		if a := r.Accepted; a != nil {
			ri, err := cmp.TermsRegInfo(a.Terms, a.Privacy, a.At)
			if err != nil {
				return err
			}
			req.RegInfo = append(req.RegInfo, ri)
		}
		switch {
		case !e.Profile.Paid:
		case e.Account != nil:
			ri, err := cmp.AccountRegInfo(e.Account.ID, string(e.Account.Password))
			if err != nil {
				return NewFailure("account-invalid", err.Error())
			}
			req.RegInfo = append(req.RegInfo, ri)
		default:
			// A resumed paid renewal none of whose answers arrived: the request may never have reached the
			// CA, which would then know no transaction and refuse it as unpaid ("account o password
			// errati"). The screens ask the account again (it is never saved), as they ask the PIN; a CA
			// that did receive it answers from its state without charging twice. Retriable: the new key
			// stays for the next try.
			return errAccountRequired
		}
		res, err = ca.Enroll(ctx, req)
	}
	if err != nil {
		return err
	}
	if res.Pending != nil {
		r.Tx = res.Pending
		r.Step = StepWaiting
		if err := e.save(r, "waiting", "check after "+res.Pending.CheckAfter.Format(time.RFC3339)); err != nil {
			return err
		}
		return ErrPending
	}
	r.Tx = res.Transaction
	r.Implicit = res.ImplicitlyConfirmed
	if bytes.Equal(res.Cert.Raw, r.OldCert) {
		// Not kept as NewCert: the rollback would revoke it (release) and remove it from the card, and
		// cleanup would remove it as the old one — the card's own valid certificate either way (I1).
		return errOldCertBack
	}
	r.NewCert = res.Cert.Raw
	if err := sameHolder(old, res.Cert); err != nil {
		return err // kept as NewCert: the rollback rejects it at the CA (I2, I3)
	}
	return e.advance(r, StepWrite, fmt.Sprintf("issued serial %x, valid to %s", res.Cert.SerialNumber, res.Cert.NotAfter.Format(time.RFC3339)))
}

// errOldCertBack: the CA answered the renewal with the certificate being renewed (a replay, a CA fault).
// The client must check what it is issued (RFC 9483 §4.1); taken as new, it counted as already written, and
// cleanup removed it as the old one, leaving the card with no certificate for the role.
var errOldCertBack = NewFailure("old-certificate")

// sameHolder: a renewed certificate names the same subject as the one it replaces (RFC 9483 §4.1.3: kur
// renews a certificate, it does not issue one to someone else); one naming another holder is not put on
// this card.
func sameHolder(old, issued *x509.Certificate) error {
	if bytes.Equal(old.RawSubject, issued.RawSubject) {
		return nil
	}
	f := NewFailure("wrong-subject")
	f.Detail = issued.Subject.String()
	return f
}

func (e *Engine) write(ctx context.Context, r *Renewal) error {
	info, err := e.Card.Info(ctx)
	if err != nil {
		return err
	}
	if !hasCert(info, r.NewCert) { // written before an interruption: do not write it twice
		if err := e.asOfficer(ctx, r, func() error { return e.Card.WriteCertificate(ctx, r.NewKey, r.OldLabel, r.NewCert) }); err != nil {
			return err
		}
	}
	return e.advance(r, StepVerify, "certificate on the card")
}

func hasCert(c *protocol.Card, der []byte) bool {
	for _, x := range c.Certificates {
		if bytes.Equal(x.DER, der) {
			return true
		}
	}
	return false
}

// verify: the certificate on the card is the one issued, carries the new key, chains to the profile's
// anchors, and a signature by the card's new key verifies with it.
func (e *Engine) verify(ctx context.Context, r *Renewal) error {
	cert, err := x509.ParseCertificate(r.NewCert)
	if err != nil {
		return err
	}
	if !bytes.Equal(cert.RawSubjectPublicKeyInfo, r.NewPub) {
		return NewFailure("wrong-key")
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: e.Profile.AnchorPool(), CurrentTime: cmp.IssuedCheckTime(e.now(), cert), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		return detailed(NewFailure("untrusted"), err)
	}
	info, err := e.Card.Info(ctx)
	if err != nil {
		return err
	}
	if !hasCert(info, r.NewCert) {
		return e.advance(r, StepWrite, "certificate missing on the card: writing again")
	}
	digest := sha256.Sum256([]byte("Ponte renewal test signature " + r.ID))
	sig, err := e.Card.Signer(ctx, r.NewKey, cert.PublicKey, e.PIN).Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		return err
	}
	if err := verifySignature(cert.PublicKey, digest[:], sig); err != nil {
		return detailed(NewFailure("test-signature"), err)
	}
	if r.Implicit {
		return e.advance(r, StepCleanup, "test signature verified; implicitly confirmed")
	}
	return e.advance(r, StepConfirm, "test signature verified")
}

func verifySignature(pub crypto.PublicKey, digest, sig []byte) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return rsa.VerifyPKCS1v15(k, crypto.SHA256, digest, sig)
	}
	return fmt.Errorf("key type %T", pub)
}

func (e *Engine) confirm(ctx context.Context, r *Renewal) error {
	p, _, err := e.protection(ctx, r)
	if err != nil {
		return err
	}
	cert, err := x509.ParseCertificate(r.NewCert)
	if err != nil {
		return err
	}
	if err := e.CA.Confirm(ctx, r.Tx, p, cert); err != nil {
		return err
	}
	return e.advance(r, StepCleanup, "confirmed")
}

// cleanup removes what the renewed certificate replaces — only now, with the new one written, verified and
// confirmed. A profile may keep the old key and certificate.
func (e *Engine) cleanup(ctx context.Context, r *Renewal) error {
	rule, _ := e.Profile.Rule(r.Role)
	d := protocol.DeleteObjects{Key: r.OldKey, Certificate: r.OldCert}
	if r.Mode == "rekey" {
		if rule.KeepOld {
			d = protocol.DeleteObjects{}
		} else {
			d.PrivateKey, d.PublicKey = true, true
		}
	}
	if d.Key != "" {
		info, err := e.Card.Info(ctx)
		if err != nil {
			return err
		}
		if hasCert(info, r.OldCert) || d.PrivateKey {
			if err := e.remove(ctx, r, d); err != nil && !isNoSuchObject(err) {
				return err
			}
		}
	}
	return e.advance(r, StepDone, "")
}

// rollback undoes what a failed renewal put on the card: the new key and, if written, its certificate.
// The old key and certificate are never touched before cleanup, so the card is as it was (I1, I4). When
// the card refuses, r.RollbackFailed says so: the screens must not say the card is unchanged.
func (e *Engine) rollback(ctx context.Context, r *Renewal) {
	e.reject(ctx, r)
	err := e.undoCard(ctx, r)
	r.RollbackFailed = err != nil
	if err != nil {
		r.Log = append(r.Log, Entry{Time: e.now(), Step: r.Step, Event: "rollback-failed", Detail: err.Error()})
		return
	}
	r.Log = append(r.Log, Entry{Time: e.now(), Step: r.Step, Event: "rollback", Detail: undone(r)})
}

// undone says in the log what undoCard removed. A same-key extension has no new key: its key is the
// card's own, and a log saying "new key <its ID> removed" sent support looking for a key never touched.
func undone(r *Renewal) string {
	switch {
	case r.Mode == "rekey" && r.NewKey != r.OldKey:
		return "new key " + newKeyName(r) + " removed"
	case r.NewCert != nil:
		return "new certificate removed if it was written; the key is the card's own"
	}
	return "nothing of this renewal on the card"
}

// newKeyName names the new key in the log: its CKA_ID, or its label before the keygen answered.
func newKeyName(r *Renewal) string {
	if r.NewKey != "" {
		return r.NewKey
	}
	return r.KeyLabel
}

// undoCard removes the renewal's new objects: the written certificate of an extension, or the new key
// pair (by its CKA_ID, or by its label when the keygen's answer never reached the journal) with its
// certificate. Objects already gone are not an error.
func (e *Engine) undoCard(ctx context.Context, r *Renewal) error {
	var d protocol.DeleteObjects
	switch {
	case r.Mode != "rekey" || r.NewKey == r.OldKey:
		if r.NewCert == nil || r.Mode != "extend" {
			return nil
		}
		d = protocol.DeleteObjects{Key: r.NewKey, Certificate: r.NewCert}
	case r.NewKey != "":
		d = protocol.DeleteObjects{Key: r.NewKey, PrivateKey: true, PublicKey: true, Certificate: r.NewCert}
	case r.KeyLabel != "":
		d = protocol.DeleteObjects{Label: r.KeyLabel, PrivateKey: true, PublicKey: true}
	default:
		return nil
	}
	if err := e.remove(ctx, r, d); err != nil && !isNoSuchObject(err) {
		return err
	}
	return nil
}

// reject tells the CA that a certificate it issued, and the renewal now undoes, is not accepted, so it is
// revoked (and refunded, not counted) rather than left valid for a key that is gone (I2, I3): release.
// Best effort: the outcome goes to the log.
func (e *Engine) reject(ctx context.Context, r *Renewal) {
	if r.NewCert == nil || r.Tx == nil || r.Step == StepCleanup {
		return
	}
	reason := "renewal undone"
	if r.Failure != nil {
		reason = r.Failure.Error()
	}
	err := e.release(ctx, r, reason)
	// Not told (the CA unreachable): the record stays in the card list, and Annulla or the next renewal of
	// this certificate tells the CA (I2: a rejected certificate must not stay counted; I3: nor charged).
	// Not when another engine confirmed it and carried the renewal on (errElsewhere): it is the card's.
	r.ReleasePending = err != nil && !errors.Is(err, errElsewhere)
	if err != nil {
		r.Log = append(r.Log, Entry{Time: e.now(), Step: r.Step, Event: "reject-failed", Detail: err.Error()})
	}
}

func isNoSuchObject(err error) bool {
	var perr *protocol.Error
	return errors.As(err, &perr) && perr.Code == protocol.ErrNoSuchObject
}

// classify turns any error into what the screens show, keeping whether trying again can help.
func classify(err error) *Failure {
	var f *Failure
	var perr *protocol.Error
	var ref *cmp.Refusal
	var cerr *cmp.Error
	switch {
	case errors.As(err, &f):
		return f
	case netperm.As(err) != nil: // before cmp.Error, which wraps it
		d := netperm.As(err)
		np := detailed(NewFailure("no-permission", d.Origin), err)
		np.Permission = d.Pattern
		return np
	case errors.As(err, &perr):
		// A PIN blocked mid-renewal (mistyped elsewhere: another program, another tab) is final for a login
		// screen but not for the renewal: the holder unblocks it with the PUK and resumes. Taken as final, it
		// rolled back a renewal already issued — a rollback that cannot even run, the card refusing every
		// key operation without the PIN — and the holder lost it (I1, I4: stop, touch nothing, resume).
		f := FailureOf(perr)
		f.Retriable = f.Retriable || perr.Code == protocol.ErrPINLocked
		return f
	case errors.As(err, &ref):
		refused := detailed(NewFailure("ca-refused"), ref)
		refused.Words, refused.Retriable = append(refused.Words, ref.Words()...), ref.Retriable()
		return refused
	case errors.As(err, &cerr):
		return &Failure{Code: "ca-" + string(cerr.Code), Words: cerr.Words(), Retriable: cerr.Retriable(), Detail: cerr.Error()}
	case errors.Is(err, hostcard.ErrNoSuchCard):
		return NewFailure(CodeCardAbsent)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded), errors.Is(err, protocol.ErrClosed):
		return detailed(NewFailure("interrupted"), err)
	}
	unexpected := detailed(NewFailure("unexpected"), err)
	unexpected.Code = "internal" // the code screens and records have always used
	return unexpected
}

// detailed sets f's technical detail to err's text.
func detailed(f *Failure, err error) *Failure {
	f.Detail = err.Error()
	return f
}

// FailureOf is the Failure of a card or host error: its code, its words and its retriable flag as the
// host said, and the host's technical message as the detail.
func FailureOf(perr *protocol.Error) *Failure {
	return &Failure{Code: string(perr.Code), Words: perr.Words(), Retriable: perr.Retriable, Detail: perr.Message}
}
