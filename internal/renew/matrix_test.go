package renew_test

// The fault matrix of docs/renewal.md: every fault point against the renewal's profiles — {free, paid} ×
// {implicit, explicit confirmation} × {new key, same key} × {CNS, qualified signature} × {PIN, PIN+PUK} —
// each cell run on the real ponte-host child, SoftHSM token and ponte-ca, then recovered as a holder would
// (retry, resume, or Annulla il rinnovo), then judged by invariants I1–I5 read from the token's objects
// (OpenSC's pkcs11-tool) and ponte-ca's SQLite books, never from the engine's messages.
//
// `make test` runs the whole product (352 cells) on a few workers side by side, each with its own worlds:
// a ponte-ca (SQLite books, loopback port), a SoftHSM token per login kind and, for PIN+PUK, its own
// pcscd with the card in a vpcd reader; hosts get their world's environment explicitly. A world's token
// is provisioned once and copied back before each cell, so no cell pays for SoftHSM's key generation but
// the renewal's own. PONTE_MATRIX=pairwise runs only a strength-2 covering array (every pair of values of
// any two dimensions; 6 rows per fault, flipped per fault) for a quick look.

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/ca"
	"github.com/ponte-it/ponte/internal/ca/profile"
	"github.com/ponte-it/ponte/internal/cmp"
	"github.com/ponte-it/ponte/internal/hostcard"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/renew"
	"github.com/ponte-it/ponte/internal/testkit/testbed"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// config is one column of the matrix.
type config struct {
	paid, implicit, sameKey, signature, puk bool
}

func (c config) String() string {
	pick := func(b bool, yes, no string) string {
		if b {
			return yes
		}
		return no
	}
	return strings.Join([]string{pick(c.paid, "paid", "free"), pick(c.implicit, "implicit", "explicit"),
		pick(c.sameKey, "samekey", "newkey"), pick(c.signature, "signature", "cns"), pick(c.puk, "pinpuk", "pin")}, "/")
}

func (c config) role() string {
	if c.signature {
		return "signature"
	}
	return "cns"
}

// serverProfile is the ponte-ca profile of a column: renewals without a per-certificate allowance (every
// cell renews the same restored certificate; I2 is read from the books instead), no delay.
func (c config) serverProfile() string {
	name := "mx-free"
	if c.paid {
		name = "mx-paid"
	}
	if c.sameKey {
		return name + "-extend"
	}
	return name + "-rekey"
}

// The fault points (docs/renewal.md, "The fault matrix").
const (
	fBeforeSend    = "before-send"    // the request never reaches the CA
	fCADown        = "ca-down"        // the CA unreachable as the request goes
	fAnswerLost    = "answer-lost"    // the CA issued (and charged); its answer is lost
	fWriteFails    = "write-fails"    // the card refuses the certificate (final)
	fVerifyFails   = "verify-fails"   // the test signature with the new key does not verify (final)
	fCertConfLost  = "certconf-lost"  // certConf's answer is lost
	fHostKilled    = "host-killed"    // ponte-host killed as the certificate is about to be written
	fCardRemoved   = "card-removed"   // the card pulled as the verification begins
	fBrowserClosed = "browser-closed" // everything stops; resumed later from the journal
	fCARestarted   = "ca-restarted"   // ponte-ca restarted between issuance and confirmation
	fAbandon       = "abandon"        // the holder cancels the open renewal
)

var faultPoints = []string{fBeforeSend, fCADown, fAnswerLost, fWriteFails, fVerifyFails, fCertConfLost,
	fHostKilled, fCardRemoved, fBrowserClosed, fCARestarted, fAbandon}

// impossible says why a cell cannot exist ("" when it can).
func impossible(c config, fault string) string {
	if fault == fCertConfLost && c.implicit {
		return "implicit confirmation sends no certConf"
	}
	return ""
}

