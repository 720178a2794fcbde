package profile

import (
	"errors"
	"testing"
	"time"
)

func TestDefaultsRoundTrip(t *testing.T) {
	for _, p := range Defaults("segreto-demo", time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)) {
		q, err := Parse(p.Marshal())
		if err != nil {
			t.Fatalf("%s: %v", p.Name, err)
		}
		if string(q.Marshal()) != string(p.Marshal()) {
			t.Errorf("%s: round trip changed the profile:\n%s\n%s", p.Name, p.Marshal(), q.Marshal())
		}
	}
}

func TestParse(t *testing.T) {
	cases := []struct {
		name, json string
		field      string // "" when valid
	}{
		{"minimal", `{"name":"a","roles":["cns"],"validityDays":10}`, ""},
		{"bad name", `{"name":"A B","roles":["cns"],"validityDays":10}`, "name"},
		{"no roles", `{"name":"a","roles":[],"validityDays":10}`, "roles"},
		{"unknown role", `{"name":"a","roles":["tls"],"validityDays":10}`, "roles"},
		{"repeated role", `{"name":"a","roles":["cns","cns"],"validityDays":10}`, "roles"},
		{"zero validity", `{"name":"a","roles":["cns"],"validityDays":0}`, "validityDays"},
		{"bad mode", `{"name":"a","roles":["cns"],"validityDays":1,"mode":"x"}`, "mode"},
		{"extendTo rekey", `{"name":"a","roles":["cns"],"validityDays":1,"extendTo":"2030-01-01"}`, "extendTo"},
		{"extendTo bad", `{"name":"a","roles":["cns"],"validityDays":1,"mode":"extend","extendTo":"31/12/2030"}`, "extendTo"},
		{"negative delay", `{"name":"a","roles":["cns"],"validityDays":1,"delaySeconds":-1}`, "delaySeconds"},
		{"negative price", `{"name":"a","roles":["cns"],"validityDays":1,"price":-1}`, "price"},
		{"secret without secrets", `{"name":"a","roles":["cns"],"validityDays":1,"ir":"secret"}`, "secrets"},
		{"short secret", `{"name":"a","roles":["cns"],"validityDays":1,"ir":"secret","secrets":[{"reference":"r","secret":"x"}]}`, "secrets"},
		{"bad ir", `{"name":"a","roles":["cns"],"validityDays":1,"ir":"maybe"}`, "ir"},
		{"lifetime", `{"name":"a","roles":["cns"],"validityDays":1,"maxLifetimeYears":99}`, "maxLifetimeYears"},
		{"suspension", `{"name":"a","roles":["cns"],"validityDays":1,"suspendBy":"holder","reactivateBy":"self","maxSuspensionDays":30}`, ""},
		{"bad suspendBy", `{"name":"a","roles":["cns"],"validityDays":1,"suspendBy":"anyone","maxSuspensionDays":30}`, "suspendBy/reactivateBy"},
		{"suspension without window", `{"name":"a","roles":["cns"],"validityDays":1,"suspendBy":"self"}`, "maxSuspensionDays"},
		{"reactivation without suspension", `{"name":"a","roles":["cns"],"validityDays":1,"reactivateBy":"self"}`, "reactivateBy"},
	}
	for _, c := range cases {
		p, err := Parse([]byte(c.json))
		var pe *Error
		switch {
		case c.field == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.field == "":
			if p.RenewalWindowDays != DefaultWindowDays || p.Mode != ModeRekey || p.IR != IRNone || !*p.ImplicitConfirm {
				t.Errorf("%s: defaults not filled: %+v", c.name, p)
			}
		case !errors.As(err, &pe):
			t.Errorf("%s: want a field error on %s, got %v", c.name, c.field, err)
		case pe.Field != c.field:
			t.Errorf("%s: field %q, want %q (%v)", c.name, pe.Field, c.field, err)
		}
	}
	for _, s := range []string{`{"name":"a","roles":["cns"],"validityDays":1,"unknown":1}`, `{"name":"a","roles":["cns"],"validityDays":1} {}`, `[`} {
		if _, err := Parse([]byte(s)); err == nil {
			t.Errorf("%s: accepted", s)
		}
	}
}

func TestExtendToTime(t *testing.T) {
	p := &Profile{ExtendTo: "2023-12-31"}
	got, err := p.ExtendToTime()
	if err != nil || !got.Equal(time.Date(2023, 12, 31, 23, 59, 59, 0, time.UTC)) {
		t.Fatalf("%v %v", got, err)
	}
}

func FuzzParse(f *testing.F) {
	for _, p := range Defaults("segreto-demo", time.Now()) {
		f.Add(p.Marshal())
	}
	f.Add([]byte(`{"name":"a","roles":["cns"],"validityDays":1,"mode":"extend","extendTo":"2030-02-30"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data)
		if err != nil {
			return
		}
		q, err := Parse(p.Marshal())
		if err != nil {
			t.Fatalf("a valid profile does not parse again: %v", err)
		}
		if string(q.Marshal()) != string(p.Marshal()) {
			t.Fatal("round trip changed the profile")
		}
	})
}
