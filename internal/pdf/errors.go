package pdf

import "github.com/ponte-it/ponte/internal/signerr"

func errNotPDF(cause error) error {
	return signerr.New(signerr.NotPDF,
		"Il file non è un PDF (manca l'intestazione %PDF-), anche se il nome finisce in .pdf: scegliere il documento giusto o firmarlo come file generico (.p7m).",
		"The file is not a PDF (no %PDF- header) even if its name ends in .pdf: choose the right document or sign it as a generic file (.p7m).", cause)
}

func errTruncated(cause error) error {
	return signerr.New(signerr.Truncated,
		"Il PDF è incompleto (troncato, per esempio da un download interrotto): scaricarlo di nuovo.",
		"The PDF is incomplete (truncated, e.g. by an interrupted download): download it again.", cause)
}

func errXref(cause error) error {
	return signerr.New(signerr.BadXref,
		"La tabella dei riferimenti incrociati del PDF è danneggiata: firmarlo produrrebbe un file non valido. Aprirlo e salvarlo di nuovo (o stamparlo in PDF), poi firmare la copia.",
		"The PDF's cross-reference table is damaged: signing it would produce an invalid file. Open and save it again (or print it to PDF), then sign the copy.", cause)
}

func errMalformed(cause error) error {
	return signerr.New(signerr.Malformed,
		"Il PDF contiene oggetti non leggibili: salvarlo di nuovo con un altro programma e riprovare.",
		"The PDF contains unreadable objects: save it again with another program and retry.", cause)
}

// ErrEncrypted is the error for encrypted PDFs (ISO 32000-1 §7.6), which are never signed.
func ErrEncrypted() error {
	return signerr.New(signerr.Encrypted,
		"Il PDF è cifrato o protetto da password: rimuovere la protezione (salvandone una copia non protetta) prima di firmarlo.",
		"The PDF is encrypted or password-protected: remove the protection (save an unprotected copy) before signing it.", nil)
}
