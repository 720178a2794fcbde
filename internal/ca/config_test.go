package ca

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/internal/ca/hsm"
	"github.com/ponte-it/ponte/internal/testkit/pgcluster"
)

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

// TestParseConfigPKCS11RoundTrip: a configuration naming an HSM key survives Marshal and ParseConfig
// whole, the default key label included (the fuzz property once compared the PKCS11 pointers instead).
func TestParseConfigPKCS11RoundTrip(t *testing.T) {
	c, err := ParseConfig([]byte(`{"defaultProfile":"a","pkcs11":{"module":"m","token":"t","pinFile":"p"}}`))
	if err != nil {
		t.Fatal(err)
	}
	d, err := ParseConfig(c.Marshal())
	if err != nil || d.PKCS11 == nil || *d.PKCS11 != (hsm.Config{Module: "m", Token: "t", Label: hsm.DefaultLabel, PINFile: "p"}) {
		t.Fatalf("%s: %+v %v", c.Marshal(), d, err)
	}
}

func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(`{"listen":"127.0.0.1:0","defaultProfile":"cns","publicURL":"http://localhost:1"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig(data)
		if err != nil {
			return
		}
		// DeepEqual, not *d != *c: Config holds PKCS11 as a pointer, and two parses never share it
		// (testdata/fuzz/FuzzParseConfig/pkcs11-pointer compared two equal configurations as different).
		d, err := ParseConfig(c.Marshal())
		if err != nil || !reflect.DeepEqual(d, c) {
			t.Fatalf("round trip: %+v %+v %v", c, d, err)
		}
	})
}

// TestInitOnABadDatabase: init on a database that cannot be opened, or that already holds another CA's
// state, fails with nothing written in the directory (it wrote ca.pem, ca-key.pem and config.json first,
// and then could not be run again), and the other CA's state is untouched.
func TestInitOnABadDatabase(t *testing.T) {
	shared := pgcluster.NewDB(t)
	first, err := Init(t.TempDir(), InitOptions{Listen: "127.0.0.1:0", Database: shared})
	if err != nil {
		t.Fatal(err)
	}
	first.CA.Close()
	for _, tc := range []struct{ db, want string }{
		{"postgres://ponte@127.0.0.1:1/ponte?connect_timeout=2", "connect"},
		{shared, "already holds a CA's state"},
	} {
		dir := filepath.Join(t.TempDir(), "ca")
		res, err := Init(dir, InitOptions{Listen: "127.0.0.1:0", Database: tc.db})
		if err == nil {
			res.CA.Close()
			t.Fatalf("init on %s succeeded", tc.db)
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("init on %s: %v", tc.db, err)
		}
		if left, _ := os.ReadDir(dir); len(left) != 0 {
			t.Errorf("init on %s left %d files, the first %s", tc.db, len(left), left[0].Name())
		}
		again, err := Init(dir, InitOptions{Listen: "127.0.0.1:0"})
		if err != nil {
			t.Fatalf("init again after %s: %v", tc.db, err)
		}
		again.CA.Close()
	}
	c, err := OpenDB(first.CA.Dir, shared)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if a, err := c.Store.Account(context.Background(), "demo"); err != nil || a.Balance != 5000 {
		t.Fatalf("the first CA's demo account: %+v %v", a, err)
	}
}

// TestDatabaseForms: --db and config.json's database take sqlite:PATH or a postgres:// URL; libpq's
// keyword form or a bare name is refused, without repeating it (it may hold a password), instead of
// opening a SQLite file of that name beside a PostgreSQL meant to be shared.
func TestDatabaseForms(t *testing.T) {
	dir := t.TempDir()
	res, err := Init(dir, InitOptions{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	res.CA.Close()
	t.Chdir(t.TempDir())
	for _, db := range []string{"host=/run/postgresql dbname=ponteca password=S3cretPw", "ponteca"} {
		c, err := OpenDB(dir, db)
		if err == nil {
			c.Close()
			t.Fatalf("opened on %q", db)
		}
		if strings.Contains(err.Error(), "S3cretPw") || !strings.Contains(err.Error(), "only sqlite:PATH and postgres://… are accepted") {
			t.Errorf("%q: %v", db, err)
		}
		if _, err := ParseConfig([]byte(`{"defaultProfile":"cns","database":"` + db + `"}`)); err == nil || strings.Contains(err.Error(), "S3cretPw") {
			t.Errorf("config.json with database %q: %v", db, err)
		}
	}
	if left, _ := os.ReadDir("."); len(left) != 0 {
		t.Errorf("a refused database left %s", left[0].Name())
	}
	for _, db := range []string{"", "sqlite:" + filepath.Join(dir, DBFile)} {
		c, err := OpenDB(dir, db)
		if err != nil {
			t.Fatalf("%q: %v", db, err)
		}
		c.Close()
	}
}
