package renew_test

// Two cards at once (issue #14's closing attacks): a second SoftHSM token beside the bed's, issued by the
// same ponte-ca, renewed at the same time as the first through one ponte-host or through two, sharing one
// journal folder and one prepaid account; same holder on both cards or two holders; one card pulled while
// the other renews. Each card is judged by its own token's objects (pkcs11-tool on its slot), and the CA
// by its books (renewals counted per old certificate, revocations, the shared account's balance).

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/ca"
	"github.com/ponte-it/ponte/internal/cmp"
	"github.com/ponte-it/ponte/internal/hostcard"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/renew"
	"github.com/ponte-it/ponte/internal/testkit/softcard"
	"github.com/ponte-it/ponte/internal/testkit/testbed"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// holderCard is one card of the two: its handle on a host, its token serial and the state before.
type holderCard struct {
	name   string
	serial string
	card   *hostcard.Card
	host   *hostcard.Spawned // the host process the card is reached through; its journal is the engine's
	info   *protocol.Card
	old    protocol.Certificate
	keys   int
}

// twoCards is a paid-profile faultWorld (card A, the bed's) with a second token (card B) in the same
// SoftHSM, both reached by the host as PKCS#11 tokens named by their serials.
type twoCards struct {
	*faultWorld
	a, b *holderCard
}

// newTwoCards provisions card B for holder (same codice fiscale as A's holder, or another) and restarts
// the host so it loads the module with both tokens.
func newTwoCards(t *testing.T, holder softcard.Holder) *twoCards {
	t.Helper()
	return newTwoCardsDelayed(t, holder, 0)
}

// newTwoCardsDelayed is newTwoCards on a CA that decides delay seconds after a request.
func newTwoCardsDelayed(t *testing.T, holder softcard.Holder, delay int) *twoCards {
	t.Helper()
	f := newFaultWorld(t, delay)
	cardB, err := f.bed.AddToken(holder)
	if err != nil {
		t.Fatal(err)
	}
	f.host.Close()
	f.start(t, f.hostBin)
	tc := &twoCards{faultWorld: f}
	tc.a = tc.cardOn(f.host, "A", f.bed.Card.Serial)
	tc.b = tc.cardOn(f.host, "B", cardB.Serial)
	return tc
}

// cardOn names card serial on host h, logs it in and records its state.
func (tc *twoCards) cardOn(h *hostcard.Spawned, name, serial string) *holderCard {
	t := tc.t
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := &holderCard{name: name, serial: serial, card: hostcard.New(h, serial), host: h}
	if _, err := c.card.Login(ctx, protocol.Secret(testbed.PIN)); err != nil {
		t.Fatalf("card %s: %v", name, err)
	}
	c.info, c.old = cnsOf(t, c.card)
	c.keys = strings.Count(tc.objectsOf(serial), "Private Key Object")
	return c
}

// cnsOf reads the card's only CNS certificate through the host.
func cnsOf(t *testing.T, c *hostcard.Card) (*protocol.Card, protocol.Certificate) {
	t.Helper()
	info, err := c.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var found []protocol.Certificate
	for _, x := range info.Certificates {
		if x.Role == "cns" {
			found = append(found, x)
		}
	}
	if len(found) != 1 {
		t.Fatalf("card %s: %d CNS certificates, want 1", c.ID, len(found))
	}
	return info, found[0]
}

var slotLine = regexp.MustCompile(`(?m)^Slot \d+ \((0x[0-9a-f]+)\)`)

