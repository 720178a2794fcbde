package cms

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ponte-it/ponte/internal/docio"
)

// FuzzParse: the CMS decoder never panics or hangs on arbitrary input, and what it accepts verifies
// without panicking.
func FuzzParse(f *testing.F) {
	f.Add([]byte{0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02, 0xa0, 0x80, 0x30, 0x80, 0, 0, 0, 0, 0, 0})
	// testdata/fuzz/FuzzParse holds real .p7m seeds (made by TestWriteFuzzSeeds): generating keys here
	// would run in every fuzz worker under coverage instrumentation, which is very slow.
	f.Fuzz(func(t *testing.T, b []byte) {
		sd, err := Parse(b)
		if err != nil {
			return
		}
		Verify(sd, docio.Bytes(b), docio.Bytes(nil), VerifyOptions{})
	})
}

// FuzzDecodeText: a .p7m as text either stays as it is (not text), decodes to a shorter binary
// envelope, or is refused; never a panic.
func FuzzDecodeText(f *testing.F) {
	f.Add([]byte("MIAGCSqGSIb3DQEHAqCAMIACAQE=\r\n"))
	f.Add([]byte("-----BEGIN CMS-----\nMIAGCSqG\n-----END CMS-----\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		env, decoded, err := DecodeText(docio.Bytes(b))
		switch {
		case err != nil:
			return
		case !decoded && env.Size() != int64(len(b)):
			t.Fatal("a binary envelope changed")
		case decoded && env.Size() >= int64(len(b)):
			t.Fatalf("decoded %d bytes into %d", len(b), env.Size())
		}
	})
}

// TestWriteFuzzSeeds regenerates the .p7m fuzz seeds when PONTE_WRITE_SEEDS=1.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("PONTE_WRITE_SEEDS") != "1" {
		t.Skip("set PONTE_WRITE_SEEDS=1 to regenerate testdata/fuzz/FuzzParse")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzParse")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "p7m"), []byte(fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", sampleP7M(t))), 0o644)
}
