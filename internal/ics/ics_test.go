package ics

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestWriteOneEventPerCertificateWithAlarm(t *testing.T) {
	at := time.Date(2028, 3, 8, 14, 46, 0, 0, time.UTC)
	out := string(Write([]Event{
		{UID: "CN=ANPR CA,O=Ministero|0a1b", Summary: "Scade CO-9998; rinnova", Description: "Server\nANPR", At: at},
		{UID: "x|02", Summary: "PC-0001", At: at.AddDate(0, 1, 0)},
	}, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)))
	for _, want := range []string{
		"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n",
		"DTSTART:20280308T144600Z\r\n",
		"SUMMARY:Scade CO-9998\\; rinnova\r\n",
		"DESCRIPTION:Server\\nANPR\r\n",
		"TRIGGER:-P30D\r\n",
		"DTSTAMP:20270101T000000Z\r\n",
		"END:VCALENDAR\r\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if n := strings.Count(out, "BEGIN:VEVENT"); n != 2 {
		t.Errorf("%d events, want 2", n)
	}
	if n := strings.Count(out, "BEGIN:VALARM"); n != 2 {
		t.Errorf("%d alarms, want 2", n)
	}
	if strings.Contains(strings.ReplaceAll(out, "\r\n", ""), "\n") {
		t.Error("bare LF in output")
	}
	for _, l := range strings.Split(out, "\r\n") {
		if strings.HasPrefix(l, "UID:") && (strings.ContainsAny(l[4:], ",;= |") || !strings.HasSuffix(l, "@ponte.invalid")) {
			t.Errorf("unsafe UID %q", l)
		}
	}
}

func TestFoldKeepsLinesShortAndUTF8Whole(t *testing.T) {
	long := "SUMMARY:" + strings.Repeat("è", 100)
	out := fold(long)
	lines := strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n")
	if len(lines) < 3 {
		t.Fatalf("not folded: %q", out)
	}
	var joined strings.Builder
	for i, l := range lines {
		if len(l) > 75 {
			t.Errorf("line %d has %d octets", i, len(l))
		}
		if !utf8.ValidString(l) {
			t.Errorf("line %d splits a character", i)
		}
		if i > 0 {
			if l[0] != ' ' {
				t.Errorf("continuation %d lacks the leading space", i)
			}
			l = l[1:]
		}
		joined.WriteString(l)
	}
	if joined.String() != long {
		t.Error("unfolding does not give the original line back")
	}
}
