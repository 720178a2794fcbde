package pades

import (
	"bytes"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/pdf"
)

// TestAppearanceDateNotUTC: on a machine whose zone is UTC the visible signature's date is written in
// Italian time with its offset (itime.Holder), never as UTC.
func TestAppearanceDateNotUTC(t *testing.T) {
	saved := time.Local
	defer func() { time.Local = saved }()
	time.Local = time.UTC
	_, content := appearance(Options{Name: "ROSSI MARIO", Time: time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC)}, 200, 60, 0, pdf.Ref{})
	if !bytes.Contains(content, []byte("2026-07-01 12:00:00 +02:00")) || bytes.Contains(content, []byte("+00:00")) {
		t.Fatalf("appearance:\n%s", content)
	}
}
