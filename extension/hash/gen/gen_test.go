package main

import (
	"os"
	"testing"
)

// TestUpToDate: sha.wat holds what the generator writes (run `go run ./extension/hash/gen` after a change).
func TestUpToDate(t *testing.T) {
	src, err := os.ReadFile("../sha.wat")
	if err != nil {
		t.Fatal(err)
	}
	out, err := generate(string(src))
	if err != nil {
		t.Fatal(err)
	}
	if out != string(src) {
		t.Fatal("extension/hash/sha.wat is not what `go run ./extension/hash/gen` writes: run it")
	}
}
