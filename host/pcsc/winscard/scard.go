//go:build !darwin && !(linux && ponte_purego)

package winscard

import "github.com/ebfe/scard"

// The API subset host/pcsc uses, as aliases of github.com/ebfe/scard.
type (
	Context     = scard.Context
	Card        = scard.Card
	CardStatus  = scard.CardStatus
	ReaderState = scard.ReaderState
	StateFlag   = scard.StateFlag
	Error       = scard.Error
	ShareMode   = scard.ShareMode
	Protocol    = scard.Protocol
	Disposition = scard.Disposition
)

// EstablishContext wraps SCardEstablishContext (scope system).
func EstablishContext() (*Context, error) { return scard.EstablishContext() }

const (
	ShareShared = scard.ShareShared
	ProtocolAny = scard.ProtocolAny
	LeaveCard   = scard.LeaveCard

	StateUnaware     = scard.StateUnaware
	StateChanged     = scard.StateChanged
	StateUnknown     = scard.StateUnknown
	StateUnavailable = scard.StateUnavailable
	StateEmpty       = scard.StateEmpty
	StatePresent     = scard.StatePresent
	StateMute        = scard.StateMute

	ErrSuccess            = scard.ErrSuccess
	ErrInternalError      = scard.ErrInternalError
	ErrCancelled          = scard.ErrCancelled
	ErrInsufficientBuffer = scard.ErrInsufficientBuffer
	ErrUnknownReader      = scard.ErrUnknownReader
	ErrTimeout            = scard.ErrTimeout
	ErrSharingViolation   = scard.ErrSharingViolation
	ErrNoSmartcard        = scard.ErrNoSmartcard
	ErrCommError          = scard.ErrCommError
	ErrUnknownError       = scard.ErrUnknownError
	ErrNotTransacted      = scard.ErrNotTransacted
	ErrReaderUnavailable  = scard.ErrReaderUnavailable
	ErrNoService          = scard.ErrNoService
	ErrServiceStopped     = scard.ErrServiceStopped
	ErrNoReadersAvailable = scard.ErrNoReadersAvailable
	ErrUnsupportedCard    = scard.ErrUnsupportedCard
	ErrUnresponsiveCard   = scard.ErrUnresponsiveCard
	ErrUnpoweredCard      = scard.ErrUnpoweredCard
	ErrResetCard          = scard.ErrResetCard
	ErrRemovedCard        = scard.ErrRemovedCard
)
