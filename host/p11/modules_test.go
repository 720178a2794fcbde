package p11_test

import (
	"testing"

	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// buildModule compiles testdata/NAME.c, a test PKCS#11 module (testdata/README.md).
func buildModule(t *testing.T, name string) string {
	t.Helper()
	return testenv.PKCS11Module(t, name)
}