// pairwise is a strength-2 covering array of the five dimensions: every pair of values of any two of
// them is in some row.
var pairwise = [][5]bool{
	{false, false, false, false, false}, {false, false, false, false, true}, {false, true, true, true, false},
	{true, false, true, true, false}, {true, true, false, true, true}, {true, true, true, false, true},
}

// cells lists the matrix to run: every configuration for every fault or, with PONTE_MATRIX=pairwise, the
// covering array per fault (each fault's rows flipped by its index, which keeps the covering). PIN+PUK
// cells, the slower ones (a card in a reader), come first so the workers end together.
func cells() []matrixCell {
	var out []matrixCell
	for k, fault := range faultPoints {
		if os.Getenv("PONTE_MATRIX") != "pairwise" {
			for i := 0; i < 32; i++ {
				out = append(out, matrixCell{config{i&1 != 0, i&2 != 0, i&4 != 0, i&8 != 0, i&16 != 0}, fault})
			}
			continue
		}
		for _, r := range pairwise {
			flip := func(i int) bool { return r[i] != (k>>i&1 != 0) }
			out = append(out, matrixCell{config{flip(0), flip(1), flip(2), flip(3), flip(4)}, fault})
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].puk && !out[b].puk })
	return out
}

// matrixWorkers is how many cells run at once: one more than the CPUs (a cell also waits on the CA, pcscd
// and the host's pipes), between 2 and 4; PONTE_MATRIX_WORKERS overrides.
func matrixWorkers() int {
	if n, err := strconv.Atoi(os.Getenv("PONTE_MATRIX_WORKERS")); err == nil && n > 0 {
		return n
	}
	return min(4, max(2, runtime.NumCPU()+1))
}

type matrixCell struct {
	config
	fault string
}

func (c matrixCell) name() string { return c.fault + "/" + c.config.String() }

// TestFaultMatrix runs every cell and prints one line per cell; a failing cell names itself. The worlds
// are made first, one after the other (provisioning sets SOFTHSM2_CONF for this process); then each
// worker takes cells from one queue and runs them on its own worlds, so two cells never share a token,
// a CA's books or a pcscd.
func TestFaultMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("the fault matrix runs the real host, token and CA")
	}
	list := cells()
	workers := make([]map[bool]*matrixWorld, min(matrixWorkers(), len(list)))
	for i := range workers {
		workers[i] = map[bool]*matrixWorld{}
		for _, c := range list {
			if workers[i][c.puk] == nil {
				workers[i][c.puk] = newMatrixWorld(t, c.puk)
			}
		}
	}
	queue := make(chan matrixCell, len(list))
	for _, c := range list {
		queue <- c
	}
	close(queue)
	start := time.Now()
	var wg sync.WaitGroup
	for _, worlds := range workers {
		wg.Add(1)
		go func() { // t.Run may be called from several goroutines at once (testing.T.Run)
			defer wg.Done()
			for c := range queue {
				t.Run(c.name(), func(t *testing.T) { runCell(t, worlds[c.puk], c) })
			}
		}()
	}
	wg.Wait()
	t.Logf("%d cells on %d workers in %s", len(list), len(workers), time.Since(start).Round(time.Second))
}

// runCell runs one cell, or says why it cannot exist, and prints its line.
func runCell(t *testing.T, m *matrixWorld, c matrixCell) {
	if why := impossible(c.config, c.fault); why != "" {
		t.Logf("CELL %-48s skip: %s", c.name(), why)
		t.Skip(why)
	}
	start := time.Now()
	defer func() { // one line per cell, also after a Fatal
		status := "ok"
		if t.Failed() {
			status = "FAIL"
		}
		t.Logf("CELL %-48s %s (%s)", c.name(), status, time.Since(start).Round(100*time.Millisecond))
	}()
	m.runCell(t, c)
}

