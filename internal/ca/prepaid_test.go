package ca

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/ca/profile"
	"github.com/ponte-it/ponte/internal/cmp"
)

// A CMP peer built from the codec, to send exactly the messages a retrying client would.

type peer struct {
	t       *testing.T
	tc      *testCA
	profile string
	cert    *x509.Certificate
	key     crypto.Signer
	last    map[string][]byte // the CA's last senderNonce per transaction: our next recipNonce
	bogus   bool              // send a recipNonce the CA never sent
	// implicit asks for implicit confirmation (RFC 9810 §5.1.1.1) in every message.
	implicit bool
}

func (p *peer) send(tid []byte, body cmp.Body) *cmp.Message {
	p.t.Helper()
	nonce := make([]byte, 16)
	rand.Read(nonce)
	m := &cmp.Message{Header: cmp.Header{PVNO: cmp.PVNO2000, Recipient: cmp.DirectoryName(p.tc.ca.Cert.RawSubject),
		MessageTime: time.Now(), TransactionID: tid, SenderNonce: nonce}, Body: body}
	if p.implicit {
		m.Header.GeneralInfo = []cmp.InfoTypeAndValue{cmp.ImplicitConfirmInfo()}
	}
	if body.Type == cmp.BodyPollReq || body.Type == cmp.BodyCertConf {
		m.Header.RecipNonce = p.last[string(tid)]
		if p.bogus {
			m.Header.RecipNonce = nonce
		}
	}
	if err := m.Protect(&cmp.SignatureProtection{Signer: p.key, Cert: p.cert}); err != nil {
		p.t.Fatal(err)
	}
	der, err := m.Marshal()
	if err != nil {
		p.t.Fatal(err)
	}
	ans := p.post(der, nonce)
	if p.last == nil {
		p.last = map[string][]byte{}
	}
	p.last[string(tid)] = ans.Header.SenderNonce
	return ans
}

