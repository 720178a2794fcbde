package protocol

import "encoding/json"

// Journal commands: the host keeps the UI's renewal journal as opaque records in the user's state folder,
// so a renewal survives the browser, the local app's changing origin and a reboot.
const (
	CmdJournalPut    = "journal-put"
	CmdJournalList   = "journal-list"
	CmdJournalDelete = "journal-delete"
)

// JournalDelete removes one record: a finished renewal pruned by the UI's policy (internal/renew
// Prunable). Removing a record that is not there is not an error.
type JournalDelete struct {
	ID string `json:"id"`
}

// JournalPut stores one record (JSON, at most 48 KiB) under id ([A-Za-z0-9_-], 1 to 64 characters).
type JournalPut struct {
	ID     string          `json:"id"`
	Record json.RawMessage `json:"record"`
}

// JournalListResult returns every record by id.
type JournalListResult struct {
	Records map[string]json.RawMessage `json:"records"`
}
