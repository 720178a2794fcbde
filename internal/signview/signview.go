// Package signview is a verified signature as the Firma page and the text report show it: labelled words,
// no verifier. It stands apart from internal/signjob, which fills it, so that the UI's state
// (internal/ui.VerifyState) does not bring the PDF, CMS and trusted-list code into the card list's module
// (cards.wasm, docs/ui-modules.md).
package signview

// Line is one labelled fact of a verified signature, in one language. An alias of the plain struct: the
// report's code (signjob) writes its many lines as {label, value}.
type Line = struct{ Label, Value string }

// Signer is one verified signature.
type Signer struct {
	N     int
	Valid bool // the verdict is VALIDA or VALIDA CON AVVERTENZE
	// Verdict is the level (sigverify.Level's text) the page colours the signature by.
	Verdict string
	// Layer is the envelope the signature belongs to: 1 the outermost, 2 the .p7m inside it, …
	Layer int
	// Title replaces "Firma N" for what is not a signature: a time-stamped file's time stamp.
	Title string
	Lines []Line
}
