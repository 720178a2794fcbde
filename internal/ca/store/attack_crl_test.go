package store

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestCRLNumberConsistent (attack, issue #19): instances number their CRLs from the audit log's last
// record read on one snapshot with the revocations (RevokedAt), and with the per-holder locks the
// revocations of different certificates commit side by side. While three instances revoke 30
// certificates at once (and refusals are appended), two others read RevokedAt over and over: two
// readings with one number must list the same certificates, and a reading with a larger number every
// certificate a smaller one listed (RFC 5280 §5.2.3: the number grows with the content).
func TestCRLNumberConsistent(t *testing.T) { eachBackend(t, testCRLNumberConsistent) }

type crlReading struct {
	seq     int64
	serials map[string]bool
}

func testCRLNumberConsistent(t *testing.T, newURL backendURL) {
	ctx := t.Context()
	url := newURL(t)
	h := make([]Store, 5)
	for i := range h {
		h[i] = openURL(t, url)
	}
	const certsN = 30
	for i := range certsN {
		if err := h[0].PutCert(ctx, cert(fmt.Sprintf("c%02d", i), "")); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < certsN; i += 3 {
				if err := h[w].Revoke(ctx, fmt.Sprintf("c%02d", i), 1, time.Now()); err != nil {
					t.Error(err)
				}
				if err := h[w].Refuse(ctx, Event{Detail: "p=cns kur failInfo=badPOP: attack"}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	readings := make([][]crlReading, 2)
	read := func(r int) bool {
		list, seq, err := h[3+r].RevokedAt(ctx)
		if err != nil {
			t.Error(err)
			return false
		}
		rd := crlReading{seq, map[string]bool{}}
		for _, c := range list {
			rd.serials[c.Serial] = true
		}
		readings[r] = append(readings[r], rd)
		return true
	}
	done := make(chan struct{})
	var readers sync.WaitGroup
	for r := range readings {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for range 300 { // bounded; ends when the revocations do
				select {
				case <-done:
					return
				default:
				}
				if !read(r) {
					return
				}
			}
		}()
	}
	wg.Wait()
	close(done)
	readers.Wait()
	for r := range readings { // and once more after the last revocation
		read(r)
	}
	all := append(readings[0], readings[1]...)
	for _, a := range all {
		for _, b := range all {
			if a.seq > b.seq {
				continue
			}
			for s := range a.serials {
				if !b.serials[s] {
					t.Fatalf("CRL number %d lists %s, CRL number %d does not", a.seq, s, b.seq)
				}
			}
		}
	}
	for r, rs := range readings {
		if last := rs[len(rs)-1]; len(last.serials) != certsN {
			t.Fatalf("reader %d saw %d revocations at the end, want %d", r, len(last.serials), certsN)
		}
	}
}
