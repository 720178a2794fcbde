package main

import "testing"

// FuzzParseVisible: --visible never panics, and what it accepts is a usable rectangle on a real page.
func FuzzParseVisible(f *testing.F) {
	for _, s := range []string{"1,50,50,200,60", "2, 0, 0, 10, 10", "0,1,1,1,1", "1,2,3", "x,1,1,1,1", "1.5,1,1,1,1", "1,-1,1,1,1", "1,1,1,NaN,1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := parseVisible(s)
		if err != nil {
			return
		}
		if a.Page < 1 || !(a.Width > 0) || !(a.Height > 0) || !(a.Left >= 0) || !(a.Bottom >= 0) {
			t.Fatalf("%q accepted as %+v", s, a)
		}
	})
}
