package pcsc_test

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/ponte-it/ponte/host/pcsc"
	"github.com/ponte-it/ponte/internal/cns"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/testkit/pcscd/pcscdtest"
	"github.com/ponte-it/ponte/internal/testkit/virtualcard"
)

// card is a virtual TS-CNS with what was put in it.
type card struct {
	holder    cns.Holder
	id        string
	auth, sig []byte
	img       *virtualcard.Image
}

func newCard(t *testing.T, family, surname, name, cf, id string) *card {
	t.Helper()
	c := &card{
		holder: cns.Holder{IssuerCode: "80380", IssueDate: "01022021", ExpiryDate: "01022027", Surname: surname,
			Name: name, BirthDate: "10121985", Sex: "M", CodiceFiscale: cf, BirthMunicipality: "A562",
			ResidenceMunicipality: "H501", ResidenceAddress: "VIA DEL CORSO 1"},
		id:   id,
		auth: pcscdtest.Cert(t, cf+"/"+id, false),
		sig:  pcscdtest.Cert(t, surname+" "+name, true),
	}
	img, err := virtualcard.NewTSCNS(family, c.holder, id, c.auth, c.sig)
	if err != nil {
		t.Fatal(err)
	}
	c.img = img
	return c
}

// setup gives the test its own pcscd (nil Env in the parent process: the caller returns) and a Context
// that sees its two vpcd readers.
func setup(t *testing.T) (*pcscdtest.Env, *pcsc.Context, []string) {
	t.Helper()
	e := pcscdtest.Start(t)
	if e == nil {
		return nil, nil, nil
	}
	pc, err := pcsc.Open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	readers, err := pc.Readers()
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(readers) // "Ponte VPCD 0 00 00", "Ponte VPCD 0 00 01": the order of the vpcd ports
	if len(readers) != 2 {
		t.Fatalf("readers %q, want the two vpcd slots", readers)
	}
	return e, pc, readers
}

func insert(t *testing.T, e *pcscdtest.Env, slot int, c *card) *virtualcard.Slot {
	t.Helper()
	s := &virtualcard.Slot{Addr: e.VPCDAddr(slot), Image: c.img}
	if err := s.Insert(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Remove)
	return s
}

// events collects Watch's events and lets a test wait for one, bounded.
type events struct {
	mu  sync.Mutex
	got []pcsc.Event
	ch  chan struct{}
}

func watch(t *testing.T, pc *pcsc.Context) *events {
	ev := &events{ch: make(chan struct{}, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- pc.Watch(ctx, func(e pcsc.Event) {
			ev.mu.Lock()
			ev.got = append(ev.got, e)
			ev.mu.Unlock()
			select {
			case ev.ch <- struct{}{}:
			default:
			}
		})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Watch: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Watch did not stop on cancel (SCardCancel)")
		}
	})
	return ev
}

// wait returns the first event from index *from on that matches, within 15 s.
func (ev *events) wait(t *testing.T, from *int, kind, reader string) pcsc.Event {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		ev.mu.Lock()
		for ; *from < len(ev.got); *from++ {
			if e := ev.got[*from]; e.Kind == kind && e.Reader == reader {
				*from++
				ev.mu.Unlock()
				return e
			}
		}
		ev.mu.Unlock()
		select {
		case <-ev.ch:
		case <-deadline:
			ev.mu.Lock()
			defer ev.mu.Unlock()
			t.Fatalf("no %s event for %q; got %+v", kind, reader, ev.got)
		}
	}
}

