package ca

import "testing"

func TestParseConfig(t *testing.T) {
	c, err := ParseConfig([]byte(`{"defaultProfile":"cns","publicURL":"http://127.0.0.1:9/"}`))
	if err != nil || c.Listen != DefaultListen || c.PublicURL != "http://127.0.0.1:9" {
		t.Fatalf("%+v %v", c, err)
	}
	for _, bad := range []string{`{}`, `{"defaultProfile":"a","listen":"x"}`, `{"defaultProfile":"a","publicURL":"ftp://x"}`,
		`{"defaultProfile":"a","x":1}`, `{"defaultProfile":"a"}{}`, `nope`} {
		if _, err := ParseConfig([]byte(bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(`{"listen":"127.0.0.1:0","defaultProfile":"cns","publicURL":"http://localhost:1"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig(data)
		if err != nil {
			return
		}
		d, err := ParseConfig(c.Marshal())
		if err != nil || *d != *c {
			t.Fatalf("round trip: %+v %+v %v", c, d, err)
		}
	})
}