// matrixWorld is one provisioned token (PIN, or PIN+PUK on an AC family card through pcscd) with both
// certificates inside their renewal window, ponte-ca with the matrix's profiles, and a copy of the token
// to restore before each cell.
type matrixWorld struct {
	*world
	hostBin  string
	puk      bool
	snapshot string
	tokenDir string
	keys     int // private keys on the provisioned token, as pkcs11-tool lists them (every cell starts from it)
}

func newMatrixWorld(t *testing.T, puk bool) *matrixWorld {
	o := testbed.Options{SigLeft: 30 * 24 * time.Hour}
	if puk {
		o.Family = "AC"
	}
	w := newWorld(t, testbed.Choice{Server: "cns", Mode: "rekey"}, o)
	for _, paid := range []bool{false, true} {
		for _, mode := range []profile.Mode{profile.ModeRekey, profile.ModeExtend} {
			p := *w.bed.CA.Profiles["cns"]
			p.Name = config{paid: paid, sameKey: mode == profile.ModeExtend}.serverProfile()
			p.Roles = []profile.Role{profile.RoleCNS, profile.RoleSignature}
			p.Mode, p.DelaySeconds, p.RenewalsPerCertificate, p.MaxRenewals, p.ImplicitConfirm = mode, 0, 0, 0, nil
			p.Price = 0
			if paid {
				p.Price = 500
			}
			if err := w.bed.CA.AddProfile(&p); err != nil {
				t.Fatal(err)
			}
		}
	}
	m := &matrixWorld{world: w, hostBin: testenv.Build(t, "host", "ponte-host"), puk: puk}
	dirs, _ := filepath.Glob(filepath.Join(w.bed.Dir, "softhsm", "tokens", "*"))
	if len(dirs) != 1 {
		t.Fatalf("token directories %v, want one", dirs)
	}
	m.tokenDir, m.snapshot = dirs[0], filepath.Join(t.TempDir(), "token")
	m.keys = len(parseObjects(listObjects(t, w.bed)).keys)
	m.host.Close()
	if out, err := exec.Command("cp", "-a", m.tokenDir, m.snapshot).CombinedOutput(); err != nil {
		t.Fatalf("copying the token: %v\n%s", err, out)
	}
	return m
}

