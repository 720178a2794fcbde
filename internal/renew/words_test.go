package renew

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/extension"
	"github.com/ponte-it/ponte/internal/cmp"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/words"
)

// The journal keeps a failure's words as codes and parameters, never as text: the bytes on disk hold no
// word of the catalogue, and the record read back shows whatever the catalogue says now — a wording fix
// reaches records written before it. A record written by an older Ponte (rendered it/en, no codes)
// still shows the text it stored.
func TestJournalStoresCodesAndRendersCurrentWords(t *testing.T) {
	j := FileJournal{Dir: filepath.Join(t.TempDir(), "journal")}
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	refused := &cmp.Refusal{Body: cmp.BodyKUP, Status: cmp.RejectionStatus(cmp.ReasonTooEarly, "window opens 2027-01-01")}
	failures := map[string]*Failure{
		"pin":     classify(protocol.Errorf(protocol.ErrPINIncorrect, "CKR_PIN_INCORRECT")),
		"refused": classify(refused),
		"eligib":  {Code: "not-eligible-too-early", Words: (&Reason{"too-early", []string{"01/12/2026", "60"}}).Words()},
		"abandon": NewFailure("abandon-card"),
	}
	failures["abandon"].Words = append(failures["abandon"].Words, failures["pin"].Words...)
	it, en := extension.Catalog("it"), extension.Catalog("en")
	for name, f := range failures {
		r := &Renewal{ID: "r-" + name, Card: "c", Step: StepFailed, Failure: f, Started: now, Updated: now}
		if err := j.Save(r); err != nil {
			t.Fatal(err)
		}
		raw, err := os.ReadFile(filepath.Join(j.Dir, r.ID+".json"))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(raw, []byte(`"it":`)) || !bytes.Contains(raw, []byte(`"words"`)) {
			t.Errorf("%s: the record is not kept as codes:\n%s", name, raw)
		}
		wantIT, wantEN := f.Text(it), f.Text(en)
		for _, text := range []string{wantIT, wantEN} {
			for _, sentence := range strings.Split(text, ": ") {
				if len(sentence) > 12 && bytes.Contains(raw, []byte(sentence)) {
					t.Errorf("%s: the record stores the words %q:\n%s", name, sentence, raw)
				}
			}
		}
		back, err := j.Load(r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := back.Failure.Text(it); got != wantIT || strings.Contains(got, f.Code+" (") {
			t.Errorf("%s: read back %q, want %q", name, got, wantIT)
		}
		// The same record under a catalogue whose wording changed since it was written.
		var changed []byte
		changed = append(changed, '{')
		for i, m := range back.Failure.Words {
			if i > 0 {
				changed = append(changed, ',')
			}
			changed = append(changed, []byte(`"`+words.Key(m.Code)+`":{"message":"NUOVO `+string(m.Code)+` $1"}`)...)
		}
		changed = append(changed, '}')
		cat, err := words.Parse("it", changed)
		if err != nil {
			t.Fatal(err)
		}
		if got := back.Failure.Text(cat); !strings.HasPrefix(got, "NUOVO "+string(back.Failure.Words[0].Code)) {
			t.Errorf("%s: after a wording change: %q", name, got)
		}
	}
	if got := failures["refused"].Text(it); !strings.HasPrefix(got, "Richiesta non inoltrata: rinnovo non ancora consentito") || !strings.Contains(got, "window opens 2027-01-01") {
		t.Errorf("refusal: %q", got)
	}
	if got := failures["abandon"].Text(en); got != "Renewal cancelled at the authority, but the new key could not be removed from the card: Wrong PIN." {
		t.Errorf("abandon: %q", got)
	}

	// A record as Ponte wrote it before the codes: rendered text only.
	old := `{"id":"old","card":"c","step":"failed","failure":{"code":"wrong-key","it":"Il certificato ricevuto non corrisponde.","en":"The certificate received does not match.","retriable":false},"log":[],"started":"2026-01-01T00:00:00Z","updated":"2026-01-01T00:00:00Z"}`
	if err := os.WriteFile(filepath.Join(j.Dir, "old.json"), []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := j.Load("old")
	if err != nil {
		t.Fatal(err)
	}
	if r.Failure.Text(it) != "Il certificato ricevuto non corrisponde." || r.Failure.Text(en) != "The certificate received does not match." ||
		r.Failure.Error() != "wrong-key: The certificate received does not match." {
		t.Errorf("old record: %q / %q / %v", r.Failure.Text(it), r.Failure.Text(en), r.Failure)
	}
}
