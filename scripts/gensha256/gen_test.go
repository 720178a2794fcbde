package main

import (
	"os"
	"testing"
)

// TestUpToDate: sha.wat holds what the generator writes (run `go run ./scripts/gensha256` after a change).
func TestUpToDate(t *testing.T) {
	src, err := os.ReadFile("../../extension/hash/sha.wat")
	if err != nil {
		t.Fatal(err)
	}
	out, err := generate(string(src))
	if err != nil {
		t.Fatal(err)
	}
	if out != string(src) {
		t.Fatal("extension/hash/sha.wat is not what `go run ./scripts/gensha256` writes: run it")
	}
}
