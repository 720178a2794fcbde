package pcsc

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/ponte-it/ponte/host/pcsc/winscard"

	"github.com/ponte-it/ponte/internal/protocol"
)

// Event is a change in the readers or cards. Kind is one of protocol.EvReaderAdded, EvReaderRemoved,
// EvCardInserted, EvCardRemoved.
type Event struct {
	Kind   string
	Reader string
	ATR    []byte // card-inserted only
	Mute   bool   // card-inserted: the card does not answer the reset
}

// pnpReader is PC/SC's pseudo reader whose state changes when a reader is plugged in or out
// (pcsc-lite winscard_clnt.c SCardGetStatusChange, "\\?PnP?\Notification").
const pnpReader = `\\?PnP?\Notification`

// Watch reports reader and card changes to fn until ctx ends. It first reports the current state
// (reader-added for every reader, card-inserted for every card) and then each change. It blocks in
// SCardGetStatusChange without a timeout and is woken by SCardCancel when ctx ends: no polling loop.
// fn runs on Watch's goroutine.
func (c *Context) Watch(ctx context.Context, fn func(Event)) error {
	sc, err := winscard.EstablishContext()
	if err != nil {
		return classify("", "SCardEstablishContext", err)
	}
	// SCardCancel only wakes a GetStatusChange already waiting (pcsc-lite sets the context cancellable
	// inside the call), so a cancel that lands between two waits is repeated until Watch has returned.
	exited, cancelled := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(cancelled)
		select {
		case <-exited:
			return
		case <-ctx.Done():
		}
		for {
			_ = sc.Cancel()
			select {
			case <-exited:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	defer func() {
		close(exited)
		<-cancelled
		_ = sc.Release()
	}()

	pnp := winscard.ReaderState{Reader: pnpReader, CurrentState: winscard.StateUnaware}
	var states []winscard.ReaderState // one per known reader
	present := readerCards{}
	usePnP := true
	for ctx.Err() == nil {
		readers, err := listReaders(sc)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		states = syncReaders(states, readers, present, fn)

		rs := slices.Clone(states)
		if usePnP {
			rs = append(rs, pnp)
		}
		timeout := time.Duration(-1) // INFINITE
		if !usePnP {
			// Without PnP notifications a new reader is only seen by listing again.
			timeout = 2 * time.Second
		}
		err = sc.GetStatusChange(rs, timeout)
		switch {
		case ctx.Err() != nil || errors.Is(err, winscard.ErrCancelled):
			return nil
		case errors.Is(err, winscard.ErrTimeout):
			continue
		case errors.Is(err, winscard.ErrUnknownReader), errors.Is(err, winscard.ErrReaderUnavailable):
			continue // a reader went away between listing and waiting: list again
		case errors.Is(err, winscard.ErrNoService), errors.Is(err, winscard.ErrServiceStopped):
			return classify("", "SCardGetStatusChange", err)
		case err != nil:
			if usePnP {
				usePnP = false // the service does not know the PnP reader: list periodically instead
				continue
			}
			return classify("", "SCardGetStatusChange", err)
		}
		if usePnP {
			pnp = rs[len(rs)-1]
			pnp.CurrentState = pnp.EventState &^ winscard.StateChanged
			if pnp.EventState&winscard.StateUnknown != 0 {
				usePnP = false
			}
		}
		for i := range states {
			st := rs[i]
			states[i].CurrentState = st.EventState &^ winscard.StateChanged
			present.report(st, fn)
		}
	}
	return nil
}

// syncReaders reports readers added and removed since the last listing and returns the new state list.
func syncReaders(states []winscard.ReaderState, readers []string, present readerCards, fn func(Event)) []winscard.ReaderState {
	var out []winscard.ReaderState
	for _, st := range states {
		if slices.Contains(readers, st.Reader) {
			out = append(out, st)
			continue
		}
		if present[st.Reader].present {
			fn(Event{Kind: protocol.EvCardRemoved, Reader: st.Reader})
		}
		delete(present, st.Reader)
		fn(Event{Kind: protocol.EvReaderRemoved, Reader: st.Reader})
	}
	for _, r := range readers {
		if !slices.ContainsFunc(out, func(s winscard.ReaderState) bool { return s.Reader == r }) {
			fn(Event{Kind: protocol.EvReaderAdded, Reader: r})
			out = append(out, winscard.ReaderState{Reader: r, CurrentState: winscard.StateUnaware})
		}
	}
	return out
}

// readerCards is what Watch last knew of each reader's card: whether one is in it, and pcsc-lite's event
// counter (the high 16 bits of the event state, moved by every insertion and removal) at that time.
type readerCards map[string]cardState

type cardState struct {
	present bool
	events  uint32
}

// report turns a reader's new state into card-inserted / card-removed events. A card replaced between two
// wakes (the event counter moved since the card was last seen) counts as removed and inserted.
//
// A state that is neither PRESENT nor EMPTY (UNKNOWN, UNAVAILABLE: "the actual state of this reader is not
// available", PC/SC part 5 and pcsc-lite's SCardGetStatusChange; pcsc-lite 1.9.9 answered 0x0000000E for a
// vpcd reader whose card stayed in, right after a card read) tells nothing about the card and is no removal:
// a card-removed ends every PIN login of the host (session.Logins), which cost a renewal its user login
// between two steps. A card taken out meanwhile shows EMPTY, and one swapped a moved counter, once the
// reader's state is known again.
func (cards readerCards) report(st winscard.ReaderState, fn func(Event)) {
	if st.EventState&(winscard.StatePresent|winscard.StateEmpty) == 0 {
		return
	}
	now := st.EventState&winscard.StatePresent != 0
	events := uint32(st.EventState) >> 16
	last := cards[st.Reader]
	was := last.present
	if was && (!now || events != last.events) {
		fn(Event{Kind: protocol.EvCardRemoved, Reader: st.Reader})
		was = false
	}
	if now && !was {
		fn(Event{Kind: protocol.EvCardInserted, Reader: st.Reader, ATR: slices.Clone(st.Atr),
			Mute: st.EventState&winscard.StateMute != 0})
	}
	cards[st.Reader] = cardState{present: now, events: events}
}
