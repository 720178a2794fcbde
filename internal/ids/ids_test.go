package ids

import "testing"

// The expected ID was computed independently (Python: sha256 of the DER key, hex mapped to a-p).
func TestChromeExtensionID(t *testing.T) {
	if got, want := ChromeExtensionID(), "feocdoceodidmopbkpidfhoffjhlinbc"; got != want {
		t.Fatalf("ID %s, want %s", got, want)
	}
}
