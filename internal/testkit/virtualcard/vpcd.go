package virtualcard

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// vsmartcard's vpcd protocol (virtualsmartcard/src/vpcd/vpcd.c): every message is a 2-byte big-endian
// length and a payload. A 1-byte payload from vpcd is a control code; anything longer is a command
// APDU, answered by a response APDU. Only the ATR request is answered among the control codes.
const (
	vpcdPowerOff = 0
	vpcdPowerOn  = 1
	vpcdReset    = 2
	vpcdGetATR   = 4

	// DefaultVPCDPort is vpcd's port (DEVICENAME /dev/null:0x8C7B in /etc/reader.conf.d/vpcd).
	DefaultVPCDPort = 0x8C7B // 35963
)

// Serve speaks vpcd on an established connection until it closes or ctx ends. It powers the card on
// at the start and at every power-on or reset, as the reader asks.
func (img *Image) Serve(ctx context.Context, conn net.Conn, hook func(apdu []byte) bool) error {
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	card, err := img.NewCard()
	if err != nil {
		return err
	}
	var hdr [2]byte
	for {
		if _, err := io.ReadFull(conn, hdr[:]); err != nil {
			return endOf(ctx, err)
		}
		quickAck(conn)
		msg := make([]byte, binary.BigEndian.Uint16(hdr[:]))
		if _, err := io.ReadFull(conn, msg); err != nil {
			return endOf(ctx, err)
		}
		var reply []byte
		switch {
		case len(msg) == 0:
			continue
		case len(msg) == 1:
			switch msg[0] {
			case vpcdPowerOn, vpcdReset, vpcdPowerOff:
				if card, err = img.NewCard(); err != nil {
					return err
				}
				continue
			case vpcdGetATR:
				reply = img.ATR
			default:
				return fmt.Errorf("virtualcard: unknown vpcd control code %d", msg[0])
			}
		default:
			if hook != nil && !hook(msg) {
				return errRemoved
			}
			reply = card.Process(msg)
		}
		out := binary.BigEndian.AppendUint16(nil, uint16(len(reply)))
		if _, err := conn.Write(append(out, reply...)); err != nil {
			return endOf(ctx, err)
		}
	}
}

var errRemoved = errors.New("virtualcard: card removed")

func endOf(ctx context.Context, err error) error {
	if ctx.Err() != nil || errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// Slot is a virtual card in a vpcd reader: Insert connects to vpcd (the card "goes in"), Remove drops
// the connection (the card "comes out"). vpcd notices within its presence poll.
type Slot struct {
	Addr  string // vpcd's address, e.g. "127.0.0.1:35963"
	Image *Image

	mu        sync.Mutex
	conn      net.Conn
	cancel    context.CancelFunc
	done      chan struct{}
	err       error
	removeAt  int // remove on this APDU (counted from Insert); 0 = never
	apduCount int
}

// Insert connects the card to vpcd, retrying for up to wait while vpcd is not listening yet.
func (s *Slot) Insert(wait time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn != nil {
		return errors.New("virtualcard: card already inserted")
	}
	deadline := time.Now().Add(wait)
	var conn net.Conn
	var err error
	for {
		conn, err = net.DialTimeout("tcp", s.Addr, time.Second)
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("virtualcard: cannot reach vpcd at %s: %w", s.Addr, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.conn, s.cancel, s.done, s.apduCount, s.err = conn, cancel, make(chan struct{}), 0, nil
	done := s.done
	go func() {
		err := s.Image.Serve(ctx, conn, s.onAPDU)
		conn.Close()
		s.mu.Lock()
		if !errors.Is(err, errRemoved) {
			s.err = err
		}
		if s.conn == conn {
			s.conn = nil
		}
		s.mu.Unlock()
		close(done)
	}()
	return nil
}

// onAPDU counts command APDUs and pulls the card out, unanswered, at the chosen one.
func (s *Slot) onAPDU(apdu []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apduCount++
	return s.removeAt == 0 || s.apduCount < s.removeAt
}

// RemoveOnAPDU makes the card vanish when it receives its n-th command APDU after the last Insert,
// without answering it: the test's "card pulled out in the middle of an operation". 0 turns it off.
func (s *Slot) RemoveOnAPDU(n int) {
	s.mu.Lock()
	s.removeAt = n
	s.mu.Unlock()
}

// APDUs reports how many command APDUs the card received since the last Insert.
func (s *Slot) APDUs() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.apduCount
}

// Remove pulls the card out and waits until its connection is closed.
func (s *Slot) Remove() {
	s.mu.Lock()
	cancel, done := s.cancel, s.done
	s.conn = nil
	s.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// Wait returns when the card's connection ended (vpcd closed it, Remove, or a removal by APDU count),
// with the error that ended it, if any.
func (s *Slot) Wait() error {
	s.mu.Lock()
	done := s.done
	s.mu.Unlock()
	if done != nil {
		<-done
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}
