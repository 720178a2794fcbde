package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ponte-it/ponte/internal/renew"
	"github.com/ponte-it/ponte/internal/testkit/browser"
	"github.com/ponte-it/ponte/internal/testkit/testbed"
)

// editProfile changes one client profile of an extension folder (its JSON as a map).
func editProfile(t *testing.T, ext, name string, edit func(p map[string]any)) {
	t.Helper()
	pf := filepath.Join(ext, "profiles", name)
	var profile map[string]any
	b, err := os.ReadFile(pf)
	if err == nil {
		err = json.Unmarshal(b, &profile)
	}
	if err != nil {
		t.Fatal(err)
	}
	edit(profile)
	b, _ = json.Marshal(profile)
	if err := os.WriteFile(pf, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// hostPIDs are the ponte-host processes Chromium started for this bed: the build's binary, with the
// bed's own state folder in its environment (other tests' hosts have theirs).
func hostPIDs(t *testing.T, build string, bed *testbed.Bed) []int {
	t.Helper()
	exe := filepath.Join(build, "ponte-host")
	marker := []byte("XDG_STATE_HOME=" + filepath.Join(bed.Dir, "state") + "\x00")
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if p, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe")); err != nil || p != exe {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err == nil && bytes.Contains(env, marker) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// (a) ponte-host is killed (SIGKILL, as a crash) while the renewal page waits at the CA: the page says the
// program stopped and the renewal is saved, connects again (Chromium starts a new host), asks the PIN (the
// card's session died with the host) and the renewal resumes from the journal to "Certificato rinnovato e
// attivo", with one new key and one certificate: nothing lost, nothing twice.
func TestRenewalHostKilledInBrowser(t *testing.T) {
	build := built(t)
	bed := startBed(t, testbed.Options{Profiles: []testbed.Choice{{Server: "cns", Mode: "rekey"}}})
	cnsDelay(t, bed, 6) // the request waits at the CA: time to kill the host meanwhile
	ctx := startBrowserWith(t, extensionWithProfiles(t, build, bed), filepath.Join(build, "ponte-host"), bed.Env)
	within(t, ctx, 90*time.Second,
		chromedp.Navigate(browser.ExtensionURL("app.html")),
		chromedp.WaitVisible(chromedp.CSS(`article.smartcard[data-card="`+cardID+`"]`)),
	)
	issued := issuedCount(t, bed)
	clickThrough(t, ctx, "renew-hostkill", "", "")
	within(t, ctx, 60*time.Second, chromedp.WaitVisible(chromedp.CSS(`#flow[data-screen="progress"] li[data-step="request"].step-current`)))
	shot(t, ctx, "renew-hostkill-3a-progress")
	pids := hostPIDs(t, build, bed)
	if len(pids) != 1 {
		t.Fatalf("ponte-host processes of this test: %v, want one", pids)
	}
	if err := syscall.Kill(pids[0], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	within(t, ctx, 60*time.Second, chromedp.WaitVisible(chromedp.CSS(`#flow #host-lost`)))
	shot(t, ctx, "renew-hostkill-3b-host-stopped")
	// The header does not say "connected" while the page waits for the new host (one render draws both).
	if ok := eval[bool](t, ctx, `!document.querySelector("#host-lost") || (!!document.querySelector("#host-reconnecting") && !document.querySelector("#host-version"))`); !ok {
		t.Fatal("the header says the host is connected while the renewal page says it stopped")
	}
	if got := text(t, ctx, "#host-lost"); !strings.Contains(got, "si è interrotto") || !strings.Contains(got, "salvato") {
		t.Fatalf("host stopped says %q", got)
	}
	within(t, ctx, 2*time.Minute, chromedp.WaitVisible(chromedp.CSS(`#flow[data-screen="pin"] #pin`)))
	shot(t, ctx, "renew-hostkill-3c-pin-again")
	if now := hostPIDs(t, build, bed); len(now) != 1 || now[0] == pids[0] {
		t.Fatalf("ponte-host after the crash: %v (killed %d)", now, pids[0])
	}
	typePIN(t, ctx)
	waitSuccess(t, ctx, "renew-hostkill")
	r := journalRecord(t, bed)
	if r.Step != renew.StepDone || r.NewKey == r.OldKey {
		t.Fatalf("journal: step %s, new key %s, old %s", r.Step, r.NewKey, r.OldKey)
	}
	checkCard(t, bed, r, true)
	if n := issuedCount(t, bed); n != issued+1 {
		t.Fatalf("the CA issued %d certificates, want 1", n-issued)
	}
}

// lossyCA forwards to ponte-CA and loses the first answer that comes after a charge: the CA has issued and
// debited the prepaid account, the page gets a 502 instead (a connection dropped on the way back).
type lossyCA struct {
	bed     *testbed.Bed
	proxy   *httputil.ReverseProxy
	mu      sync.Mutex
	dropped bool
}

func (l *lossyCA) charges() int {
	c, _ := l.bed.CA.Store.Charges(context.Background(), l.bed.Account)
	return len(c)
}

func (l *lossyCA) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	before := l.charges()
	l.proxy.ModifyResponse = func(*http.Response) error {
		l.mu.Lock()
		defer l.mu.Unlock()
		if !l.dropped && l.charges() > before {
			l.dropped = true
			return errors.New("answer lost after the charge")
		}
		return nil
	}
	l.proxy.ServeHTTP(w, r)
}

// (b) A paid renewal whose answer is lost after the CA charged the prepaid account: the page says so
// (retriable), RIPROVA resumes it from the journal — the PIN again, no account this time (the request
// already went) — and the same transaction's certificate is collected with no second charge.
func TestPaidRenewalAnswerLostAfterChargeInBrowser(t *testing.T) {
	build := built(t)
	bed := startBed(t, testbed.Options{Profiles: []testbed.Choice{{Server: "cns-paid", Mode: "rekey"}}})
	target, _ := url.Parse(bed.CAURL)
	lossy := &lossyCA{bed: bed, proxy: httputil.NewSingleHostReverseProxy(target)}
	lossy.proxy.ErrorLog = log.New(io.Discard, "", 0)
	srv := httptest.NewServer(lossy)
	defer srv.Close()
	ext := extensionWithProfiles(t, build, bed)
	editProfile(t, ext, "cns-paid-rekey.json", func(p map[string]any) {
		p["url"] = strings.Replace(p["url"].(string), bed.CAURL, srv.URL, 1) // same CMP path, via the proxy
	})
	ctx := startBrowserWith(t, ext, filepath.Join(build, "ponte-host"), bed.Env)
	within(t, ctx, 90*time.Second,
		chromedp.Navigate(browser.ExtensionURL("app.html")),
		chromedp.WaitVisible(chromedp.CSS(`article.smartcard[data-card="`+cardID+`"]`)),
	)
	before, issued := balance(t, bed), issuedCount(t, bed)
	clickThrough(t, ctx, "renew-paidlost", bed.Account, bed.Password)
	retry := `#flow[data-screen="failure"] [data-action="renew-resume"]`
	within(t, ctx, 2*time.Minute, chromedp.WaitVisible(chromedp.CSS(retry)))
	shot(t, ctx, "renew-paidlost-3a-answer-lost")
	if !lossy.dropped || balance(t, bed) != before-500 {
		t.Fatalf("dropped %v, balance %d → %d: want the charge made and its answer lost", lossy.dropped, before, balance(t, bed))
	}
	r := journalRecord(t, bed)
	if r.Step.Terminal() || r.Tx == nil {
		t.Fatalf("journal after the lost answer: step %s, transaction %v", r.Step, r.Tx)
	}
	within(t, ctx, 60*time.Second, chromedp.Click(chromedp.CSS(retry)), chromedp.WaitVisible(chromedp.CSS(`#flow[data-screen="pin"] #pin`)))
	shot(t, ctx, "renew-paidlost-3b-pin-again")
	if !eval[bool](t, ctx, `document.getElementById("account-id") === null`) {
		t.Fatal("the account is asked again for a request already sent")
	}
	typePIN(t, ctx)
	waitSuccess(t, ctx, "renew-paidlost")
	r = journalRecord(t, bed)
	checkCard(t, bed, r, true)
	if after := balance(t, bed); after != before-500 {
		t.Fatalf("balance %d → %d, want one charge of 500", before, after)
	}
	if n := issuedCount(t, bed); n != issued+1 {
		t.Fatalf("the CA issued %d certificates, want 1", n-issued)
	}
}
