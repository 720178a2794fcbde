package itime

import (
	"testing"
	"time"
	_ "time/tzdata" // the real Europe/Rome to compare the fallback with
)

// TestHolder: a signature's appearance date is the holder's local time with its offset; a local zone of
// offset 0 (an unconfigured machine or headless browser) gives Italian time, summer and winter.
func TestHolder(t *testing.T) {
	saved := time.Local
	defer func() { time.Local = saved }()
	summer, winter := time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC), time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)
	time.Local = time.UTC
	for at, want := range map[time.Time]string{summer: "12:00 +02:00", winter: "11:00 +01:00"} {
		if got := Holder(at).Format("15:04 -07:00"); got != want {
			t.Errorf("UTC machine, %v: %s, want %s", at, got, want)
		}
	}
	time.Local = time.FixedZone("JST", 9*3600)
	if got := Holder(winter).Format("15:04 -07:00"); got != "19:00 +09:00" {
		t.Errorf("Tokyo holder: %s", got)
	}
}

// TestInRomeFallback: without the zone database (WASM) the EU summer-time rule gives the same offset as
// Europe/Rome's database, every 15 minutes around every change from 2000 to 2037 (bounded: 38 years ×
// 2 changes × 17 instants).
func TestInRomeFallback(t *testing.T) {
	real, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Fatal(err)
	}
	saved := Rome
	defer func() { Rome = saved }()
	Rome = time.FixedZone("CET", 3600)
	for y := 2000; y <= 2037; y++ {
		for _, m := range []time.Month{time.March, time.October} {
			c := lastSunday(y, m)
			for d := -2 * time.Hour; d <= 2*time.Hour; d += 15 * time.Minute {
				at := c.Add(d)
				_, want := at.In(real).Zone()
				if _, got := InRome(at).Zone(); got != want {
					t.Fatalf("%v: offset %d, Europe/Rome %d", at, got, want)
				}
			}
		}
	}
}
