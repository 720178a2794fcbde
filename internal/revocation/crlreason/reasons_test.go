package crlreason

import "testing"

func TestReasonText(t *testing.T) {
	if ReasonText(1, "it") != "compromissione della chiave" || ReasonText(1, "en") != "key compromise" || ReasonText(99, "en") != "unknown code" {
		t.Fatal(ReasonText(1, "it"))
	}
}
