package ck

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// headers returns the -I flag for the OASIS PKCS#11 v2.40 headers that github.com/miekg/pkcs11 ships
// (pkcs11.h, pkcs11t.h, pkcs11f.h, and pkcs11go.h that defines the platform macros for them).
func headers(t *testing.T) []string {
	t.Helper()
	dir, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/miekg/pkcs11").Output()
	if err != nil {
		t.Fatalf("locating the PKCS#11 headers: %v", err)
	}
	return []string{"-I", strings.TrimSpace(string(dir))}
}

// The offsets purego.go reads and writes, checked with the C compiler against pkcs11t.h on this LP64
// Unix (the same C types, sizes and alignment as on macOS arm64 and amd64).
func TestLayoutMatchesHeaders(t *testing.T) {
	rows := []struct {
		c    string
		want int
	}{
		{"sizeof(CK_ULONG)", ulongSize},
		{"offsetof(CK_INFO, cryptokiVersion)", infoCryptokiVersion},
		{"offsetof(CK_INFO, manufacturerID)", infoManufacturerID},
		{"offsetof(CK_INFO, flags)", infoFlags},
		{"offsetof(CK_INFO, libraryDescription)", infoLibraryDescription},
		{"offsetof(CK_INFO, libraryVersion)", infoLibraryVersion},
		{"sizeof(CK_INFO)", infoSize},
		{"offsetof(CK_SLOT_INFO, slotDescription)", slotDescription},
		{"offsetof(CK_SLOT_INFO, manufacturerID)", slotManufacturerID},
		{"offsetof(CK_SLOT_INFO, flags)", slotFlags},
		{"offsetof(CK_SLOT_INFO, hardwareVersion)", slotHardwareVersion},
		{"offsetof(CK_SLOT_INFO, firmwareVersion)", slotFirmwareVersion},
		{"sizeof(CK_SLOT_INFO)", slotInfoSize},
		{"offsetof(CK_SESSION_INFO, state)", sessionState},
		{"sizeof(CK_SESSION_INFO)", sessionInfoSize},
		{"offsetof(CK_TOKEN_INFO, label)", tokenLabel},
		{"offsetof(CK_TOKEN_INFO, manufacturerID)", tokenManufacturerID},
		{"offsetof(CK_TOKEN_INFO, model)", tokenModel},
		{"offsetof(CK_TOKEN_INFO, serialNumber)", tokenSerialNumber},
		{"offsetof(CK_TOKEN_INFO, flags)", tokenFlags},
		{"offsetof(CK_TOKEN_INFO, ulMaxSessionCount)", tokenMaxSessionCount},
		{"offsetof(CK_TOKEN_INFO, ulSessionCount)", tokenSessionCount},
		{"offsetof(CK_TOKEN_INFO, ulMaxRwSessionCount)", tokenMaxRwSessionCount},
		{"offsetof(CK_TOKEN_INFO, ulRwSessionCount)", tokenRwSessionCount},
		{"offsetof(CK_TOKEN_INFO, ulMaxPinLen)", tokenMaxPinLen},
		{"offsetof(CK_TOKEN_INFO, ulMinPinLen)", tokenMinPinLen},
		{"offsetof(CK_TOKEN_INFO, ulTotalPublicMemory)", tokenTotalPublicMemory},
		{"offsetof(CK_TOKEN_INFO, ulFreePublicMemory)", tokenFreePublicMemory},
		{"offsetof(CK_TOKEN_INFO, ulTotalPrivateMemory)", tokenTotalPrivateMemory},
		{"offsetof(CK_TOKEN_INFO, ulFreePrivateMemory)", tokenFreePrivateMemory},
		{"offsetof(CK_TOKEN_INFO, hardwareVersion)", tokenHardwareVersion},
		{"offsetof(CK_TOKEN_INFO, firmwareVersion)", tokenFirmwareVersion},
		{"offsetof(CK_TOKEN_INFO, utcTime)", tokenUTCTime},
		{"sizeof(CK_TOKEN_INFO)", tokenInfoSize},
		{"offsetof(CK_ATTRIBUTE, type)", attrType},
		{"offsetof(CK_ATTRIBUTE, pValue)", attrPValue},
		{"offsetof(CK_ATTRIBUTE, ulValueLen)", attrValueLen},
		{"sizeof(CK_ATTRIBUTE)", attrSize},
		{"offsetof(CK_MECHANISM, mechanism)", mechType},
		{"offsetof(CK_MECHANISM, pParameter)", mechParam},
		{"offsetof(CK_MECHANISM, ulParameterLen)", mechParamLen},
		{"sizeof(CK_MECHANISM)", mechSize},
		{"offsetof(CK_C_INITIALIZE_ARGS, flags)", initArgsFlags},
		{"sizeof(CK_C_INITIALIZE_ARGS)", initArgsSize},
		{"offsetof(CK_RSA_PKCS_PSS_PARAMS, hashAlg)", pssHashAlg},
		{"offsetof(CK_RSA_PKCS_PSS_PARAMS, mgf)", pssMGF},
		{"offsetof(CK_RSA_PKCS_PSS_PARAMS, sLen)", pssSLen},
		{"sizeof(CK_RSA_PKCS_PSS_PARAMS)", pssSize},
		{"sizeof(CK_FUNCTION_LIST)", funcListFirst + 8*len(funcNames)},
		{"sizeof(CK_SESSION_HANDLE) + sizeof(CK_OBJECT_HANDLE) + sizeof(CK_SLOT_ID)", 3 * ulongSize},
	}
	for i, name := range funcNames {
		rows = append(rows, struct {
			c    string
			want int
		}{fmt.Sprintf("offsetof(CK_FUNCTION_LIST, %s)", name), funcListFirst + 8*i})
	}
	exprs := make([]string, len(rows))
	for i, r := range rows {
		exprs[i] = r.c
	}
	got := testenv.CValues(t, headers(t), `#include "pkcs11go.h"`, exprs)
	for i, r := range rows {
		if got[i] != uint64(r.want) {
			t.Errorf("%s is %d in pkcs11t.h, %d in layout.go", r.c, got[i], r.want)
		}
	}
}

// Every constant of the purego build has the header's value.
func TestConstantsMatchHeaders(t *testing.T) {
	consts := testenv.GoConsts(t, "consts_purego.go")
	if len(consts) < 90 {
		t.Fatalf("only %d constants read from consts_purego.go", len(consts))
	}
	exprs := make([]string, len(consts))
	for i, c := range consts {
		exprs[i] = c.Name
	}
	got := testenv.CValues(t, headers(t), `#include "pkcs11go.h"`, exprs)
	for i, c := range consts {
		if got[i] != c.Value {
			t.Errorf("%s = %#x in consts_purego.go, %#x in pkcs11t.h", c.Name, c.Value, got[i])
		}
	}
}
