package protocol

import "fmt"

// Code is a stable error code. The UI chooses what to say from the code (never from Message, which is
// a technical detail for logs), and whether to offer "try again" from Retriable — as Web eID does.
type Code string

// Error is the error half of a response.
type Error struct {
	Code      Code   `json:"code"`
	Message   string `json:"message"`
	Retriable bool   `json:"retriable"`
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

// The codes. Adding one means adding its row to errorTable.
const (
	ErrBadRequest      Code = "BAD_REQUEST"
	ErrUnknownCommand  Code = "UNKNOWN_COMMAND"
	ErrTooLarge        Code = "TOO_LARGE"
	ErrVersionMismatch Code = "VERSION_MISMATCH"
	ErrNotReady        Code = "HELLO_REQUIRED"
	ErrOriginRefused   Code = "ORIGIN_REFUSED"
	ErrInternal        Code = "INTERNAL"
	ErrNoService       Code = "PCSC_UNAVAILABLE"
	ErrNoReader        Code = "NO_READER"
	ErrNoCard          Code = "NO_CARD"
	ErrCardRemoved     Code = "CARD_REMOVED"
	ErrCardBusy        Code = "CARD_BUSY"
	ErrCardUnreadable  Code = "CARD_UNREADABLE"
	ErrModuleMissing   Code = "MODULE_MISSING"
	ErrModuleFailed    Code = "MODULE_FAILED"
	ErrPINIncorrect    Code = "PIN_INCORRECT"
	ErrPINLocked       Code = "PIN_LOCKED"
	ErrPINInvalid      Code = "PIN_INVALID"
	ErrPINCancelled    Code = "PIN_CANCELLED"
	ErrPUKIncorrect    Code = "PUK_INCORRECT"
	ErrPUKLocked       Code = "PUK_LOCKED"
	ErrNotLoggedIn     Code = "NOT_LOGGED_IN"
	ErrNoSuchObject    Code = "NO_SUCH_OBJECT"
	ErrTokenFull       Code = "TOKEN_FULL"
	ErrUnsupported     Code = "UNSUPPORTED"
	ErrRenewalBusy     Code = "RENEWAL_BUSY"
)

// codeRow is one error code's meaning: whether trying again can help, and what the user reads.
type codeRow struct {
	code      Code
	retriable bool
	it, en    string
}

// errorTable is the one place each code's meaning is written, in Italian and English, in the order
// docs/protocol.md lists them.
var errorTable = []codeRow{
	{ErrBadRequest, false, "Richiesta non valida.", "Invalid request."},
	{ErrUnknownCommand, false, "Comando sconosciuto: aggiornare Ponte.", "Unknown command: update Ponte."},
	{ErrTooLarge, false, "Messaggio troppo grande.", "Message too large."},
	{ErrVersionMismatch, false, "Versione del programma Ponte non compatibile con l'estensione: aggiornare entrambi.", "The Ponte program and the extension are not compatible: update both."},
	{ErrNotReady, false, "Connessione non inizializzata.", "Connection not initialised."},
	{ErrOriginRefused, false, "Origine non autorizzata a usare Ponte.", "This origin may not use Ponte."},
	{ErrInternal, false, "Errore interno di Ponte: scaricare il log e contattare l'assistenza.", "Ponte internal error: download the log and contact support."},
	{ErrNoService, true, "Il servizio delle smart card non è attivo (Linux: pcscd).", "The smart card service is not running (Linux: pcscd)."},
	{ErrNoReader, true, "Nessun lettore di smart card collegato.", "No smart card reader connected."},
	{ErrNoCard, true, "Smartcard non inserita: inserire la tessera nel lettore.", "No card inserted: put the card in the reader."},
	{ErrCardRemoved, true, "La tessera è stata rimossa: reinserirla per continuare.", "The card was removed: put it back to continue."},
	{ErrCardBusy, true, "La tessera è occupata da un'altra operazione: attendere.", "The card is busy with another operation: wait."},
	{ErrCardUnreadable, false, "Impossibile leggere i dati della tessera.", "The card's data cannot be read."},
	{ErrModuleMissing, false, "Il driver (modulo PKCS#11) per questa tessera non è installato.", "The driver (PKCS#11 module) for this card is not installed."},
	{ErrModuleFailed, true, "Il driver della tessera non risponde.", "The card's driver is not responding."},
	{ErrPINIncorrect, true, "PIN errato.", "Wrong PIN."},
	{ErrPINLocked, false, "PIN bloccato: sbloccarlo con il PUK.", "PIN locked: unblock it with the PUK."},
	{ErrPINInvalid, true, "Il PIN deve avere da 5 a 8 cifre.", "The PIN must have 5 to 8 digits."},
	{ErrPINCancelled, true, "Inserimento del PIN annullato.", "PIN entry cancelled."},
	{ErrPUKIncorrect, true, "PUK errato.", "Wrong PUK."},
	{ErrPUKLocked, false, "PUK bloccato: la tessera non può più essere sbloccata.", "PUK locked: the card can no longer be unblocked."},
	{ErrNotLoggedIn, true, "Serve il PIN per questa operazione.", "This operation needs the PIN."},
	{ErrNoSuchObject, false, "Chiave o certificato non trovato sulla tessera.", "Key or certificate not found on the card."},
	{ErrTokenFull, false, "Spazio insufficiente sulla tessera.", "Not enough space on the card."},
	{ErrUnsupported, false, "Operazione non supportata da questa tessera o dal suo driver.", "Operation not supported by this card or its driver."},
	{ErrRenewalBusy, true, "Il rinnovo è già in corso in un'altra scheda o finestra.", "The renewal is already running in another tab or window."},
}

var codeIndex = func() map[Code]codeRow {
	m := make(map[Code]codeRow, len(errorTable))
	for _, r := range errorTable {
		m[r.code] = r
	}
	return m
}()

// Errorf builds an error with the code's retriable flag and a technical detail.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Retriable: codeIndex[code].retriable}
}

// Text is what the user reads for an error code, in "it" or "en" (anything else gets Italian).
func (c Code) Text(lang string) string {
	info, ok := codeIndex[c]
	if !ok {
		info = codeIndex[ErrInternal]
	}
	if lang == "en" {
		return info.en
	}
	return info.it
}

// Retriable reports whether trying again can help.
func (c Code) Retriable() bool { return codeIndex[c].retriable }

// Codes lists every code in table order.
func Codes() []Code {
	out := make([]Code, len(errorTable))
	for i, r := range errorTable {
		out[i] = r.code
	}
	return out
}