// reset puts the provisioned token back and starts a host logged in with the PIN.
func (m *matrixWorld) reset(t *testing.T) {
	t.Helper()
	m.host.Close()
	if m.bed.Slot != nil { // a cell that stopped with the card out puts it back
		if err := m.bed.Slot.Insert(15 * time.Second); err != nil && !strings.Contains(err.Error(), "already inserted") {
			t.Fatal(err)
		}
	}
	for _, d := range []string{m.tokenDir, m.tokenDir + ".out"} { // also a token left "removed"
		if err := os.RemoveAll(d); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command("cp", "-a", m.snapshot, m.tokenDir).CombinedOutput(); err != nil {
		t.Fatalf("restoring the token: %v\n%s", err, out)
	}
	// A fresh journal too: each cell is the first renewal of the restored card.
	if err := os.RemoveAll(filepath.Join(m.bed.Dir, "state", "ponte", "renewals")); err != nil {
		t.Fatal(err)
	}
	m.start(t, m.hostBin)
}

// cellRun is one cell's state: the engines it makes, what was on the card and at the CA before.
type cellRun struct {
	*matrixWorld
	t        *testing.T
	c        matrixCell
	profile  *renew.Profile
	info     *protocol.Card
	old      protocol.Certificate
	before   map[string]bool // CA serials before the cell
	balance  int64
	renewals int
}

func (m *matrixWorld) runCell(t *testing.T, c matrixCell) {
	m.reset(t)
	data, err := m.bed.CA.ClientProfile(c.serverProfile(), map[bool]string{false: "rekey", true: "extend"}[c.sameKey])
	if err != nil {
		t.Fatal(err)
	}
	p, err := renew.ParseProfile(data)
	if err != nil {
		t.Fatal(err)
	}
	p.ImplicitConfirm = c.implicit
	r := &cellRun{matrixWorld: m, t: t, c: c, profile: p}
	r.info, r.old = m.cert(t, c.role())
	// Every cell may spend (the CA's books are shared by the cells): enough for two renewals.
	if err := m.bed.CA.Store.Credit(context.Background(), m.bed.Account, 1000); err != nil {
		t.Fatal(err)
	}
	r.before = r.serials()
	r.balance = balanceOf(t, m.world)
	r.renewals = r.caRenewals()
	want := r.inject()
	r.check(want)
}

// engine is what the screens build for one attempt: the PIN typed (also for keys that want it at each
// signature), the PUK on a card that needs it, the account on a paid profile (typed again every time).
func (r *cellRun) engine() *renew.Engine {
	e := &renew.Engine{Card: r.card, Profile: r.profile, Journal: r.journal, PIN: renew.SamePIN(protocol.Secret(testbed.PIN)),
		CA: &cmp.Client{URL: r.profile.URL, Anchors: r.profile.AnchorPool(), MaxWait: 30 * time.Second}}
	if r.c.paid {
		e.Account = &renew.Account{ID: r.bed.Account, Password: protocol.Secret(r.bed.Password)}
	}
	if r.puk {
		e.Logins = &renew.Logins{PIN: protocol.Secret(testbed.PIN), PUK: protocol.Secret(testbed.PUK)}
	}
	return e
}

// fresh is the PIN typed again and the record from the journal: how the screens resume. The host is a new
// one only where the fault took it (killed, the browser closed, the card pulled); elsewhere the screens
// resume on the host they have.
func (r *cellRun) fresh(id string) *renew.Renewal {
	r.t.Helper()
	switch r.c.fault {
	case fHostKilled, fBrowserClosed, fCardRemoved:
		r.host.Close()
		r.start(r.t, r.hostBin)
	default:
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := r.card.Login(ctx, protocol.Secret(testbed.PIN)); err != nil {
			r.t.Fatal(err)
		}
	}
	rec, err := r.journal.Load(id)
	if err != nil {
		r.t.Fatalf("the journal lost the renewal: %v", err)
	}
	return rec
}

func ctx2() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 2*time.Minute)
}

// begin is Begin as the holder lives it: when the renewal stops asking for the PIN again (relogin), the
// PIN is typed and the same engine goes on, its fault still armed.
func (r *cellRun) begin(ctx context.Context, e *renew.Engine, info *protocol.Card, old protocol.Certificate) (*renew.Renewal, error) {
	rec, err := e.Begin(ctx, info, old)
	return rec, r.relogin(ctx, e, rec, err)
}

// relogin: a renewal stopped by NOT_LOGGED_IN ("Serve il PIN": the host ended the PIN login, on a
// card-removed event as pcscd re-detects the virtual card) is what the holder answers by typing the PIN
// and going on (docs/renewal.md, "A login that ends mid-renewal"); at most twice a cell, and the cell's log
// says so. Any other outcome is returned as it is.
func (r *cellRun) relogin(ctx context.Context, e *renew.Engine, rec *renew.Renewal, err error) error {
	var f *renew.Failure
	for i := 0; i < 2 && rec != nil && errors.As(err, &f) && f.Code == string(protocol.ErrNotLoggedIn); i++ {
		r.t.Logf("the PIN login ended at %s (%s): PIN typed again", rec.Step, f.Detail)
		if _, lerr := r.card.Login(ctx, protocol.Secret(testbed.PIN)); lerr != nil {
			return lerr
		}
		err = e.Run(ctx, rec)
	}
	return err
}

// interrupted runs Begin expecting it to stop with a retriable failure, and returns the record's ID.
func (r *cellRun) interrupted(ctx context.Context, e *renew.Engine) string {
	r.t.Helper()
	rec, err := r.begin(ctx, e, r.info, r.old)
	if rec == nil {
		r.t.Fatalf("Begin: %v", err)
	}
	var f *renew.Failure
	if err == nil || (errors.As(err, &f) && !f.Retriable) {
		r.t.Fatalf("want an interruption, got %v at %s\n%s", err, rec.Step, renew.DiagnosticLog(rec))
	}
	return rec.ID
}

