// Package ics writes the expiry reminders as an iCalendar file (RFC 5545) any calendar imports: one VEVENT
// per certificate on its expiry day, with a VALARM a month before ("rinnova entro un mese dalla scadenza",
// seed 003).
package ics

import (
	"fmt"
	"strings"
	"time"
)

// Event is one certificate's expiry.
type Event struct {
	UID         string // stable per certificate (issuer|serial), so a re-import updates instead of duplicating
	Summary     string
	Description string
	At          time.Time // notAfter
}

// AlarmBefore is the VALARM trigger: a month (30 days) before expiry.
const AlarmBefore = 30 * 24 * time.Hour

// Write returns the calendar. stamp is DTSTAMP (RFC 5545 §3.8.7.2), the time the file is made.
func Write(events []Event, stamp time.Time) []byte {
	var b strings.Builder
	line := func(s string) { b.WriteString(fold(s)) }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//Ponte//Scadenze certificati//IT")
	line("CALSCALE:GREGORIAN")
	line("METHOD:PUBLISH")
	for _, e := range events {
		line("BEGIN:VEVENT")
		line("UID:" + escapeText(uid(e.UID)))
		line("DTSTAMP:" + stamp.UTC().Format("20060102T150405Z"))
		line("DTSTART:" + e.At.UTC().Format("20060102T150405Z"))
		line("DTEND:" + e.At.UTC().Add(time.Hour).Format("20060102T150405Z"))
		line("SUMMARY:" + escapeText(e.Summary))
		if e.Description != "" {
			line("DESCRIPTION:" + escapeText(e.Description))
		}
		line("TRANSP:TRANSPARENT")
		line("BEGIN:VALARM")
		line("ACTION:DISPLAY")
		line("DESCRIPTION:" + escapeText(e.Summary))
		line(fmt.Sprintf("TRIGGER:-P%dD", int(AlarmBefore/(24*time.Hour))))
		line("END:VALARM")
		line("END:VEVENT")
	}
	line("END:VCALENDAR")
	return []byte(b.String())
}

// uid makes the UID a safe, globally unique value (RFC 5545 §3.8.4.7 recommends a domain on the right).
func uid(key string) string {
	var b strings.Builder
	for _, r := range key {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			b.WriteRune(r)
		} else {
			fmt.Fprintf(&b, "_%x", r)
		}
	}
	return b.String() + "@ponte.invalid"
}

// escapeText escapes a TEXT value (RFC 5545 §3.3.11).
func escapeText(s string) string {
	r := strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`)
	return r.Replace(s)
}

// fold ends a content line with CRLF and folds it at 75 octets, never inside a UTF-8 sequence
// (RFC 5545 §3.1).
func fold(s string) string {
	var b strings.Builder
	n := 0
	for i := 0; i < len(s); {
		size := 1
		for i+size < len(s) && s[i+size]&0xC0 == 0x80 {
			size++
		}
		if n+size > 75 {
			b.WriteString("\r\n ")
			n = 1
		}
		b.WriteString(s[i : i+size])
		n += size
		i += size
	}
	b.WriteString("\r\n")
	return b.String()
}
