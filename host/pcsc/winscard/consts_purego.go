//go:build darwin || (linux && ponte_purego)

package winscard

// Constants of pcsclite.h, each followed by its C name (layout_test.go checks every value against the
// header with the C compiler). PCSC.framework's pcsclite.h (MacOSX SDK) has the same values.
const (
	ShareShared ShareMode   = 0x0002 // SCARD_SHARE_SHARED
	ProtocolT0  Protocol    = 0x0001 // SCARD_PROTOCOL_T0
	ProtocolT1  Protocol    = 0x0002 // SCARD_PROTOCOL_T1
	ProtocolAny Protocol    = 0x0003 // SCARD_PROTOCOL_ANY
	LeaveCard   Disposition = 0x0000 // SCARD_LEAVE_CARD

	StateUnaware     StateFlag = 0x0000 // SCARD_STATE_UNAWARE
	StateChanged     StateFlag = 0x0002 // SCARD_STATE_CHANGED
	StateUnknown     StateFlag = 0x0004 // SCARD_STATE_UNKNOWN
	StateUnavailable StateFlag = 0x0008 // SCARD_STATE_UNAVAILABLE
	StateEmpty       StateFlag = 0x0010 // SCARD_STATE_EMPTY
	StatePresent     StateFlag = 0x0020 // SCARD_STATE_PRESENT
	StateMute        StateFlag = 0x0200 // SCARD_STATE_MUTE

	ErrSuccess            Error = 0x00000000 // SCARD_S_SUCCESS
	ErrInternalError      Error = 0x80100001 // SCARD_F_INTERNAL_ERROR
	ErrCancelled          Error = 0x80100002 // SCARD_E_CANCELLED
	ErrInvalidParameter   Error = 0x80100004 // SCARD_E_INVALID_PARAMETER
	ErrInsufficientBuffer Error = 0x80100008 // SCARD_E_INSUFFICIENT_BUFFER
	ErrUnknownReader      Error = 0x80100009 // SCARD_E_UNKNOWN_READER
	ErrTimeout            Error = 0x8010000A // SCARD_E_TIMEOUT
	ErrSharingViolation   Error = 0x8010000B // SCARD_E_SHARING_VIOLATION
	ErrNoSmartcard        Error = 0x8010000C // SCARD_E_NO_SMARTCARD
	ErrCommError          Error = 0x80100013 // SCARD_F_COMM_ERROR
	ErrUnknownError       Error = 0x80100014 // SCARD_F_UNKNOWN_ERROR
	ErrNotTransacted      Error = 0x80100016 // SCARD_E_NOT_TRANSACTED
	ErrReaderUnavailable  Error = 0x80100017 // SCARD_E_READER_UNAVAILABLE
	ErrNoService          Error = 0x8010001D // SCARD_E_NO_SERVICE
	ErrServiceStopped     Error = 0x8010001E // SCARD_E_SERVICE_STOPPED
	ErrNoReadersAvailable Error = 0x8010002E // SCARD_E_NO_READERS_AVAILABLE
	ErrUnsupportedCard    Error = 0x80100065 // SCARD_W_UNSUPPORTED_CARD
	ErrUnresponsiveCard   Error = 0x80100066 // SCARD_W_UNRESPONSIVE_CARD
	ErrUnpoweredCard      Error = 0x80100067 // SCARD_W_UNPOWERED_CARD
	ErrResetCard          Error = 0x80100068 // SCARD_W_RESET_CARD
	ErrRemovedCard        Error = 0x80100069 // SCARD_W_REMOVED_CARD
)

// errorText is pcsc-lite's pcsc_stringify_error wording for the codes above.
var errorText = map[Error]string{
	ErrSuccess:            "Command successful.",
	ErrInternalError:      "Internal error.",
	ErrCancelled:          "Command cancelled.",
	ErrInvalidParameter:   "Invalid parameter given.",
	ErrInsufficientBuffer: "Insufficient buffer.",
	ErrUnknownReader:      "Unknown reader specified.",
	ErrTimeout:            "Command timeout.",
	ErrSharingViolation:   "Sharing violation.",
	ErrNoSmartcard:        "No smart card inserted.",
	ErrCommError:          "RPC transport error.",
	ErrUnknownError:       "Unknown error.",
	ErrNotTransacted:      "Transaction failed.",
	ErrReaderUnavailable:  "Reader is unavailable.",
	ErrNoService:          "Service not available.",
	ErrServiceStopped:     "Service was stopped.",
	ErrNoReadersAvailable: "Cannot find a smart card reader.",
	ErrUnsupportedCard:    "Card is not supported.",
	ErrUnresponsiveCard:   "Card is unresponsive.",
	ErrUnpoweredCard:      "Card is unpowered.",
	ErrResetCard:          "Card was reset.",
	ErrRemovedCard:        "Card was removed.",
}
