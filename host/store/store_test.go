package store

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestPutList(t *testing.T) {
	s := Store{Dir: filepath.Join(t.TempDir(), "r")}
	if m, ids, err := s.List(); err != nil || len(m) != 0 || len(ids) != 0 {
		t.Fatalf("empty store: %v %v %v", m, ids, err)
	}
	if err := s.Put("a1", []byte(`{"version":1,"step":"keygen"}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.Put("a1", []byte(`{"version":2,"step":"request"}`)); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(s.Dir, "broken.json"), []byte(`{"step":`), 0o600)
	m, ids, err := s.List()
	if err != nil || len(ids) != 1 || string(m["a1"]) != `{"version":2,"step":"request"}` {
		t.Fatalf("list: %v %v %v", m, ids, err)
	}
	for _, bad := range []string{"", "../x", "a/b", "a.b"} {
		if err := s.Put(bad, []byte(`{}`)); err == nil {
			t.Errorf("id %q accepted", bad)
		}
	}
	if err := s.Put("x", []byte(`not json`)); err == nil {
		t.Error("non-JSON record accepted")
	}
	if err := s.Put("x", []byte(`{"step":"keygen"}`)); err == nil || errors.Is(err, ErrBusy) {
		t.Errorf("a record without a version: %v", err)
	}
	if err := s.Put("x", make([]byte, MaxRecord+1)); err == nil {
		t.Error("oversized record accepted")
	}
}

// Delete removes the record's file (a finished renewal pruned); an absent one is not an error; an id
// that is not a record's never names another file.
func TestDelete(t *testing.T) {
	s := Store{Dir: filepath.Join(t.TempDir(), "r")}
	if err := s.Put("a1", []byte(`{"version":1,"step":"done"}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete("a1"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(s.Dir, "a1.json")); !os.IsNotExist(err) {
		t.Fatalf("the record's file is still there: %v", err)
	}
	if err := s.Delete("a1"); err != nil {
		t.Fatalf("deleting an absent record: %v", err)
	}
	for _, bad := range []string{"", "../r", "a/b", "a.b"} {
		if err := s.Delete(bad); err == nil {
			t.Errorf("id %q accepted", bad)
		}
	}
}