// resume runs a record again with a fresh engine; it must finish.
func (r *cellRun) resume(ctx context.Context, rec *renew.Renewal) *renew.Renewal {
	r.t.Helper()
	e := r.engine()
	if err := r.relogin(ctx, e, rec, e.Run(ctx, rec)); err != nil {
		r.t.Fatalf("resuming from %s: %v\n%s", rec.Step, err, renew.DiagnosticLog(rec))
	}
	return rec
}

// retry is the holder starting again after a final failure: a new renewal of the same certificate.
func (r *cellRun) retry(ctx context.Context, failed *renew.Renewal) *renew.Renewal {
	r.t.Helper()
	if failed.Step != renew.StepFailed {
		r.t.Fatalf("want a final failure, the renewal is at %s\n%s", failed.Step, renew.DiagnosticLog(failed))
	}
	r.checkOld("after the rollback")
	info, old := r.cert(r.t, r.c.role())
	rec, err := r.begin(ctx, r.engine(), info, old)
	if err != nil {
		r.t.Fatalf("retry after %s: %v\n%s", failed.Failure.Code, err, renew.DiagnosticLog(rec))
	}
	return rec
}

// inject runs the cell's fault and the holder's recovery; it returns the record that should be the card's
// outcome (done, or failed by Annulla il rinnovo).
func (r *cellRun) inject() *renew.Renewal {
	ctx, cancel := ctx2()
	defer cancel()
	e := r.engine()
	switch r.c.fault {
	case fBeforeSend:
		e.CA.HTTP = &http.Client{Transport: &dropCA{body: requestBody(r.c)}}
		return r.resume(ctx, r.fresh(r.interrupted(ctx, e)))
	case fCADown:
		down := false
		e.Journal = &hookJournal{Journal: e.Journal, step: renew.StepRequest, at: func() { r.bed.StopCA(); down = true }}
		defer func() { // the world's next cell needs its CA, also after this one failed
			if down {
				if err := r.bed.StartCA(); err != nil {
					r.t.Error(err)
				}
			}
		}()
		id := r.interrupted(ctx, e)
		if err := r.bed.StartCA(); err != nil {
			r.t.Fatal(err)
		}
		down = false
		return r.resume(ctx, r.fresh(id))
	case fAnswerLost:
		e.CA.HTTP = &http.Client{Transport: &lossyCA{body: requestBody(r.c), at: func() {}}}
		return r.resume(ctx, r.fresh(r.interrupted(ctx, e)))
	case fWriteFails:
		e.Card = &failingWrite{Card: e.Card}
		rec, err := r.begin(ctx, e, r.info, r.old)
		r.final(rec, err)
		return r.retry(ctx, rec)
	case fVerifyFails:
		e.Card = &spoilFirstAfterWrite{Card: e.Card}
		rec, err := r.begin(ctx, e, r.info, r.old)
		r.final(rec, err)
		return r.retry(ctx, rec)
	case fCertConfLost:
		e.CA.HTTP = &http.Client{Transport: &lossyCA{body: cmp.BodyCertConf, at: func() {}}}
		return r.resume(ctx, r.fresh(r.interrupted(ctx, e)))
	case fHostKilled:
		e.Journal = &hookJournal{Journal: e.Journal, step: renew.StepWrite, at: func() { r.host.Kill(); r.host.Close(); r.expireLeases(r.t) }}
		return r.resume(ctx, r.fresh(r.interrupted(ctx, e)))
	case fCardRemoved:
		// Pulled: the token (SoftHSM's files) and, on a card in a reader, the PC/SC card with it.
		e.Journal = &hookJournal{Journal: e.Journal, step: renew.StepVerify, at: func() {
			if r.bed.Slot != nil {
				r.bed.Slot.Remove()
			}
			if err := os.Rename(r.tokenDir, r.tokenDir+".out"); err != nil {
				r.t.Error(err)
			}
		}}
		id := r.interrupted(ctx, e)
		if err := os.Rename(r.tokenDir+".out", r.tokenDir); err != nil {
			r.t.Fatal(err)
		}
		if r.bed.Slot != nil {
			if err := r.bed.Slot.Insert(15 * time.Second); err != nil {
				r.t.Fatal(err)
			}
		}
		return r.resume(ctx, r.fresh(id))
	case fBrowserClosed:
		run, stop := context.WithCancel(ctx)
		e.Journal = &hookJournal{Journal: e.Journal, step: renew.StepVerify, at: stop}
		return r.resume(ctx, r.fresh(r.interrupted(run, e)))
	case fCARestarted:
		e.Journal = &hookJournal{Journal: e.Journal, step: renew.StepWrite, at: func() {
			if err := r.bed.RestartCA(); err != nil {
				r.t.Error(err)
			}
		}}
		rec, err := r.begin(ctx, e, r.info, r.old)
		if rec == nil {
			r.t.Fatalf("Begin: %v", err)
		}
		if err != nil {
			// A restart may cost the message in flight: resumed like any interruption.
			r.t.Logf("after the restart: %v", err)
			return r.resume(ctx, r.fresh(rec.ID))
		}
		return rec
	case fAbandon:
		run, stop := context.WithCancel(ctx)
		e.Journal = &hookJournal{Journal: e.Journal, step: renew.StepWrite, at: stop}
		rec := r.fresh(r.interrupted(run, e))
		if err := r.engine().Abandon(ctx, rec); err != nil {
			r.t.Fatalf("Annulla il rinnovo at %s: %v\n%s", rec.Step, err, renew.DiagnosticLog(rec))
		}
		return rec
	}
	r.t.Fatalf("unknown fault %q", r.c.fault)
	return nil
}

