package ca

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	mrand "math/rand"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/ca/dn"
	"github.com/ponte-it/ponte/internal/ca/profile"
	"github.com/ponte-it/ponte/internal/cmp"
)

// FuzzHandleCMP: whatever bytes arrive, the CMP server answers (or refuses) without panicking, and
// what it answers is a PKIMessage. Seeds are real requests: a signed kur, a MAC ir, pollReq, certConf,
// genm. Coverage-guided fuzzing is slow here (the instrumented SQLite engine dominates each run), so
// TestHandleCMPMutations below also throws thousands of mutated requests at the server in plain tests.
func FuzzHandleCMP(f *testing.F) {
	res, err := Init(f.TempDir(), InitOptions{Listen: "127.0.0.1:0", DemoIRSecret: testIRSecret, DemoPassword: testPassword})
	if err != nil {
		f.Fatal(err)
	}
	c := res.CA
	defer c.Close()
	ctx := context.Background()
	buildSeeds(f, c, f)
	f.Add([]byte{0x30, 0x00})
	f.Fuzz(func(t *testing.T, der []byte) {
		ans := c.HandleCMP(ctx, "cns", der)
		if ans == nil {
			t.Fatal("no answer")
		}
		if _, err := cmp.ParseMessage(ans); err != nil {
			t.Fatalf("answer does not parse: %v", err)
		}
	})
}

// buildSeeds adds real requests to the CA as seeds.
func buildSeeds(tb testing.TB, c *CA, add interface{ Add(...any) }) {
	ctx := context.Background()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	newKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	subj, _ := dn.Marshal("/C=IT/CN=FUZZ")
	spki, _ := x509.MarshalPKIXPublicKey(key.Public())
	old, err := c.Issue(ctx, &Request{Subject: subj, SPKI: spki, Role: profile.RoleCNS, NotBefore: inWindow(), NotAfter: inWindow().AddDate(0, 0, 1100), Profile: "cns"})
	if err != nil {
		tb.Fatal(err)
	}
	newSPKI, _ := x509.MarshalPKIXPublicKey(newKey.Public())
	msg := cmp.CertReqMsg{Template: cmp.CertTemplate{Subject: subj, PublicKey: newSPKI}, Controls: []cmp.AttributeTypeAndValue{cmp.OldCertIDControl(old)}}
	msg.SignPOP(newKey)
	tid := make([]byte, 16)
	rand.Read(tid)
	seed := func(body cmp.Body, p cmp.Protector) {
		m := &cmp.Message{Header: cmp.Header{PVNO: cmp.PVNO2000, MessageTime: time.Now(), TransactionID: tid, SenderNonce: tid}, Body: body}
		if p != nil {
			if err := m.Protect(p); err != nil {
				tb.Fatal(err)
			}
		}
		der, err := m.Marshal()
		if err != nil {
			tb.Fatal(err)
		}
		add.Add(der)
	}
	sig := &cmp.SignatureProtection{Signer: key, Cert: old}
	seed(cmp.Body{Type: cmp.BodyKUR, CertReqMsgs: []cmp.CertReqMsg{msg}}, sig)
	ir := msg
	ir.Controls = nil
	seed(cmp.Body{Type: cmp.BodyIR, CertReqMsgs: []cmp.CertReqMsg{ir}}, &cmp.MACProtection{Secret: []byte(testIRSecret), Reference: []byte("demo"), Iterations: 100})
	seed(cmp.Body{Type: cmp.BodyPollReq, PollReq: []int{0}}, sig)
	seed(cmp.Body{Type: cmp.BodyCertConf, CertConf: []cmp.CertStatus{{CertHash: make([]byte, 32)}}}, sig)
	seed(cmp.Body{Type: cmp.BodyGenM, Info: []cmp.InfoTypeAndValue{{Type: cmp.OIDCACerts}}}, nil)
}

type seedList [][]byte

func (l *seedList) Add(args ...any) { *l = append(*l, args[0].([]byte)) }

// TestHandleCMPMutations: 3000 deterministic random mutations (1-3 bytes each) of real requests; every
// one gets a PKIMessage answer, within a bounded time each.
func TestHandleCMPMutations(t *testing.T) {
	res, err := Init(t.TempDir(), InitOptions{Listen: "127.0.0.1:0", DemoIRSecret: testIRSecret, DemoPassword: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	c := res.CA
	defer c.Close()
	var seeds seedList
	buildSeeds(t, c, &seeds)
	r := mrand.New(mrand.NewSource(1))
	for i := 0; i < 3000; i++ {
		in := append([]byte(nil), seeds[r.Intn(len(seeds))]...)
		for k := 0; k < 1+r.Intn(3); k++ {
			in[r.Intn(len(in))] = byte(r.Intn(256))
		}
		done := make(chan []byte, 1)
		go func() { done <- c.HandleCMP(context.Background(), "cns", in) }()
		select {
		case ans := <-done:
			if _, err := cmp.ParseMessage(ans); err != nil {
				t.Fatalf("input %x: answer does not parse: %v", in, err)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("input %x: no answer", in)
		}
	}
}