// objectsOf is pkcs11-tool's list of the token with this serial (found with --list-token-slots: two
// tokens of one holder have the same label).
func (tc *twoCards) objectsOf(serial string) string {
	t := tc.t
	t.Helper()
	tool := testenv.Tool(t, "pkcs11-tool")
	run := func(args ...string) string {
		cmd := exec.Command(tool, append([]string{"--module", tc.bed.SoftHSM}, args...)...)
		cmd.Env = append(os.Environ(), tc.bed.Env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("pkcs11-tool %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	slots := run("--list-token-slots")
	starts := slotLine.FindAllStringSubmatchIndex(slots, -1)
	for i, s := range starts {
		end := len(slots)
		if i+1 < len(starts) {
			end = starts[i+1][0]
		}
		if regexp.MustCompile(`serial num\s*:\s*` + regexp.QuoteMeta(serial) + `\s`).MatchString(slots[s[0]:end]) {
			return run("--slot", slots[s[2]:s[3]], "--login", "--pin", testbed.PIN, "--list-objects")
		}
	}
	t.Fatalf("no token with serial %s:\n%s", serial, slots)
	return ""
}

// engineFor is a paid renewal engine on card c.
func (tc *twoCards) engineFor(c *holderCard) *renew.Engine {
	e := tc.engine(30 * time.Second)
	e.Card = c.card
	e.Journal = renew.HostJournal{Host: c.host, Ctx: context.Background()}
	return e
}

// checkRenewed: card c holds exactly one CNS certificate, the renewal's, on its new key, valid under the
// CA (openssl); its old key is gone, as many private keys as before; the CA counts one renewal of c's old
// certificate and has not revoked the new one.
func (tc *twoCards) checkRenewed(c *holderCard, r *renew.Renewal) {
	t := tc.t
	t.Helper()
	if r == nil || r.Step != renew.StepDone {
		t.Fatalf("card %s: renewal not done", c.name)
	}
	if r.Card != c.card.ID {
		t.Fatalf("card %s: the renewal's record names card %s", c.name, r.Card)
	}
	_, now := cnsOf(t, c.card)
	if now.ID != r.NewKey || !bytes.Equal(now.DER, r.NewCert) {
		t.Fatalf("card %s: its CNS certificate is on key %s, the renewal's new key is %s", c.name, now.ID, r.NewKey)
	}
	verifyWithOpenSSL(t, tc.world, now.DER)
	list := tc.objectsOf(c.serial)
	if strings.Contains(list, "ID:         "+c.old.ID) {
		t.Fatalf("card %s: the old key %s is still there:\n%s", c.name, c.old.ID, list)
	}
	if n := strings.Count(list, "Private Key Object"); n != c.keys {
		t.Fatalf("card %s: %d private keys, %d before:\n%s", c.name, n, c.keys, list)
	}
	if got := strings.Count(list, "Certificate Object"); got != strings.Count(list, "Private Key Object") {
		t.Fatalf("card %s: %d certificates for %d private keys:\n%s", c.name, got, strings.Count(list, "Private Key Object"), list)
	}
	oldX, _ := x509.ParseCertificate(c.old.DER)
	newX, _ := x509.ParseCertificate(r.NewCert)
	ctx := context.Background()
	if n, err := tc.bed.CA.Store.ConfirmedRenewals(ctx, ca.SerialHex(oldX.SerialNumber)); err != nil || n != 1 {
		t.Fatalf("card %s: the CA counts %d renewals of its old certificate (%v), want 1", c.name, n, err)
	}
	if n, err := tc.bed.CA.Store.Renewals(ctx, ca.SerialHex(oldX.SerialNumber)); err != nil || n != 1 {
		t.Fatalf("card %s: the CA issued %d certificates renewing the old one (%v), want 1", c.name, n, err)
	}
	if rec, err := tc.bed.CA.Store.Cert(ctx, ca.SerialHex(newX.SerialNumber)); err != nil || !rec.RevokedAt.IsZero() {
		t.Fatalf("card %s: the new certificate at the CA: %v, revoked %v", c.name, err, rec.RevokedAt)
	}
}

// checkUntouched: card c still has its old CNS certificate with its key and as many keys as before.
func (tc *twoCards) checkUntouched(c *holderCard) {
	t := tc.t
	t.Helper()
	_, now := cnsOf(t, c.card)
	if now.ID != c.old.ID || !bytes.Equal(now.DER, c.old.DER) {
		t.Fatalf("card %s: its CNS certificate changed", c.name)
	}
	if n := strings.Count(tc.objectsOf(c.serial), "Private Key Object"); n != c.keys {
		t.Fatalf("card %s: %d private keys, %d before", c.name, n, c.keys)
	}
}

var (
	sameHolderB  = softcard.Holder{Surname: "ROSSI", GivenName: "MARIO", CodiceFiscale: "RSSMRA80A01H501U", CardID: "8038000000000002"}
	otherHolderB = softcard.Holder{Surname: "BIANCHI", GivenName: "ANNA", CodiceFiscale: "BNCNNA85M41F205X", CardID: "8038000000000003"}
)

// TestTwoCardsRenewTogether (I1–I4): cards A and B renew at the same moment, in two goroutines, through one
// host and through two host processes sharing the journal folder, for the same holder (one codice fiscale
// on both cards) and for two holders, on one prepaid account. Each card ends renewed once with no orphan
// key; the CA issued one certificate per card and the account paid two renewals.
func TestTwoCardsRenewTogether(t *testing.T) {
	for _, c := range []struct {
		name   string
		holder softcard.Holder
		hosts  int
	}{{"same-holder-one-host", sameHolderB, 1}, {"other-holder-one-host", otherHolderB, 1},
		{"same-holder-two-hosts", sameHolderB, 2}, {"other-holder-two-hosts", otherHolderB, 2}} {
		t.Run(c.name, func(t *testing.T) {
			tc := newTwoCards(t, c.holder)
			if c.hosts == 2 { // card B through a second host process, same XDG_STATE_HOME: one journal
				h2 := tc.spawn()
				tc.b = tc.cardOn(h2, "B", tc.b.serial)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			cards := []*holderCard{tc.a, tc.b}
			recs := make([]*renew.Renewal, 2)
			errs := make([]error, 2)
			var wg sync.WaitGroup
			for i, hc := range cards {
				e := tc.engineFor(hc)
				wg.Add(1)
				go func() {
					defer wg.Done()
					recs[i], errs[i] = e.Begin(ctx, hc.info, hc.old)
				}()
			}
			wg.Wait()
			for i, hc := range cards {
				if errs[i] != nil {
					log := ""
					if recs[i] != nil {
						log = renew.DiagnosticLog(recs[i])
					}
					t.Fatalf("card %s: %v\n%s", hc.name, errs[i], log)
				}
			}
			for i, hc := range cards {
				tc.checkRenewed(hc, recs[i])
			}
			if b := balanceOf(t, tc.world); b != tc.balance-1000 {
				t.Fatalf("the shared account's balance is %d, want %d (two renewals of 500)", b, tc.balance-1000)
			}
			all, err := tc.journal.List()
			if err != nil || len(all) != 2 {
				t.Fatalf("the journal holds %d records (%v), want the two renewals", len(all), err)
			}
		})
	}
}

// spawn starts one more ponte-host on the bed's environment (another browser profile or `ponte renew`).
func (tc *twoCards) spawn() *hostcard.Spawned {
	t := tc.t
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	h, err := hostcard.SpawnEnv(ctx, tc.hostBin, "renew-test-2", tc.env, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// TestCardPulledWhileTheOtherRenews (I1, I4): card A's renewal stops after issuance (its answer lost);
// card A is pulled out while card B renews from start to end on the same host; A is put back and resumed.
// B is renewed; A's renewal finishes on A alone; neither card has an orphan key, one charge each.
func TestCardPulledWhileTheOtherRenews(t *testing.T) {
	tc := newTwoCards(t, otherHolderB)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	ea := tc.engineFor(tc.a)
	ea.CA.HTTP = &http.Client{Transport: &lossyCA{body: cmp.BodyKUR, at: func() {}}}
	ra, err := ea.Begin(ctx, tc.a.info, tc.a.old)
	if err == nil || ra == nil || ra.Step != renew.StepRequest {
		t.Fatalf("card A's renewal was not stopped at the request: %v", err)
	}
	dir := tc.tokenDirOf(tc.a.serial)
	eb := tc.engineFor(tc.b)
	eb.Journal = &hookJournal{Journal: eb.Journal, step: renew.StepWrite, at: func() {
		if err := os.Rename(dir, dir+".out"); err != nil { // A out of its reader as B writes
			t.Error(err)
		}
	}}
	rb, err := eb.Begin(ctx, tc.b.info, tc.b.old)
	if err != nil {
		t.Fatalf("card B with A pulled: %v\n%s", err, renew.DiagnosticLog(rb))
	}
	if err := os.Rename(dir+".out", dir); err != nil {
		t.Fatal(err)
	}
	// A back in: SoftHSM sees a token again when the module is loaded anew, so a new host.
	tc.host.Close()
	tc.start(t, tc.hostBin)
	for _, c := range []*holderCard{tc.a, tc.b} {
		c.card, c.host = hostcard.New(tc.host, c.serial), tc.host
		if _, err := c.card.Login(ctx, protocol.Secret(testbed.PIN)); err != nil {
			t.Fatal(err)
		}
	}
	saved, err := tc.journal.Load(ra.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := tc.engineFor(tc.a).Run(ctx, saved); err != nil {
		t.Fatalf("card A resumed: %v\n%s", err, renew.DiagnosticLog(saved))
	}
	tc.checkRenewed(tc.a, saved)
	tc.checkRenewed(tc.b, rb)
	if b := balanceOf(t, tc.world); b != tc.balance-1000 {
		t.Fatalf("the shared account's balance is %d, want %d", b, tc.balance-1000)
	}
}

// tokenDirOf is the SoftHSM folder of the token with this serial (SoftHSM keeps the serial in the token's
// token.object; the folder is named by a UUID).
func (tc *twoCards) tokenDirOf(serial string) string {
	t := tc.t
	t.Helper()
	dirs, _ := filepath.Glob(filepath.Join(tc.bed.Dir, "softhsm", "tokens", "*"))
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "token.object"))
		if err == nil && bytes.Contains(b, []byte(serial)) {
			return d
		}
	}
	t.Fatalf("no token folder holds serial %s among %v", serial, dirs)
	return ""
}

// TestBothCertificatesOfOneCardAtOnce (I1, I2, I4): one card, its two certificates — CNS authentication
// and the qualified signature (CKA_ALWAYS_AUTHENTICATE key) — renewed at the same moment from two tabs,
// on a PIN card and on an AC 2018 card whose certificates the security officer writes (each renewal logs
// the user out and the officer in around its writes, while the other signs). Each role must end with one
// certificate, the renewal's, on its new key; as many private keys as before; the CA counts one renewal of
// each old certificate.
func TestBothCertificatesOfOneCardAtOnce(t *testing.T) {
	for _, family := range []string{"", "AC"} {
		t.Run(map[string]string{"": "pin", "AC": "pin-puk"}[family], func(t *testing.T) {
			w := newWorld(t, testbed.Choice{Server: "cns", Mode: "rekey"}, testbed.Options{Family: family, SigLeft: 30 * 24 * time.Hour})
			p := *w.bed.CA.Profiles["cns"]
			p.DelaySeconds = 0
			if err := w.bed.CA.AddProfile(&p); err != nil {
				t.Fatal(err)
			}
			keys := strings.Count(listObjects(t, w.bed), "Private Key Object")
			roles := []string{"cns", "signature"}
			olds := make([]protocol.Certificate, 2)
			var info *protocol.Card
			for i, role := range roles {
				info, olds[i] = w.cert(t, role)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			recs := make([]*renew.Renewal, 2)
			errs := make([]error, 2)
			var wg sync.WaitGroup
			for i := range roles {
				e := engineOn(w, info)
				wg.Add(1)
				go func() {
					defer wg.Done()
					recs[i], errs[i] = e.Begin(ctx, info, olds[i])
				}()
			}
			wg.Wait()
			// What each tab shows is either done or a retriable stop (the other renewal held the card's login
			// at that moment: PKCS#11 has one login state per token, v2.40 §5.6); on a stop the holder types
			// the PIN (and PUK) again and presses RIPRENDI — a final failure would throw away an issued renewal.
			for i, role := range roles {
				for try := 0; try < 3 && errs[i] != nil; try++ {
					var fl *renew.Failure
					var perr *protocol.Error // Begin's PUK check answers the card's own error
					if !(errors.As(errs[i], &fl) && fl.Retriable) && !(errors.As(errs[i], &perr) && perr.Retriable) {
						t.Fatalf("the %s renewal failed for good while the other ran: %v", role, errs[i])
					}
					if _, err := w.card.Login(ctx, protocol.Secret(testbed.PIN)); err != nil {
						t.Fatal(err)
					}
					if recs[i] == nil { // stopped before its first record (the PUK check): RINNOVA again
						t.Logf("%s stopped before it began: %v", role, errs[i])
						recs[i], errs[i] = engineOn(w, info).Begin(ctx, info, olds[i])
						continue
					}
					t.Logf("%s stopped: %v\n%s", role, errs[i], renew.DiagnosticLog(recs[i]))
					errs[i] = engineOn(w, info).Run(ctx, recs[i])
				}
			}
			// The card is judged by its token (pkcs11-tool): the bed's virtual PC/SC card keeps copies of the
			// first certificates in its files, so once both are renewed the host no longer links it to its
			// token (on a real card files and objects are one storage).
			list := listObjects(t, w.bed)
			objs := parseObjects(list)
			for i, role := range roles {
				if errs[i] != nil || recs[i] == nil || recs[i].Step != renew.StepDone {
					t.Fatalf("the %s renewal: %v\n%s", role, errs[i], list)
				}
				if !objs.keys[recs[i].NewKey] || !objs.certs[recs[i].NewKey] || objs.keys[olds[i].ID] || objs.certs[olds[i].ID] {
					t.Fatalf("the %s renewal's new key %s and its certificate are not the card's, or the old %s is left:\n%s", role, recs[i].NewKey, olds[i].ID, list)
				}
				now, _ := x509.ParseCertificate(recs[i].NewCert)
				verifyWithOpenSSL(t, w, now.Raw)
				oldX, _ := x509.ParseCertificate(olds[i].DER)
				if n, err := w.bed.CA.Store.ConfirmedRenewals(ctx, ca.SerialHex(oldX.SerialNumber)); err != nil || n != 1 {
					t.Fatalf("the CA counts %d renewals of the old %s certificate (%v)", n, role, err)
				}
			}
			if n := strings.Count(list, "Private Key Object"); n != keys {
				t.Fatalf("I4: %d private keys, %d before:\n%s", n, keys, list)
			}
		})
	}
}

// engineOn is a renewal engine on w's card with the PIN (and the PUK when the family needs it) typed.
func engineOn(w *world, info *protocol.Card) *renew.Engine {
	e := w.engine()
	e.PIN = renew.SamePIN(protocol.Secret(testbed.PIN))
	if info.Family.NeedsPUK {
		e.Logins = &renew.Logins{PIN: protocol.Secret(testbed.PIN), PUK: protocol.Secret(testbed.PUK)}
	}
	return e
}