// final: the renewal stopped with a final failure and says the card is back as it was.
func (r *cellRun) final(rec *renew.Renewal, err error) {
	r.t.Helper()
	var f *renew.Failure
	if rec == nil || !errors.As(err, &f) || f.Retriable || rec.RollbackFailed {
		r.t.Fatalf("want a final failure rolled back, got %v (%+v)", err, rec)
	}
}

func requestBody(c matrixCell) cmp.BodyType { return cmp.BodyKUR }

// check asserts I1–I5 from the token and the CA's books.
func (r *cellRun) check(rec *renew.Renewal) {
	r.t.Helper()
	if r.t.Failed() {
		return
	}
	done := r.c.fault != fAbandon
	if done && rec.Step != renew.StepDone {
		r.t.Fatalf("renewal ended at %s\n%s", rec.Step, renew.DiagnosticLog(rec))
	}
	if !done && (rec.Step != renew.StepFailed || rec.RollbackFailed) {
		r.t.Fatalf("abandoned renewal at %s (rollback failed %v)\n%s", rec.Step, rec.RollbackFailed, renew.DiagnosticLog(rec))
	}
	// I1: one usable, valid certificate for the role — the new one when done, the old one otherwise.
	objs := r.objects()
	onCard := r.checkUsable(objs)
	if done && !bytes.Equal(onCard.DER, rec.NewCert) {
		r.t.Fatalf("I1: the card's %s certificate is not the renewal's new one", r.c.role())
	}
	if onCard.AlwaysAuthenticate != r.old.AlwaysAuthenticate { // a qualified key stays under sole control
		r.t.Errorf("I1: the %s key asks the PIN for each signature: %v, before %v", r.c.role(), onCard.AlwaysAuthenticate, r.old.AlwaysAuthenticate)
	}
	if !done && !bytes.Equal(onCard.DER, r.old.DER) {
		r.t.Fatalf("I1: after Annulla the card's %s certificate is not the old one", r.c.role())
	}
	// I2: of the certificates the CA issued in this cell, exactly those on the card are valid and counted.
	valid, revoked := r.issued()
	want := 0
	if done {
		want = 1
	}
	if len(valid) != want || (done && valid[0] != serialOf(r.t, onCard.DER)) {
		r.t.Fatalf("I2: %d certificates issued in this cell are valid at the CA (%v; revoked %v), want %d: the one on the card", len(valid), valid, revoked, want)
	}
	if n := r.caRenewals() - r.renewals; n != want {
		r.t.Errorf("I2: the CA counts %d renewals of the certificate for this cell (issued %d, revoked %d), want %d", n, len(valid)+len(revoked), len(revoked), want)
	}
	// I3: charged exactly once for a certificate on the card, never for one that is not.
	if r.c.paid {
		if got, wantB := balanceOf(r.t, r.world), r.balance-int64(500*want); got != wantB {
			r.t.Errorf("I3: balance %d, want %d (before %d; issued %d, revoked %d)", got, wantB, r.balance, len(valid)+len(revoked), len(revoked))
		}
	}
	// I4: no orphan — as many private keys as before, each with its certificate; no open record.
	if len(objs.keys) != r.keys {
		r.t.Errorf("I4: %d private keys on the card, %d before:\n%s", len(objs.keys), r.keys, objs.raw)
	}
	for id := range objs.keys {
		if !objs.certs[id] {
			r.t.Errorf("I4: private key %s has no certificate on the card:\n%s", id, objs.raw)
		}
	}
	all, err := r.journal.List()
	if err != nil {
		r.t.Fatal(err)
	}
	for _, x := range all {
		if x.NeedsAttention() {
			r.t.Errorf("I4: the journal keeps renewal %s open at %s", x.ID, x.Step)
		}
	}
	// I5: the CA's transaction of the outcome is closed in its books (after a restart too).
	if done && rec.Tx != nil {
		txn, err := r.bed.CA.Store.Txn(context.Background(), hex.EncodeToString(rec.Tx.TransactionID))
		if err != nil {
			r.t.Errorf("I5: the CA lost the transaction: %v", err)
		} else if txn.State != "confirmed" {
			r.t.Errorf("I5: the CA's transaction is %q, want confirmed", txn.State)
		}
	}
}

