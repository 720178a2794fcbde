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
