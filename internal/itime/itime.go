// Package itime writes dates as Italian users read them: in Rome's time zone, DD/MM/YYYY.
package itime

import "time"

// Rome is Europe/Rome (a fixed CET offset where the time zone database is missing, as in some WASM hosts).
var Rome = func() *time.Location {
	if l, err := time.LoadLocation("Europe/Rome"); err == nil {
		return l
	}
	return time.FixedZone("CET", 3600)
}()

// Date formats t as the official tools do: "03/12/2023".
func Date(t time.Time) string { return t.In(Rome).Format("02/01/2006") }

// Holder is t as the holder reads a clock: in the local zone (the browser's in WASM, whose offset Go
// reads from the JavaScript Date), except that a zone of offset 0 — a machine or a headless browser
// with no zone configured, never Italy's — gives Italian time, as the verification report shows it.
func Holder(t time.Time) time.Time {
	if _, off := t.In(time.Local).Zone(); off != 0 {
		return t.In(time.Local)
	}
	return InRome(t)
}

// InRome is t in Italian time. Where the zone database is missing (WASM) Rome's fixed CET would be an
// hour off in summer, so the EU rule is applied (Directive 2000/84/EC: summer time from 01:00 UTC on the
// last Sunday of March to 01:00 UTC on the last Sunday of October).
func InRome(t time.Time) time.Time {
	if Rome.String() != "CET" {
		return t.In(Rome)
	}
	y := t.UTC().Year()
	if start, end := lastSunday(y, time.March), lastSunday(y, time.October); !t.Before(start) && t.Before(end) {
		return t.In(time.FixedZone("CEST", 2*3600))
	}
	return t.In(time.FixedZone("CET", 3600))
}

// lastSunday is 01:00 UTC on the last Sunday of month m of year y.
func lastSunday(y int, m time.Month) time.Time {
	d := time.Date(y, m+1, 1, 1, 0, 0, 0, time.UTC).AddDate(0, 0, -1)
	return d.AddDate(0, 0, -int(d.Weekday()))
}
