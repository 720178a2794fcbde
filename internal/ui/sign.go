package ui

import (
	"github.com/ponte-it/ponte/internal/signview"
	"github.com/ponte-it/ponte/internal/words"
)

// SignState is the "Firma" page (sign.html): signing a file with the card, and verifying signed files.
type SignState struct {
	Screen   SignScreen // screens.go
	FileName string
	FileSize int64
	Format   string // signjob format chosen for the file
	TSA      string // the CA profile's time-stamp service, "" when none
	// The certificate that signs and what the user must read first (both languages: the page can switch).
	CertName  string
	CertRole  string
	CertUntil string
	KeyType   string // "RSA", "EC"
	KeyBits   int
	Qualified bool
	Warnings  []Bilingual
	PIN       PINView
	Error     *Bilingual
	// Permissions: the host permissions a refused service needed (the TSA; internal/netperm), offered on
	// the "tsfail" and "error" screens.
	Permissions []PermissionAsk
	Output      string // the downloaded file's name
	// Verification of a signed file.
	Verify *VerifyState
}

// Bilingual is a message for the template to show in the page's language: the catalogue's words when
// Words is set (codes, package words), else the text of that language.
type Bilingual struct {
	IT, EN string
	Words  []words.Message
}

// VerifyState is the outcome of "Verifica".
type VerifyState struct {
	Busy     bool
	FileName string
	Format   string
	Repaired bool
	Signers  []signview.Signer // signjob.View, in the language of the moment of verification
	Lang     string
	Error    *Bilingual
	// TrustedList: which AgID list was used, or why none (signjob.ListText), in Lang.
	TrustedList string
	// Permissions are the host permissions (match patterns) Ponte lacked to ask OCSP responders
	// (internal/netperm): the page offers each, then verifies again.
	Permissions []PermissionAsk
	// Content is the name under which the document inside a .p7m can be saved ("" for PDF and .p7s);
	// ContentDoubt: not every signature is valid, so the document may not be what was signed.
	Content      string
	ContentDoubt bool
	ContentSaved bool
	// PDF: Modified holds the signatures (by N) followed by changes of class (c) (pades.ChangesOther),
	// shown in red; Revisions those followed by any later bytes, whose signed revision can be saved.
	Modified  map[int]bool
	Revisions map[int]bool
}