func TestReadersAndEvents(t *testing.T) {
	e, pc, readers := setup(t)
	if e == nil {
		return
	}
	ev := watch(t, pc)
	i := 0
	for _, r := range readers {
		ev.wait(t, &i, protocol.EvReaderAdded, r)
	}
	c := newCard(t, "ST", "ROSSI", "MARIO", "RSSMRA85T10A562S", "0123456789012345")
	slot := insert(t, e, 0, c)
	in := ev.wait(t, &i, protocol.EvCardInserted, readers[0])
	if !bytes.Equal(in.ATR, c.img.ATR) {
		t.Fatalf("ATR %X, want %X", in.ATR, c.img.ATR)
	}
	if id := cns.Identify(in.ATR); id.FamilyID != "ST" || id.CNSVersion != "1.1" || !slices.Contains(id.Drivers, "safedive") {
		t.Fatalf("Identify: %+v", id)
	}
	slot.Remove()
	ev.wait(t, &i, protocol.EvCardRemoved, readers[0])
	if err := slot.Insert(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	ev.wait(t, &i, protocol.EvCardInserted, readers[0])
	// Nothing happened in the other slot.
	ev.mu.Lock()
	for _, x := range ev.got {
		if x.Reader == readers[1] && x.Kind != protocol.EvReaderAdded {
			t.Errorf("unexpected event %+v", x)
		}
	}
	ev.mu.Unlock()
}

func waitInserted(t *testing.T, pc *pcsc.Context, readers ...string) {
	t.Helper()
	ev := watch(t, pc)
	for _, r := range readers {
		i := 0
		ev.wait(t, &i, protocol.EvCardInserted, r)
	}
}

func checkInfo(t *testing.T, info *pcsc.CardInfo, c *card, family string) {
	t.Helper()
	if !bytes.Equal(info.ATR, c.img.ATR) || info.Identification.FamilyID != family {
		t.Errorf("ATR %X family %q, want %X %q", info.ATR, info.Identification.FamilyID, c.img.ATR, family)
	}
	if info.CardID != c.id || info.CardIDError != "" {
		t.Errorf("card id %q (%s), want %q", info.CardID, info.CardIDError, c.id)
	}
	if info.Holder == nil || !reflect.DeepEqual(*info.Holder, c.holder) {
		t.Errorf("holder %+v (%s), want %+v", info.Holder, info.HolderError, c.holder)
	}
	if len(info.Certs) != 2 || info.Certs[0].Role != "authentication" || !bytes.Equal(info.Certs[0].DER, c.auth) ||
		info.Certs[1].Role != "signature" || !bytes.Equal(info.Certs[1].DER, c.sig) || info.Certs[1].Path != "3F0014009010" {
		t.Errorf("certificates differ: %d read", len(info.Certs))
	}
}

func TestReadCard(t *testing.T) {
	e, pc, readers := setup(t)
	if e == nil {
		return
	}
	c := newCard(t, "ST", "ROSSI", "MARIO", "RSSMRA85T10A562S", "0123456789012345")
	if len(c.auth) <= 255 {
		t.Fatal("certificate too small to exercise chunked READ BINARY")
	}
	insert(t, e, 0, c)
	waitInserted(t, pc, readers[0])
	info, err := pc.ReadCard(context.Background(), readers[0])
	if err != nil {
		t.Fatalf("%v\npcscd:\n%s", err, e.PCSCDLog())
	}
	checkInfo(t, info, c, "ST")
	// An empty reader: a retriable "no card".
	_, err = pc.ReadCard(context.Background(), readers[1])
	var pe *pcsc.Error
	if !errors.Is(err, pcsc.ErrNoCard) || !errors.As(err, &pe) || !pe.Retriable() {
		t.Fatalf("empty reader: %v", err)
	}
	// No such reader.
	if _, err := pc.ReadCard(context.Background(), "No Such Reader 00 00"); !errors.Is(err, pcsc.ErrNoReader) {
		t.Fatalf("unknown reader: %v", err)
	}
}

func TestRemovedMidRead(t *testing.T) {
	e, pc, readers := setup(t)
	if e == nil {
		return
	}
	ev := watch(t, pc)
	i := 0
	c := newCard(t, "AC", "BIANCHI", "ANNA", "BNCNNA80A41H501R", "9988776655443322")
	slot := insert(t, e, 0, c)
	ev.wait(t, &i, protocol.EvCardInserted, readers[0])
	reinsert := func() {
		t.Helper()
		slot.Remove()
		ev.wait(t, &i, protocol.EvCardRemoved, readers[0])
		if err := slot.Insert(10 * time.Second); err != nil {
			t.Fatal(err)
		}
		ev.wait(t, &i, protocol.EvCardInserted, readers[0])
	}
	// Count the APDUs of a whole read, then pull the card out half-way through the next one.
	info, err := pc.ReadCard(context.Background(), readers[0])
	if err != nil {
		t.Fatal(err)
	}
	checkInfo(t, info, c, "AC")
	total := slot.APDUs()
	reinsert()
	slot.RemoveOnAPDU(slot.APDUs() + total/2)
	_, err = pc.ReadCard(context.Background(), readers[0])
	var pe *pcsc.Error
	if !errors.Is(err, pcsc.ErrCardRemoved) || !errors.As(err, &pe) || !pe.Retriable() {
		t.Fatalf("removed mid-read: %v (want the retriable card-removed error)\npcscd:\n%s", err, e.PCSCDLog())
	}
	t.Logf("removed mid-read after %d of %d APDUs: %v", slot.APDUs(), total, err)
	// Put it back: the same Context reads it again.
	slot.RemoveOnAPDU(0)
	reinsert()
	info, err = pc.ReadCard(context.Background(), readers[0])
	if err != nil {
		t.Fatal(err)
	}
	checkInfo(t, info, c, "AC")
}

// twoCards puts an ST card in the first reader and an AC card in the second.
func twoCards(t *testing.T, e *pcscdtest.Env, pc *pcsc.Context, readers []string) (*card, *card) {
	t.Helper()
	a := newCard(t, "ST", "ROSSI", "MARIO", "RSSMRA85T10A562S", "0123456789012345")
	b := newCard(t, "AC", "BIANCHI", "ANNA", "BNCNNA80A41H501R", "9988776655443322")
	insert(t, e, 0, a)
	insert(t, e, 1, b)
	waitInserted(t, pc, readers[0], readers[1])
	return a, b
}

func TestTwoCardsAtOnce(t *testing.T) {
	e, pc, readers := setup(t)
	if e == nil {
		return
	}
	a, b := twoCards(t, e, pc, readers)
	// Each card's PIN counter, as the card keeps it: ST answers on reference 0x90 (OpenSC's STIncard
	// form), AC on 0x10.
	a.img.PIN, b.img.PIN = []byte("12345"), []byte("12345")
	a.img.SetPINTries(2)
	b.img.SetPINTries(1)
	var wg sync.WaitGroup
	infos := make([]*pcsc.CardInfo, 2)
	errs := make([]error, 2)
	for i, r := range []string{readers[0], readers[1]} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			infos[i], errs[i] = pc.ReadCard(context.Background(), r)
		}()
	}
	wg.Wait()
	for i, c := range []*card{a, b} {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		checkInfo(t, infos[i], c, []string{"ST", "AC"}[i])
		// The tries came from the card and cost nothing: no VERIFY presented a PIN, the counter is as it was.
		want := []int{2, 1}[i]
		if infos[i].PINTries != want || c.img.PINTries() != want || c.img.PINAttempts() != 0 {
			t.Errorf("card %d: read %d tries, the card holds %d (want %d), %d PIN attempts", i, infos[i].PINTries, c.img.PINTries(), want, c.img.PINAttempts())
		}
	}
	// A blocked PIN reads as 0 (6983), still without presenting anything.
	b.img.SetPINTries(0)
	info, err := pc.ReadCard(context.Background(), readers[1])
	if err != nil {
		t.Fatal(err)
	}
	if info.PINTries != 0 || b.img.PINAttempts() != 0 {
		t.Errorf("blocked PIN read as %d tries, %d PIN attempts", info.PINTries, b.img.PINAttempts())
	}
}