// checkOld: the card still holds the old certificate, usable (I1 after a rollback).
func (r *cellRun) checkOld(when string) {
	r.t.Helper()
	if c := r.checkUsable(r.objects()); !bytes.Equal(c.DER, r.old.DER) {
		r.t.Fatalf("I1 %s: the card's %s certificate is not the old one", when, r.c.role())
	}
}

// checkUsable: exactly one certificate of the role, valid now, chaining to the CA, not revoked in its
// books, with its private key on the token (objs: pkcs11-tool's listing, taken now).
func (r *cellRun) checkUsable(objs tokenObjects) protocol.Certificate {
	r.t.Helper()
	_, c := r.cert(r.t, r.c.role())
	x, err := x509.ParseCertificate(c.DER)
	if err != nil {
		r.t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(r.bed.CA.Cert)
	if _, err := x.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		r.t.Fatalf("I1: the card's %s certificate does not verify: %v", r.c.role(), err)
	}
	rec, err := r.bed.CA.Store.Cert(context.Background(), ca.SerialHex(x.SerialNumber))
	if err != nil || !rec.RevokedAt.IsZero() {
		r.t.Fatalf("I1: the card's %s certificate at the CA: %+v %v (revoked?)", r.c.role(), rec, err)
	}
	if !objs.keys[c.ID] {
		r.t.Fatalf("I1: no private key %s for the card's %s certificate", c.ID, r.c.role())
	}
	return c
}

func serialOf(t *testing.T, der []byte) string {
	x, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return ca.SerialHex(x.SerialNumber)
}

