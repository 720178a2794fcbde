package pcsc

import (
	"errors"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/host/pcsc/winscard"

	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/words"
)

func TestFileSize(t *testing.T) {
	cases := map[string]struct {
		in   []byte
		want int
	}{
		"fci with 80":       {[]byte{0x6F, 0x08, 0x80, 0x02, 0x03, 0x1F, 0x82, 0x01, 0x01, 0x00}, 0x31F},
		"fcp with 81 only":  {[]byte{0x62, 0x04, 0x81, 0x02, 0x00, 0x10}, 16},
		"80 wins over 81":   {[]byte{0x62, 0x08, 0x81, 0x02, 0x00, 0x20, 0x80, 0x02, 0x00, 0x10}, 16},
		"no size":           {[]byte{0x6F, 0x03, 0x82, 0x01, 0x38}, -1},
		"not a template":    {[]byte{0x00, 0x01, 0x02}, -1},
		"truncated element": {[]byte{0x6F, 0x04, 0x80, 0x04, 0x00}, -1},
		"empty":             {nil, -1},
	}
	for name, c := range cases {
		if got := fileSize(c.in); got != c.want {
			t.Errorf("%s: %d, want %d", name, got, c.want)
		}
	}
}

func FuzzFileSize(f *testing.F) {
	f.Add([]byte{0x6F, 0x08, 0x80, 0x02, 0x03, 0x1F, 0x82, 0x01, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		if n := fileSize(b); n < -1 {
			t.Fatalf("size %d", n)
		}
	})
}

func TestClassify(t *testing.T) {
	cases := map[winscard.Error]protocol.Code{
		winscard.ErrRemovedCard:      protocol.ErrCardRemoved,
		winscard.ErrResetCard:        protocol.ErrCardRemoved,
		winscard.ErrNoSmartcard:      protocol.ErrNoCard,
		winscard.ErrUnknownReader:    protocol.ErrNoReader,
		winscard.ErrNoService:        protocol.ErrNoService,
		winscard.ErrSharingViolation: protocol.ErrCardBusy,
		winscard.ErrUnsupportedCard:  protocol.ErrCardUnreadable,
	}
	for in, want := range cases {
		err := classify("R 00 00", "SCardConnect", in)
		var pe *Error
		if !errors.As(err, &pe) || pe.Code != want || !errors.Is(err, in) || !errors.Is(err, &Error{Code: want}) {
			t.Errorf("%v: %v, want %s", in, err, want)
		}
		if pe.Retriable() != want.Retriable() {
			t.Errorf("%v: retriable %v", in, pe.Retriable())
		}
		// Technical English: the code, the reader, the operation, the cause; the words come from the code.
		if msg := err.Error(); !strings.HasPrefix(msg, string(want)+" [R 00 00] SCardConnect: ") {
			t.Errorf("message %q", msg)
		}
		if w := words.Of(err); len(w) != 1 || w[0].Code != want {
			t.Errorf("words %v", w)
		}
	}
	if !errors.Is(&StatusError{SW: 0x6A82}, ErrFileNotFound) || errors.Is(&StatusError{SW: 0x6982}, ErrFileNotFound) {
		t.Error("StatusError matching")
	}
}

func TestReportCard(t *testing.T) {
	var got []Event
	fn := func(e Event) { got = append(got, e) }
	present := readerCards{}
	st := func(cur, ev winscard.StateFlag, counter uint32) winscard.ReaderState {
		return winscard.ReaderState{Reader: "R", CurrentState: cur, EventState: ev | winscard.StateFlag(counter<<16), Atr: []byte{0x3B, 0x00}}
	}
	// What pcsc-lite 1.9.9 answered for a vpcd reader whose card stayed in: no PRESENT, no EMPTY, counter 0.
	const unknown = winscard.StateChanged | winscard.StateUnknown | winscard.StateUnavailable
	present.report(st(winscard.StateUnaware, winscard.StatePresent, 1), fn)           // initial: inserted
	present.report(st(winscard.StatePresent|1<<16, winscard.StatePresent, 1), fn)     // nothing new
	present.report(st(winscard.StatePresent|1<<16, unknown, 0), fn)                   // state not available: no event
	present.report(st(unknown&^winscard.StateChanged, winscard.StatePresent, 1), fn)  // back, same card: nothing
	present.report(st(winscard.StatePresent|1<<16, winscard.StateEmpty, 2), fn)       // removed
	present.report(st(winscard.StateEmpty|2<<16, winscard.StatePresent, 3), fn)       // inserted
	present.report(st(winscard.StatePresent|3<<16, winscard.StatePresent, 5), fn)     // swapped between wakes
	present.report(st(winscard.StatePresent|5<<16, unknown, 0), fn)                   // not available...
	present.report(st(unknown&^winscard.StateChanged, winscard.StatePresent, 7), fn)  // ...and swapped meanwhile
	present.report(st(winscard.StatePresent|7<<16, winscard.StateUnavailable, 0), fn) // not available...
	present.report(st(winscard.StateUnavailable, winscard.StateEmpty, 8), fn)         // ...and taken out meanwhile
	kinds := []string{}
	for _, e := range got {
		kinds = append(kinds, e.Kind)
	}
	want := []string{protocol.EvCardInserted, protocol.EvCardRemoved, protocol.EvCardInserted, protocol.EvCardRemoved, protocol.EvCardInserted,
		protocol.EvCardRemoved, protocol.EvCardInserted, protocol.EvCardRemoved}
	if strings.Join(kinds, ",") != strings.Join(want, ",") {
		t.Fatalf("events %v, want %v", kinds, want)
	}
	got = nil
	states := syncReaders(nil, []string{"A", "B"}, present, fn)
	present["A"] = cardState{present: true}
	states = syncReaders(states, []string{"B", "C"}, present, fn)
	kinds = kinds[:0]
	for _, e := range got {
		kinds = append(kinds, e.Kind+":"+e.Reader)
	}
	if strings.Join(kinds, ",") != "reader-added:A,reader-added:B,card-removed:A,reader-removed:A,reader-added:C" || len(states) != 2 {
		t.Fatalf("events %v, states %d", kinds, len(states))
	}
}
