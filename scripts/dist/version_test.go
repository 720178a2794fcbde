package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func TestDebVersion(t *testing.T) {
	for in, want := range map[string]string{
		"v1.2.3":                  "1.2.3",
		"1.2.3":                   "1.2.3",
		"v1.2.3-rc1":              "1.2.3~rc1",
		"v1.2.3-4-gabc1234":       "1.2.3+4.gabc1234",
		"v1.2.3-4-gabc1234-dirty": "1.2.3+4.gabc1234.dirty",
		"v1.2.3-dirty":            "1.2.3+dirty",
		"d81ded9":                 "0~gitd81ded9",
		"d81ded9-dirty":           "0~gitd81ded9.dirty",
		"1234567":                 "0~git1234567",
		"dev":                     "0~dev",
	} {
		got, err := debVersion(in)
		if err != nil || got != want {
			t.Errorf("debVersion(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "release", "v", "-1", "v1.2 3"} {
		if got, err := debVersion(bad); err == nil {
			t.Errorf("debVersion(%q) accepted: %q", bad, got)
		}
	}
}

// dpkg's own comparison agrees on the order the mapping promises: pre-release < release < later commits
// < dirty tree of those commits, and an untagged build sorts before any release.
func TestDebVersionOrder(t *testing.T) {
	dpkg, err := exec.LookPath("dpkg")
	if err != nil {
		t.Skip("dpkg not installed")
	}
	order := []string{"d81ded9", "v0.1.0-rc1", "v0.1.0", "v0.1.0-3-gabc1234", "v0.1.0-3-gabc1234-dirty", "v0.2.0"}
	for i := 1; i < len(order); i++ {
		a, _ := debVersion(order[i-1])
		b, _ := debVersion(order[i])
		if err := exec.Command(dpkg, "--compare-versions", a, "lt", b).Run(); err != nil {
			t.Errorf("dpkg does not sort %s (%s) before %s (%s)", a, order[i-1], b, order[i])
		}
	}
}

func TestExtensionIDFromManifest(t *testing.T) {
	// The key and ID of internal/ids, computed there independently (Python).
	dir := t.TempDir()
	p := filepath.Join(dir, "manifest.json")
	os.WriteFile(p, []byte(`{"key":"MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAw4IZC+eEDNsKNF61IOj3unhA07iwTusetKAumenvSjgVOOiDzETFVBEu5AhuZ54OpOcFxY6KMoePTP+KLnfFNuZmFCPngHGEpRLFYaHkhuC6vzIk+xZxWgwR++TVaVemZDBuk5X+QGjITslaNiKh98TWQt6NElfbP0bam1vL+iUtRhODBI1t2APQUwkH6Gu7lXA6/MY0n+CHZxkTjgzZHeUCQme6Cmvv0dKsW7g7mcnpE84RY/jusGsBNJnmOBHrK01a15F9MZYl7RyfhUC3EfBypruZAJ+8pT9RZjmjoiVK9U+Q9vR4sxg25DiidqrfXGvVyaQEYrbxXLsH0ATZEQIDAQAB"}`), 0o644)
	id, err := extensionIDFromManifest(p)
	if err != nil || id != "feocdoceodidmopbkpidfhoffjhlinbc" {
		t.Fatalf("id %q, %v", id, err)
	}
	os.WriteFile(p, []byte(`{"name":"x"}`), 0o644)
	if _, err := extensionIDFromManifest(p); err == nil {
		t.Error("manifest without key accepted")
	}
}