// post sends DER and checks the answer is signed by the CA and answers this message.
func (p *peer) post(der, nonce []byte) *cmp.Message {
	p.t.Helper()
	resp, err := http.Post(cmp.Endpoint(p.tc.base, p.profile), cmp.ContentType, bytes.NewReader(der))
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	ans, err := cmp.ParseMessage(b)
	if err != nil {
		p.t.Fatalf("answer: %v", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(p.tc.ca.Cert)
	if _, err := ans.VerifySignature(pool, time.Now()); err != nil {
		p.t.Fatalf("answer protection: %v", err)
	}
	if nonce != nil && !bytes.Equal(ans.Header.RecipNonce, nonce) {
		p.t.Fatal("answer's recipNonce is not our senderNonce")
	}
	return ans
}

// kur builds the key update request body for newKey, with account credentials when id is not empty.
func (p *peer) kur(newKey crypto.Signer, id, password string) cmp.Body {
	p.t.Helper()
	spki, _ := x509.MarshalPKIXPublicKey(newKey.Public())
	msg := cmp.CertReqMsg{Template: cmp.CertTemplate{Subject: p.cert.RawSubject, PublicKey: spki},
		Controls: []cmp.AttributeTypeAndValue{cmp.OldCertIDControl(p.cert)}}
	if id != "" {
		ri, err := cmp.AccountRegInfo(id, password)
		if err != nil {
			p.t.Fatal(err)
		}
		msg.RegInfo = []cmp.AttributeTypeAndValue{ri}
	}
	if err := msg.SignPOP(newKey); err != nil {
		p.t.Fatal(err)
	}
	return cmp.Body{Type: cmp.BodyKUR, CertReqMsgs: []cmp.CertReqMsg{msg}}
}

func certResponse(t *testing.T, m *cmp.Message) cmp.CertResponse {
	t.Helper()
	if m.Body.Type != cmp.BodyKUP || m.Body.CertRep == nil || len(m.Body.CertRep.Responses) != 1 {
		t.Fatalf("want one kup response, got %v %+v", m.Body.Type, m.Body)
	}
	return m.Body.CertRep.Responses[0]
}

// TestPrepaidChargedOnce: a paid renewal is charged exactly once although the client resends the
// request and polls many times; a second one the balance cannot pay is refused before issuance; wrong
// credentials are refused.
func TestPrepaidChargedOnce(t *testing.T) {
	tc := newTestCA(t)
	ctx := context.Background()
	// The CA's clock is moved by hand, so "not ready yet" and "ready" do not depend on machine speed.
	var offset atomic.Int64
	tc.ca.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	tc.profile("paid", func(p *profile.Profile) { p.DelaySeconds = 60; p.Price = 500 })
	if err := tc.ca.AddAccount(ctx, "studio-rossi", "una-password-lunga", 700); err != nil {
		t.Fatal(err)
	}
	c1 := tc.renewable("old", "/C=IT/CN=PAGANTE")
	p := &peer{t: t, tc: tc, profile: "paid", cert: c1.cert, key: c1.key}
	newKey, _ := tc.key("new.key")
	body := p.kur(newKey, "studio-rossi", "una-password-lunga")
	tid := make([]byte, 16)
	rand.Read(tid)

	firstTID := append([]byte(nil), tid...)
	// The same request three times (a client retrying after a lost answer): the same waiting transaction.
	for i := 0; i < 3; i++ {
		if r := certResponse(t, p.send(tid, body)); r.Status.Status != cmp.StatusWaiting {
			t.Fatalf("try %d: status %v %v", i, r.Status.Status, r.Status.StatusString)
		}
	}
	if a, _ := tc.ca.Store.Account(ctx, "studio-rossi"); a.Balance != 700 {
		t.Fatalf("charged before issuance: %d", a.Balance)
	}
	// Polls before the delay: pollRep with checkAfter; nothing charged.
	for i := 0; i < 5; i++ {
		ans := p.send(tid, cmp.Body{Type: cmp.BodyPollReq, PollReq: []int{0}})
		if ans.Body.Type != cmp.BodyPollRep || ans.Body.PollRep[0].CheckAfter < 1 || ans.Body.PollRep[0].CheckAfter > 60 {
			t.Fatalf("poll %d answered %v %+v", i, ans.Body.Type, ans.Body.PollRep)
		}
	}
	// A pollReq that answers no message of the CA is refused (RFC 9483 §3.5).
	p.bogus = true
	if ans := p.send(tid, cmp.Body{Type: cmp.BodyPollReq, PollReq: []int{0}}); ans.Body.Type != cmp.BodyError || !ans.Body.Error.Status.FailInfo.Has(cmp.FailBadRecipientNonce) {
		t.Fatalf("bogus recipNonce: %v", ans.Body.Type)
	}
	p.bogus = false
	offset.Store(int64(61 * time.Second))
	// After it: the certificate, then the same certificate to every further poll or resend.
	issued := certResponse(t, p.send(tid, cmp.Body{Type: cmp.BodyPollReq, PollReq: []int{0}})).Cert
	if issued == nil {
		t.Fatal("certificate not issued after the delay")
	}
	for i := 0; i < 5; i++ {
		if c := certResponse(t, p.send(tid, cmp.Body{Type: cmp.BodyPollReq, PollReq: []int{0}})).Cert; !bytes.Equal(c, issued) {
			t.Fatal("a later poll returned another certificate")
		}
		if c := certResponse(t, p.send(tid, body)).Cert; !bytes.Equal(c, issued) {
			t.Fatal("a resent request returned another certificate")
		}
	}
	cert, _ := x509.ParseCertificate(issued)
	hash, _ := cmp.CertHash(cert, pkix.AlgorithmIdentifier{})
	for i := 0; i < 2; i++ {
		if ans := p.send(tid, cmp.Body{Type: cmp.BodyCertConf, CertConf: []cmp.CertStatus{{CertHash: hash}}}); ans.Body.Type != cmp.BodyPKIConf {
			t.Fatalf("certConf answered %v", ans.Body.Type)
		}
	}
	a, _ := tc.ca.Store.Account(ctx, "studio-rossi")
	charges, _ := tc.ca.Store.Charges(ctx, "studio-rossi")
	if a.Balance != 200 || len(charges) != 1 || charges[0].CertSerial != SerialHex(cert.SerialNumber) {
		t.Fatalf("balance %d, charges %+v", a.Balance, charges)
	}

	// A second card of the same account: 2,00 € cannot pay 5,00 €; nothing is issued or recorded.
	c2 := tc.renewable("old2", "/C=IT/CN=PAGANTE DUE")
	old2, key2 := c2.cert, c2.key
	p2 := &peer{t: t, tc: tc, profile: "paid", cert: old2, key: key2}
	rand.Read(tid)
	r := certResponse(t, p2.send(tid, p2.kur(newKey, "studio-rossi", "una-password-lunga")))
	if r.Status.Status != cmp.StatusRejection || !r.Status.FailInfo.Has(cmp.FailNotAuthorized) ||
		!strings.HasPrefix(r.Status.StatusString[0], "insufficientBalance: credito insufficiente: disponibili 2,00 €, costo 5,00 €") {
		t.Fatalf("want insufficient balance, got %+v", r.Status)
	}
	if reason, _ := r.Status.Reason(); reason != cmp.ReasonInsufficientBalance {
		t.Fatalf("the client does not recognise the reason: %+v", r.Status)
	}
	if _, err := tc.ca.Store.Waiting(ctx, SerialHex(old2.SerialNumber)); err == nil {
		t.Fatal("a refused renewal was recorded")
	}
	// Wrong password, unknown account, no credentials: badAccount, same answer for all.
	for _, cred := range [][2]string{{"studio-rossi", "sbagliata!"}, {"nessuno", "una-password-lunga"}, {"", ""}} {
		rand.Read(tid)
		r := certResponse(t, p2.send(tid, p2.kur(newKey, cred[0], cred[1])))
		if reason, _ := r.Status.Reason(); reason != cmp.ReasonBadAccount || !r.Status.FailInfo.Has(cmp.FailNotAuthorized) {
			t.Fatalf("%v: want badAccount, got %+v", cred, r.Status)
		}
	}
	// A transactionID reused for another request is refused.
	if ans := p.send(firstTID, p.kur(key2, "studio-rossi", "una-password-lunga")); ans.Body.Type != cmp.BodyError ||
		!ans.Body.Error.Status.FailInfo.Has(cmp.FailTransactionIDInUse) {
		t.Fatalf("reused transactionID: %v %+v", ans.Body.Type, ans.Body.Error)
	}
}

// TestLostTransactionSuperseded: a client that lost its pending transaction starts again with a new
// one; the old one is closed, the new one issues, and only one renewal exists.
func TestLostTransactionSuperseded(t *testing.T) {
	tc := newTestCA(t)
	var offset atomic.Int64
	tc.ca.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	tc.profile("slow", func(p *profile.Profile) { p.DelaySeconds = 60 })
	c := tc.renewable("c", "/C=IT/CN=SMEMORATO")
	p := &peer{t: t, tc: tc, profile: "slow", cert: c.cert, key: c.key}
	newKey, _ := tc.key("n.key")
	first, second := make([]byte, 16), make([]byte, 16)
	rand.Read(first)
	rand.Read(second)
	for _, tid := range [][]byte{first, second} {
		if r := certResponse(t, p.send(tid, p.kur(newKey, "", ""))); r.Status.Status != cmp.StatusWaiting {
			t.Fatalf("status %+v", r.Status)
		}
	}
	offset.Store(int64(61 * time.Second))
	if ans := p.send(first, cmp.Body{Type: cmp.BodyPollReq, PollReq: []int{0}}); ans.Body.Type != cmp.BodyError {
		t.Fatalf("superseded transaction answered %v", ans.Body.Type)
	}
	issued := certResponse(t, p.send(second, cmp.Body{Type: cmp.BodyPollReq, PollReq: []int{0}})).Cert
	if issued == nil {
		t.Fatal("the newer transaction did not issue")
	}
	if n, _ := tc.ca.Store.Renewals(context.Background(), SerialHex(c.cert.SerialNumber)); n != 1 {
		t.Fatalf("%d renewals", n)
	}
	cert, _ := x509.ParseCertificate(issued)
	hash, _ := cmp.CertHash(cert, pkix.AlgorithmIdentifier{})
	if ans := p.send(second, cmp.Body{Type: cmp.BodyCertConf, CertConf: []cmp.CertStatus{{CertHash: hash}}}); ans.Body.Type != cmp.BodyPKIConf {
		t.Fatalf("certConf answered %v", ans.Body.Type)
	}
	// And now the certificate is renewed and confirmed: a third request is refused.
	rand.Read(first)
	if r := certResponse(t, p.send(first, p.kur(newKey, "", ""))); r.Status.Status != cmp.StatusRejection {
		t.Fatalf("third renewal: %+v", r.Status)
	}
	// A client whose clock is an hour off (here: the CA's) is told so.
	offset.Store(int64(time.Hour))
	rand.Read(first)
	if ans := p.send(first, p.kur(newKey, "", "")); ans.Body.Type != cmp.BodyError || !ans.Body.Error.Status.FailInfo.Has(cmp.FailBadTime) {
		t.Fatalf("clock skew: %v %+v", ans.Body.Type, ans.Body.Error)
	}
}

// TestPrepaidRefundOnReject: a paid certificate the client rejects in its certConf (RFC 9810 §5.3.18,
// e.g. it could not write it on the card) is revoked and the charge goes back to the account, once.
func TestPrepaidRefundOnReject(t *testing.T) {
	tc := newTestCA(t)
	ctx := context.Background()
	no := false
	tc.profile("paid", func(p *profile.Profile) { p.Price, p.DelaySeconds, p.ImplicitConfirm = 500, 0, &no })
	if err := tc.ca.AddAccount(ctx, "studio-rossi", "una-password-lunga", 700); err != nil {
		t.Fatal(err)
	}
	c := tc.renewable("old", "/C=IT/CN=PAGANTE")
	p := &peer{t: t, tc: tc, profile: "paid", cert: c.cert, key: c.key}
	newKey, _ := tc.key("new.key")
	tid := make([]byte, 16)
	rand.Read(tid)
	issued := certResponse(t, p.send(tid, p.kur(newKey, "studio-rossi", "una-password-lunga"))).Cert
	if issued == nil {
		t.Fatal("not issued")
	}
	if a, _ := tc.ca.Store.Account(ctx, "studio-rossi"); a.Balance != 200 {
		t.Fatalf("balance after issuance %d, want 200", a.Balance)
	}
	cert, _ := x509.ParseCertificate(issued)
	hash, _ := cmp.CertHash(cert, pkix.AlgorithmIdentifier{})
	refusal := cmp.PKIStatusInfo{Status: cmp.StatusRejection, StatusString: []string{"scrittura sulla carta non riuscita"}}
	for range 2 {
		if ans := p.send(tid, cmp.Body{Type: cmp.BodyCertConf, CertConf: []cmp.CertStatus{{CertHash: hash, StatusInfo: &refusal}}}); ans.Body.Type != cmp.BodyPKIConf {
			t.Fatalf("certConf answered %v", ans.Body.Type)
		}
	}
	a, _ := tc.ca.Store.Account(ctx, "studio-rossi")
	charges, _ := tc.ca.Store.Charges(ctx, "studio-rossi")
	if a.Balance != 700 || len(charges) != 1 || charges[0].RefundedAt.IsZero() {
		t.Fatalf("after the rejection: balance %d, charges %+v; want 700 and the charge refunded", a.Balance, charges)
	}
	if rec, _ := tc.ca.Store.Cert(ctx, SerialHex(cert.SerialNumber)); rec.RevokedAt.IsZero() {
		t.Fatal("the rejected certificate is not revoked")
	}
}
