package netperm

import (
	"testing"
)

func TestOriginAndPattern(t *testing.T) {
	for _, c := range []struct{ in, origin, pattern string }{
		{"http://ocsp.example.it/ocsp", "http://ocsp.example.it", "http://ocsp.example.it/*"},
		{"https://CMP.Example.IT:443/.well-known/cmp/p/cns", "https://cmp.example.it", "https://cmp.example.it/*"},
		{"http://127.0.0.1:8080/ocsp", "http://127.0.0.1:8080", "http://127.0.0.1/*"},
		{"http://[::1]:9/x", "http://[::1]:9", "http://[::1]/*"},
		{"http://h:80/", "http://h", "http://h/*"},
		{"ftp://h/x", "", ""},
		{"/relative", "", ""},
		{"://bad", "", ""},
		{"http://!", "", ""},
		{"http://a_b.example.it/x", "http://a_b.example.it", "http://a_b.example.it/*"},
		{"http://[fe80::1%25eth0]/", "", ""},
	} {
		o := Origin(c.in)
		if o != c.origin {
			t.Errorf("Origin(%q) = %q, want %q", c.in, o, c.origin)
		}
		if p := Pattern(o); o != "" && p != c.pattern {
			t.Errorf("Pattern(%q) = %q, want %q", o, p, c.pattern)
		}
	}
}
