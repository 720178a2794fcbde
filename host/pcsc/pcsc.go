// Package pcsc is the host's PC/SC side: readers, insertion and removal events, and the CNS files any
// application may read without PIN (EF_IDCarta, EF_DatiPersonali, certificates). Operations on one card
// run one at a time; a card pulled out mid-operation gives ErrCardRemoved (retriable) and the other
// readers keep working.
package pcsc

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/ponte-it/ponte/host/pcsc/winscard"
)

// Context is the host's PC/SC session.
type Context struct {
	// BusyWait bounds how long an operation waits for another one on the same card before failing with
	// ErrCardBusy.
	BusyWait time.Duration
	// RemovalWait bounds how long a failed exchange waits for the reader to report the card gone, to tell
	// "removed" from "unreadable" (pcscd notices a vanished card at its next presence poll).
	RemovalWait time.Duration

	mu     sync.Mutex
	locks  map[string]chan struct{}
	closed bool
	// noQuery holds the cards (ATR and card id) whose answer to the tries query was none of 63Cx, 6983
	// or 9000: such a firmware may have taken it for a PIN (6300: "authentication failed"), so it is
	// not asked again while the host runs. The card list is refreshed on every card event.
	noQuery map[string]bool
}

// queryTries tells whether a card may be asked for its PIN tries, and remember records that it must
// not be asked again.
func (c *Context) queryTries(key string, remember bool) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if remember {
		if c.noQuery == nil {
			c.noQuery = map[string]bool{}
		}
		c.noQuery[key] = true
	}
	return !c.noQuery[key]
}

// Open checks that the PC/SC service answers and returns a Context.
func Open() (*Context, error) {
	sc, err := winscard.EstablishContext()
	if err != nil {
		return nil, classify("", "SCardEstablishContext", err)
	}
	_ = sc.Release()
	return &Context{BusyWait: 10 * time.Second, RemovalWait: 3 * time.Second, locks: map[string]chan struct{}{}}, nil
}

// Close marks the context closed; running operations finish, new ones fail.
func (c *Context) Close() error {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	return nil
}

// Readers lists the readers pcscd knows; none is an empty list, not an error.
func (c *Context) Readers() ([]string, error) {
	sc, err := winscard.EstablishContext()
	if err != nil {
		return nil, classify("", "SCardEstablishContext", err)
	}
	defer sc.Release()
	return listReaders(sc)
}

func listReaders(sc *winscard.Context) ([]string, error) {
	rs, err := sc.ListReaders()
	if errors.Is(err, winscard.ErrNoReadersAvailable) {
		return nil, nil
	}
	if err != nil {
		return nil, classify("", "SCardListReaders", err)
	}
	return rs, nil
}

// lock takes the reader's operation slot, waiting at most BusyWait (or until ctx ends).
func (c *Context) lock(ctx context.Context, reader string) (func(), error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, &Error{Code: ErrNoReader.Code, Reader: reader, Op: "closed", Err: errors.New("pcsc context closed")}
	}
	ch, ok := c.locks[reader]
	if !ok {
		ch = make(chan struct{}, 1)
		c.locks[reader] = ch
	}
	c.mu.Unlock()
	t := time.NewTimer(c.BusyWait)
	defer t.Stop()
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-t.C:
		return nil, &Error{Code: ErrCardBusy.Code, Reader: reader, Op: "waiting for the card", Err: errors.New("another operation is running")}
	case <-ctx.Done():
		return nil, &Error{Code: ErrCardBusy.Code, Reader: reader, Op: "waiting for the card", Err: ctx.Err()}
	}
}

// Transact runs fn with exclusive use of the card in reader: one operation per card in this process
// (others wait up to BusyWait) and a PC/SC transaction against other processes. The Card is valid only
// inside fn.
func (c *Context) Transact(ctx context.Context, reader string, fn func(*Card) error) error {
	unlock, err := c.lock(ctx, reader)
	if err != nil {
		return err
	}
	defer unlock()
	// A PC/SC context per operation: a failure or a stuck call on one card cannot block another.
	sc, err := winscard.EstablishContext()
	if err != nil {
		return classify(reader, "SCardEstablishContext", err)
	}
	defer sc.Release()
	stop := context.AfterFunc(ctx, func() { _ = sc.Cancel() })
	defer stop()
	h, err := sc.Connect(reader, winscard.ShareShared, winscard.ProtocolAny)
	if err != nil {
		return classify(reader, "SCardConnect", err)
	}
	defer h.Disconnect(winscard.LeaveCard)
	if err := h.BeginTransaction(); err != nil {
		return classify(reader, "SCardBeginTransaction", err)
	}
	defer h.EndTransaction(winscard.LeaveCard)
	card := &Card{reader: reader, sc: sc, h: h, removalWait: c.RemovalWait, events: eventCounter(sc, reader)}
	return fn(card)
}
