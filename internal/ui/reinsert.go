package ui

import (
	"strings"

	"github.com/ponte-it/ponte/internal/protocol"
)

// After a renewal of a family that needs it (AC 2014/2018, seed 000: "rimuovi la tessera e
// reinseriscila"), the success screen follows the card's events: it asks to take the card out, then to
// put it back, and says the card is ready only once both happened; then the driver advice of seed 000 §3
// for the host's operating system.

// Reinsert steps of Flow.ReinsertStep.
const (
	ReinsertRemove = "remove" // waiting for the card to be taken out
	ReinsertInsert = "insert" // taken out: waiting for it to come back
	ReinsertDone   = "done"   // back: the card is ready
)

// ReinsertEvent moves the step on a card event: present says whether the renewed card is in a reader
// after the event (the list re-read). Any other step, or an event that changes nothing, keeps it.
func ReinsertEvent(step string, present bool) string {
	switch {
	case step == ReinsertRemove && !present:
		return ReinsertInsert
	case step == ReinsertInsert && present:
		return ReinsertDone
	}
	return step
}

// Advice is a catalogue message with its argument.
type Advice struct {
	Key, Arg string
}

// DriverAdvice is which card software (driver) to use after the renewal on hostOS ("GOOS/GOARCH"), seed
// 000 §3: on Windows the installed one stays; on macOS an AC card needs the IDP driver only (the family's
// renewal driver); elsewhere the package the Sistema TS portal offers for the family (seed 001).
func DriverAdvice(hostOS string, f protocol.Family) Advice {
	goos, _, _ := strings.Cut(hostOS, "/")
	switch {
	case goos == "windows":
		return Advice{Key: "driverAfterWindows"}
	case goos == "darwin" && f.RenewalDriver != "":
		return Advice{Key: "driverAfterMacIDP", Arg: f.RenewalDriver}
	case f.Package != "":
		return Advice{Key: "driverAfterPackage", Arg: f.Package}
	}
	return Advice{Key: "driverAfterAny"}
}
