package protocol

// Command names. Each has a row in commandTable with its params and result types.
const (
	CmdHello   = "hello"
	CmdVersion = "version"
)

// Event names the host pushes.
const (
	EvReaderAdded   = "reader-added"
	EvReaderRemoved = "reader-removed"
	EvCardInserted  = "card-inserted"
	EvCardRemoved   = "card-removed"
)

// Hello is the first request of every connection.
type Hello struct {
	Protocol int    `json:"protocol"` // the client's Version
	Client   string `json:"client"`   // e.g. "ponte-wasm v0.1.0"
}

// HelloResult tells the client who it is talking to.
type HelloResult struct {
	Protocol  int    `json:"protocol"`
	Version   string `json:"version"`   // ponte-host version, from git
	OS        string `json:"os"`        // GOOS/GOARCH of the host
	Transport string `json:"transport"` // "native" or "websocket"
}

// VersionResult is the host's version.
type VersionResult struct {
	Version string `json:"version"`
}

// ReaderEvent is the data of reader-added and reader-removed, and CardEvent of card-inserted/-removed.
type ReaderEvent struct {
	Reader string `json:"reader"`
}

type CardEvent struct {
	Reader string `json:"reader"`
	ATR    string `json:"atr,omitempty"` // hex
}

// CommandInfo documents one command.
type CommandInfo struct {
	Name   string
	Doc    string
	Params any
	Result any
}

// EventInfo documents one event.
type EventInfo struct {
	Name string
	Doc  string
	Data any
}

var commandTable = []CommandInfo{
	{CmdHello, "Agree the protocol version. Must be the first request; any other before it gets HELLO_REQUIRED.", Hello{}, HelloResult{}},
	{CmdVersion, "The host's version (the same string `ponte-host version` prints).", struct{}{}, VersionResult{}},
	{CmdCards, "Readers, the cards in them (family, holder, certificates) and their PKCS#11 token, without PIN.", struct{}{}, CardsResult{}},
	{CmdLogin, "Open the PIN session on a card (one try, never retried; empty PIN on a PIN-pad reader), or with so the security officer's with the PUK.", Login{}, PINResult{}},
	{CmdLogout, "End the PIN session.", CardRef{}, Empty{}},
	{CmdSign, "Sign a digest with a key on the card; pin only for keys with context-specific login.", Sign{}, SignResult{}},
	{CmdGenerateKey, "Make an RSA key pair on the card (sensitive, not extractable), or return the pair with that label.", GenerateKey{}, GenerateKeyResult{}},
	{CmdWriteCertificate, "Store a certificate next to the key with the same CKA_ID (refused for another key).", WriteCertificate{}, Empty{}},
	{CmdDeleteObjects, "Remove selected objects of one CKA_ID (never the last key with a valid certificate).", DeleteObjects{}, Empty{}},
	{CmdChangePIN, "Change the PIN (old and new tried once).", ChangePIN{}, PINResult{}},
	{CmdUnblockPIN, "Unblock the PIN with the PUK and set a new PIN.", UnblockPIN{}, PINResult{}},
	{CmdDiagnose, "Everything Ponte sees (service, readers, cards, drivers, certificates) and what to do, in words.", struct{}{}, DiagnoseResult{}},
	{CmdJournalPut, "Store one renewal journal record (write-ahead; atomic; compare-and-swap on its version; another owner's save is refused while the stored owner's lease lasts, on the host's clock, which stamps leaseUntil; RENEWAL_BUSY if it lost; a record without a version, from an engine older than the compare-and-swap, VERSION_MISMATCH).", JournalPut{}, Empty{}},
	{CmdJournalList, "Every renewal journal record, for resuming.", struct{}{}, JournalListResult{}},
	{CmdJournalDelete, "Remove one renewal journal record (a finished renewal, pruned).", JournalDelete{}, Empty{}},
	{CmdBrowserLogin, "Whether the card's PKCS#11 module is registered in the browser's NSS database (Chromium on Linux); register it when asked.", BrowserLogin{}, BrowserLoginResult{}},
}

var eventTable = []EventInfo{
	{EvReaderAdded, "A reader was plugged in.", ReaderEvent{}},
	{EvReaderRemoved, "A reader was unplugged.", ReaderEvent{}},
	{EvCardInserted, "A card was put in a reader.", CardEvent{}},
	{EvCardRemoved, "A card was taken out of a reader.", CardEvent{}},
}

// Commands and Events list the tables in order, for docs and for the host's dispatcher check.
func Commands() []CommandInfo { return commandTable }
func Events() []EventInfo     { return eventTable }

var commandIndex = index(commandTable, func(c CommandInfo) string { return c.Name })
var eventIndex = index(eventTable, func(e EventInfo) string { return e.Name })

func index[T any](rows []T, key func(T) string) map[string]T {
	m := make(map[string]T, len(rows))
	for _, r := range rows {
		m[key(r)] = r
	}
	return m
}
