package virtualcard_test

import (
	"bytes"
	"encoding/pem"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/cns"
	"github.com/ponte-it/ponte/internal/testkit/pcscd/pcscdtest"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
	"github.com/ponte-it/ponte/internal/testkit/virtualcard"
)

// OpenSC is an independent judge of the virtual card: its itacns driver must take it for a CNS and its
// PKCS#15 emulator must read the holder's name (token label), the card id (serial) and both
// certificates byte for byte.
func TestOpenSCSeesACNS(t *testing.T) {
	e := pcscdtest.Start(t)
	if e == nil {
		return
	}
	openscTool := testenv.Tool(t, "opensc-tool")
	pkcs15Tool := testenv.Tool(t, "pkcs15-tool")
	h := cns.Holder{IssuerCode: "80380", IssueDate: "01022021", ExpiryDate: "01022027", Surname: "ROSSI",
		Name: "MARIO", BirthDate: "10121985", Sex: "M", CodiceFiscale: "RSSMRA85T10A562S"}
	auth := pcscdtest.Cert(t, "RSSMRA85T10A562S/0123456789012345.abcdEFGH", false)
	sig := pcscdtest.Cert(t, "ROSSI MARIO", true)
	img, err := virtualcard.NewTSCNS("ST", h, "0123456789012345", auth, sig)
	if err != nil {
		t.Fatal(err)
	}
	slot := &virtualcard.Slot{Addr: e.VPCDAddr(0), Image: img}
	if err := slot.Insert(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	defer slot.Remove()

	run := func(tool string, args ...string) string {
		out, err := exec.Command(tool, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s %v: %v\n%s\npcscd:\n%s", tool, args, err, out, e.PCSCDLog())
		}
		return string(out)
	}
	// The card shows up once vpcd polls it: wait for it, bounded.
	var name string
	for i := 0; i < 100; i++ {
		out, _ := exec.Command(openscTool, "--reader", "0", "--name").CombinedOutput()
		if name = strings.TrimSpace(string(out)); name == "CNS card" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if name != "CNS card" {
		t.Fatalf("opensc-tool -n: %q\npcscd:\n%s", name, e.PCSCDLog())
	}
	dump := run(pkcs15Tool, "--reader", "0", "--dump")
	for _, want := range []string{"MARIO ROSSI", "0123456789012345", "IC: STMicroelectronics; mask: STIncard", "CNS0", "CNS1"} {
		if !strings.Contains(dump, want) {
			t.Errorf("pkcs15-tool --dump lacks %q:\n%s", want, dump)
		}
	}
	list := run(pkcs15Tool, "--reader", "0", "--list-certificates")
	if !strings.Contains(list, "CNS0") || !strings.Contains(list, "CNS1") {
		t.Errorf("pkcs15-tool --list-certificates:\n%s", list)
	}
	// itacns ids: CNS0 is security environment 01, CNS1 is 10.
	for id, want := range map[string][]byte{"01": auth, "10": sig} {
		out := run(pkcs15Tool, "--reader", "0", "--read-certificate", id)
		blk, _ := pem.Decode([]byte(out[strings.Index(out, "-----BEGIN"):]))
		if blk == nil || !bytes.Equal(blk.Bytes, want) {
			t.Errorf("certificate %s read back differs", id)
		}
	}
}