func (r *cellRun) serials() map[string]bool {
	all, err := r.bed.CA.Store.Certs(context.Background())
	if err != nil {
		r.t.Fatal(err)
	}
	out := map[string]bool{}
	for _, c := range all {
		out[c.Serial] = true
	}
	return out
}

// issued splits the certificates the CA issued during the cell renewing the old one.
func (r *cellRun) issued() (valid, revoked []string) {
	all, err := r.bed.CA.Store.Certs(context.Background())
	if err != nil {
		r.t.Fatal(err)
	}
	parent := serialOf(r.t, r.old.DER)
	for _, c := range all {
		if r.before[c.Serial] || c.Parent != parent {
			continue
		}
		if c.RevokedAt.IsZero() {
			valid = append(valid, c.Serial)
		} else {
			revoked = append(revoked, c.Serial)
		}
	}
	return valid, revoked
}

// caRenewals is the renewal allowance used on the old certificate as the CA counts it (confirmed
// renewals only, store.ConfirmedRenewals), so the matrix asserts I2 on the real rule.
func (r *cellRun) caRenewals() int {
	n, err := r.bed.CA.Store.ConfirmedRenewals(context.Background(), serialOf(r.t, r.old.DER))
	if err != nil {
		r.t.Fatal(err)
	}
	return n
}

// tokenObjects is the token as pkcs11-tool lists it: private key and certificate CKA_IDs.
type tokenObjects struct {
	keys, certs map[string]bool
	raw         string
}

func (r *cellRun) objects() tokenObjects {
	r.t.Helper()
	return parseObjects(listObjects(r.t, r.bed))
}

func parseObjects(out string) tokenObjects {
	o := tokenObjects{keys: map[string]bool{}, certs: map[string]bool{}, raw: out}
	kind := ""
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(line, "Private Key Object"):
			kind = "key"
		case strings.HasPrefix(line, "Certificate Object"):
			kind = "cert"
		case !strings.HasPrefix(line, " ") && line != "":
			kind = ""
		}
		if id, ok := strings.CutPrefix(strings.TrimSpace(line), "ID:"); ok {
			switch kind {
			case "key":
				o.keys[strings.TrimSpace(id)] = true
			case "cert":
				o.certs[strings.TrimSpace(id)] = true
			}
		}
	}
	return o
}

// dropCA loses the first message of one body type before it reaches the CA.
type dropCA struct {
	body cmp.BodyType
	once sync.Once
}

func (d *dropCA) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	m, perr := cmp.ParseMessage(body)
	drop := false
	if perr == nil && m.Body.Type == d.body {
		d.once.Do(func() { drop = true })
	}
	if drop {
		return nil, fmt.Errorf("test: the %v was lost on its way to the CA", d.body)
	}
	return http.DefaultTransport.RoundTrip(req)
}

// failingWrite: the card refuses to store the certificate, for good.
type failingWrite struct{ renew.Card }

func (failingWrite) WriteCertificate(context.Context, string, string, []byte) error {
	return protocol.Errorf(protocol.ErrInternal, "test: the card refuses the certificate")
}

// spoilFirstAfterWrite spoils the first signature by the written certificate's key: the test signature.
type spoilFirstAfterWrite struct {
	renew.Card
	key  string
	once sync.Once
}

func (c *spoilFirstAfterWrite) WriteCertificate(ctx context.Context, key, label string, der []byte) error {
	err := c.Card.WriteCertificate(ctx, key, label, der)
	if err == nil {
		c.key = key
	}
	return err
}

func (c *spoilFirstAfterWrite) Signer(ctx context.Context, key string, pub crypto.PublicKey, pin hostcard.PINFunc) crypto.Signer {
	s := c.Card.Signer(ctx, key, pub, pin)
	spoil := false
	if key == c.key {
		c.once.Do(func() { spoil = true })
	}
	if spoil {
		return spoiled{s}
	}
	return s
}
