// Package cards is the host's view of every card: PC/SC readers and the CNS files readable without PIN
// (host/pcsc), PKCS#11 tokens from the right module for each card family (host/p11), matched into one
// protocol.Card per physical card. It implements the card commands of the protocol; operations on one card
// are serialized by the layers below, and a card that goes away gives a retriable error while the others
// keep working.
package cards

import (
	"context"
	"crypto/x509"
	"errors"
	"sync"

	"github.com/ponte-it/ponte/host/p11"
	"github.com/ponte-it/ponte/host/pcsc"
	"github.com/ponte-it/ponte/internal/protocol"
)

// Service answers the card commands.
type Service struct {
	Locator p11.Locator
	P11     *p11.Manager

	pcscMu sync.Mutex
	pcsc   *pcsc.Context

	mu     sync.Mutex
	tokens map[string]*tokenRef // card ID → its token, from the last scan
	probed map[string]bool      // module path → loads in a child process (scanTokens' extra modules)
}

type tokenRef struct {
	reader string // PC/SC reader, or the slot description of a token without one
	token  *p11.Token
	module string
	driver string
}

// New returns a service using the standard module locations and overrides.
func New() *Service {
	return &Service{Locator: p11.NewLocator(), P11: p11.NewManager(), tokens: map[string]*tokenRef{}}
}

// PCSC opens the PC/SC context the first time the service answers; until then every call tries again, so
// a pcscd started after the host (or socket-activated late) is found. A machine without pcscd still serves
// PKCS#11-only tokens.
func (s *Service) PCSC() (*pcsc.Context, error) {
	s.pcscMu.Lock()
	defer s.pcscMu.Unlock()
	if s.pcsc == nil {
		pc, err := pcsc.Open()
		if err != nil {
			return nil, err
		}
		s.pcsc = pc
	}
	return s.pcsc, nil
}

// Watch pushes reader and card changes to publish until ctx ends.
func (s *Service) Watch(ctx context.Context, publish func(name string, data any)) error {
	pc, err := s.PCSC()
	if err != nil {
		return err
	}
	return pc.Watch(ctx, func(ev pcsc.Event) {
		switch ev.Kind {
		case protocol.EvReaderAdded, protocol.EvReaderRemoved:
			publish(ev.Kind, protocol.ReaderEvent{Reader: ev.Reader})
		case protocol.EvCardRemoved:
			s.forgetReader(ev.Reader)
			publish(ev.Kind, protocol.CardEvent{Reader: ev.Reader})
		default:
			publish(ev.Kind, protocol.CardEvent{Reader: ev.Reader, ATR: hexUpper(ev.ATR)})
		}
	})
}

// token returns the token of a card seen by the last scan, scanning again if the card is unknown.
func (s *Service) token(ctx context.Context, cardID string) (*tokenRef, *protocol.Error) {
	s.mu.Lock()
	ref, ok := s.tokens[cardID]
	s.mu.Unlock()
	if !ok {
		if _, perr := s.Cards(ctx); perr != nil {
			return nil, perr
		}
		s.mu.Lock()
		ref, ok = s.tokens[cardID]
		s.mu.Unlock()
	}
	if !ok {
		return nil, protocol.Errorf(protocol.ErrNoCard, "card %s is not in any reader", cardID)
	}
	if ref.token == nil {
		return nil, protocol.Errorf(protocol.ErrModuleMissing, "no PKCS#11 module sees card %s", cardID)
	}
	return ref, nil
}

func (s *Service) forgetReader(reader string) {
	// A removed card's token handle is stale: the next scan finds it again when it is back.
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, ref := range s.tokens {
		if ref.reader == reader {
			delete(s.tokens, id)
		}
	}
}

// perr turns an error of the layers below into a protocol error.
func perr(err error) *protocol.Error {
	if err == nil {
		return nil
	}
	var pe *protocol.Error
	if errors.As(err, &pe) {
		return pe
	}
	var pcErr *pcsc.Error
	if errors.As(err, &pcErr) {
		return protocol.Errorf(pcErr.Code, "%v", err)
	}
	return protocol.Errorf(p11.ProtocolCode(err), "%v", err)
}

func marshalPKIX(pub any) ([]byte, error) { return x509.MarshalPKIXPublicKey(pub) }