// One operation per card: while one holds the card, another waits and gives up with ErrCardBusy after
// BusyWait; the other reader is unaffected.
func TestOneOperationPerCard(t *testing.T) {
	e, pc, readers := setup(t)
	if e == nil {
		return
	}
	a, b := twoCards(t, e, pc, readers)
	pc.BusyWait = 200 * time.Millisecond
	holding, release := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		done <- pc.Transact(context.Background(), readers[0], func(c *pcsc.Card) error {
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	if _, err := pc.ReadCard(context.Background(), readers[0]); !errors.Is(err, pcsc.ErrCardBusy) {
		t.Fatalf("second operation on a held card: %v", err)
	}
	if info, err := pc.ReadCard(context.Background(), readers[1]); err != nil {
		t.Fatalf("other reader: %v", err)
	} else {
		checkInfo(t, info, b, "AC")
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	pc.BusyWait = 10 * time.Second
	if info, err := pc.ReadCard(context.Background(), readers[0]); err != nil {
		t.Fatal(err)
	} else {
		checkInfo(t, info, a, "ST")
	}
}

// A CNS whose ATR no rule knows (here a storage-card ATR from PC/SC part 3) is still identified from its
// files: a CNS of no recognised family with what it answered as evidence, its PIN tries read the same way.
func TestUnknownATRIdentifiedFromFiles(t *testing.T) {
	e, pc, readers := setup(t)
	if e == nil {
		return
	}
	c := newCard(t, "ST", "VERDI", "LUCA", "VRDLCU80A01H501X", "0123456789012399")
	c.img.ATR = []byte{0x3B, 0x8F, 0x80, 0x01, 0x80, 0x4F, 0x0C, 0xA0, 0x00, 0x00, 0x03, 0x06, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x6A}
	if id := cns.Identify(c.img.ATR); id.Match != cns.MatchUnknown || id.ATRError != "" {
		t.Fatalf("test ATR: %+v", id)
	}
	c.img.SetPINTries(2)
	info := insertAndRead(t, e, pc, readers[0], c)
	id := info.Identification
	if id.Match != cns.MatchCNSFiles || id.Kind != "CNS" || id.Known || len(id.Drivers) == 0 {
		t.Fatalf("identification %+v", id)
	}
	for _, want := range []string{"EF_IDCarta", "EF_DatiPersonali", "EF 3F0011001101"} {
		if !slices.Contains(id.Evidence, want) {
			t.Errorf("evidence %q lacks %s", id.Evidence, want)
		}
	}
	if info.CardID != c.id || info.Holder == nil || info.Holder.Surname != "VERDI" {
		t.Errorf("files: card %q holder %+v", info.CardID, info.Holder)
	}
	if info.PINTries != 2 || c.img.PINAttempts() != 0 {
		t.Errorf("tries %d, PIN attempts %d", info.PINTries, c.img.PINAttempts())
	}
}

// A firmware that takes the tries query for a wrong PIN (6300) costs at most the one query: the host
// shows no number, remembers the card and does not ask it again on the next card lists (which follow
// every card event), so it can never walk the counter down to blocked.
func TestTriesQueryNotRepeatedOnAFirmwareThatCounts(t *testing.T) {
	e, pc, readers := setup(t)
	if e == nil {
		return
	}
	c := newCard(t, "AC", "NERI", "ADA", "NREDAA80A41H501U", "0123456789012398")
	c.img.QueryCounts = true
	info := insertAndRead(t, e, pc, readers[0], c)
	for i := 0; i < 3; i++ {
		if i > 0 {
			var err error
			if info, err = pc.ReadCard(context.Background(), readers[0]); err != nil {
				t.Fatal(err)
			}
		}
		if info.PINTries != -1 || info.PINVerified {
			t.Errorf("read %d: tries %d verified %v from a 6300", i, info.PINTries, info.PINVerified)
		}
	}
	if c.img.PINAttempts() != 1 || c.img.PINTries() != virtualcard.PINTriesMax-1 {
		t.Errorf("%d queries reached the card, %d tries left", c.img.PINAttempts(), c.img.PINTries())
	}
}

// A card the ATR does not tell that answers at one CNS path only (here the CNS0 certificate's,
// as another card's file system may have) is not taken for a CNS: it stays unknown and is sent no
// VERIFY at all (the virtual card counts every VERIFY when QueryCounts is set).
func TestOneCNSFileIsNotACNS(t *testing.T) {
	e, pc, readers := setup(t)
	if e == nil {
		return
	}
	c := newCard(t, "ST", "GIALLI", "EVA", "GLLEVA80A41H501S", "0123456789012397")
	c.img.ATR = []byte{0x3B, 0x8F, 0x80, 0x01, 0x80, 0x4F, 0x0C, 0xA0, 0x00, 0x00, 0x03, 0x06, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x6A}
	var kept []virtualcard.File
	for _, f := range c.img.Files {
		if slices.Equal(f.Path, cns.PathCertCNS0) {
			kept = append(kept, f)
		}
	}
	c.img.Files, c.img.QueryCounts = kept, true
	info := insertAndRead(t, e, pc, readers[0], c)
	if id := info.Identification; id.Kind != "" || id.Match != cns.MatchUnknown || len(id.Drivers) > 0 {
		t.Errorf("identified as %+v", id)
	}
	if len(info.Certs) != 1 || c.img.PINAttempts() != 0 || info.PINTries != -1 {
		t.Errorf("%d certificates read, %d VERIFYs sent, tries %d", len(info.Certs), c.img.PINAttempts(), info.PINTries)
	}
}

// insertAndRead puts c in the first virtual reader and reads it once.
func insertAndRead(t *testing.T, e *pcscdtest.Env, pc *pcsc.Context, reader string, c *card) *pcsc.CardInfo {
	t.Helper()
	insert(t, e, 0, c)
	waitInserted(t, pc, reader)
	info, err := pc.ReadCard(context.Background(), reader)
	if err != nil {
		t.Fatal(err)
	}
	return info
}
