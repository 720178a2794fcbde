package cmp

import (
	"context"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeCA is a minimal CMP server made of the server-side helpers (server.go), so the client's checks can
// be exercised against answers that are correctly protected but wrong in one precise way (tamper).
type fakeCA struct {
	t      *testing.T
	p      *testPKI
	secret []byte
	polls  int // pollRep answers before the certificate
	after  time.Duration
	tamper func(req, resp *Message)
	sender GeneralName // signs with the server key but names this sender
	// signCert and signKey, when set, sign the answers instead of the CMP server's certificate.
	signCert *x509.Certificate
	signKey  crypto.Signer
	mu       sync.Mutex
	pending  *Message // the certificate request while polling
	trace    []string
	paths    []string
	lastReq  *Message
	issued   *x509.Certificate
}

func (f *fakeCA) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	der, _ := io.ReadAll(r.Body)
	req, err := ParseMessage(der)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	resp, err := f.answer(req)
	if err != nil {
		resp, _ = NewResponse(req, ErrorBody(StatusFor(err)), time.Now())
	}
	f.trace = append(f.trace, req.Body.Type.String()+">"+resp.Body.Type.String())
	f.paths = append(f.paths, r.URL.Path)
	if f.tamper != nil {
		f.tamper(req, resp)
	}
	var prot Protector = &SignatureProtection{Signer: f.p.srvKey, Cert: f.p.srv}
	if f.signCert != nil {
		prot = &SignatureProtection{Signer: f.signKey, Cert: f.signCert}
	}
	if f.sender != nil {
		prot = &senderOverride{prot.(*SignatureProtection), f.sender}
	}
	if f.secret != nil {
		prot = &MACProtection{Secret: f.secret, PBMAC1: true, Iterations: 1000}
	}
	if err := resp.Protect(prot); err != nil {
		f.t.Error(err)
	}
	out, err := resp.Marshal()
	if err != nil {
		f.t.Error(err)
	}
	w.Header().Set("Content-Type", ContentType)
	w.Write(out)
}

func (f *fakeCA) answer(req *Message) (*Message, error) {
	if st := req.CheckRequestHeader(); st != nil {
		return NewResponse(req, ErrorBody(*st), time.Now())
	}
	// RFC 9483 §4.3: a genm may come unprotected.
	if req.Body.Type != BodyGenM || req.Header.ProtectionAlg.Algorithm != nil {
		if _, err := req.VerifyRequest(f.p.anchors, f.secret, time.Now()); err != nil {
			return nil, err
		}
	}
	switch req.Body.Type {
	case BodyIR, BodyCR, BodyKUR:
		f.lastReq = req
		crm := req.Body.CertReqMsgs[0]
		if err := crm.VerifyPOP(); err != nil {
			return nil, err
		}
		if f.polls > 0 {
			f.pending = req
			t, _ := ResponseType(req.Body.Type)
			return NewResponse(req, CertRepBody(t, nil, Waiting(crm.CertReqID)), time.Now())
		}
		return f.issue(req, req)
	case BodyPollReq:
		if f.pending == nil {
			return nil, errors.New("nothing pending")
		}
		if f.polls--; f.polls > 0 {
			return NewResponse(req, PollRepBody(req.Body.PollReq[0], f.after), time.Now())
		}
		return f.issue(f.pending, req)
	case BodyCertConf:
		if ok, err := req.Body.CertConf[0].Confirms(f.issued); !ok || err != nil {
			return nil, errors.New("certConf does not confirm")
		}
		return NewResponse(req, PKIConfBody(), time.Now())
	case BodyGenM:
		if req.AsksForCACerts() {
			return NewResponse(req, CACertsBody([][]byte{f.p.ca.Raw}), time.Now())
		}
	}
	return nil, errors.New("unsupported")
}

func (f *fakeCA) issue(certReq, req *Message) (*Message, error) {
	crm := certReq.Body.CertReqMsgs[0]
	pub, err := x509.ParsePKIXPublicKey(crm.Template.PublicKey)
	if err != nil {
		return nil, err
	}
	var subj pkix.RDNSequence
	if _, err := asn1Unmarshal(crm.Template.Subject, &subj); err != nil {
		return nil, err
	}
	var name pkix.Name
	name.FillFromRDNSequence(&subj)
	f.issued = issue(f.t, &x509.Certificate{Subject: name, KeyUsage: x509.KeyUsageDigitalSignature}, pub, f.p.ca, f.p.caKey)
	t, _ := ResponseType(certReq.Body.Type)
	resp, err := NewResponse(req, CertRepBody(t, nil, Issued(crm.CertReqID, f.issued.Raw)), time.Now())
	if err == nil && certReq.Header.ImplicitConfirm() {
		resp.GrantImplicitConfirm()
	}
	return resp, err
}

func startFakeCA(t *testing.T, f *fakeCA) *Client {
	f.t = t
	if f.p == nil {
		f.p = newTestPKI(t, "Fake")
	}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return &Client{URL: srv.URL + "/.well-known/cmp/p/test", Anchors: f.p.anchors, MaxWait: 10 * time.Second, Secret: f.secret}
}

func TestClientAgainstFakeCA(t *testing.T) {
	f := &fakeCA{}
	c := startFakeCA(t, f)
	newK := newKey(t, false)
	res, err := c.KeyUpdate(context.Background(), f.p.ee, f.p.eeKey, newK, false)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Cert.Equal(f.issued) || strings.Join(f.trace, " ") != "kur>kup certConf>pkiconf" {
		t.Fatalf("trace %v", f.trace)
	}
	// RFC 9483 §6.1 operation labels: certConf goes where its kur went.
	c.OperationLabels = true
	if _, err := c.Extend(context.Background(), res.Cert, newK, BodyCR, true); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.paths, " "); got != "/.well-known/cmp/p/test /.well-known/cmp/p/test /.well-known/cmp/p/test/certification" { // implicitly confirmed
		t.Fatalf("paths %s", got)
	}
	certs, err := c.CACerts(context.Background(), nil)
	if err != nil || len(certs) != 1 || !certs[0].Equal(f.p.ca) {
		t.Fatalf("caCerts %v %v", certs, err)
	}
}

// Polling with a fake clock: Poll waits exactly as checkAfter says, and a CA asking for longer than
// MaxWait leaves the transaction pending.
func TestClientPollingHonoursCheckAfter(t *testing.T) {
	f := &fakeCA{polls: 3, after: 90 * time.Second}
	c := startFakeCA(t, f)
	clock := time.Now()
	var slept []time.Duration
	c.Now = func() time.Time { return clock }
	c.Sleep = func(ctx context.Context, d time.Duration) error {
		slept = append(slept, d)
		clock = clock.Add(d)
		return nil
	}
	c.MaxWait = time.Minute
	newK := newKey(t, false)
	res, err := c.KeyUpdate(context.Background(), f.p.ee, f.p.eeKey, newK, true)
	if err != nil {
		t.Fatal(err)
	}
	if res.Pending == nil || !res.Pending.CheckAfter.Equal(clock.Add(90*time.Second)) || len(slept) != 0 {
		t.Fatalf("pending %+v slept %v", res.Pending, slept)
	}
	js, _ := json.Marshal(res.Pending)
	var tx Transaction
	if err := json.Unmarshal(js, &tx); err != nil {
		t.Fatal(err)
	}
	c.MaxWait = 5 * time.Minute
	res, err = c.Poll(context.Background(), &tx, &SignatureProtection{Signer: f.p.eeKey, Cert: f.p.ee})
	if err != nil {
		t.Fatal(err)
	}
	if res.Cert == nil || !res.ImplicitlyConfirmed || len(slept) != 2 || slept[0] != 90*time.Second || slept[1] != 90*time.Second {
		t.Fatalf("result %+v slept %v", res, slept)
	}
	if got := strings.Join(f.trace, " "); got != "kur>kup pollReq>pollRep pollReq>pollRep pollReq>kup" {
		t.Fatalf("trace %s", got)
	}
}

// Answers protected correctly but wrong in one field: each is refused with its own error.
func TestClientRefusesWrongAnswers(t *testing.T) {
	cases := []struct {
		name   string
		tamper func(req, resp *Message)
		want   error
	}{
		{"recipNonce", func(req, resp *Message) { resp.Header.RecipNonce = []byte("0123456789abcdef") }, ErrNonceMismatch},
		{"no recipNonce", func(req, resp *Message) { resp.Header.RecipNonce = nil }, ErrNonceMismatch},
		{"short senderNonce", func(req, resp *Message) { resp.Header.SenderNonce = []byte{1} }, ErrNonceMismatch},
		{"transactionID", func(req, resp *Message) { resp.Header.TransactionID = []byte("another transaction") }, ErrTransactionMismatch},
		{"certReqId", func(req, resp *Message) {
			if resp.Body.CertRep != nil {
				resp.Body.CertRep.Responses[0].CertReqID = 7
			}
		}, ErrCertReqIDMismatch},
		{"body type", func(req, resp *Message) {
			if resp.Body.Type == BodyKUP {
				resp.Body.Type = BodyIP
			}
		}, ErrUnexpectedBody},
		{"pvno", func(req, resp *Message) { resp.Header.PVNO = 1 }, ErrUnsupported},
		{"waiting again", func(req, resp *Message) {
			if req.Body.Type == BodyPollReq {
				resp.Body = CertRepBody(BodyKUP, nil, Waiting(0))
			}
		}, ErrUnexpectedBody},
		{"sender", nil, ErrUntrustedSigner},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeCA{tamper: tc.tamper}
			if tc.name == "waiting again" {
				f.polls = 2
			}
			if tc.tamper == nil {
				f.sender = DirectoryNameOf(pkix.Name{CommonName: "someone else"})
			}
			c := startFakeCA(t, f)
			_, err := c.KeyUpdate(context.Background(), f.p.ee, f.p.eeKey, newKey(t, false), false)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			it, en := userText(err)
			if it == "" || en == "" || it == en {
				t.Fatalf("texts %q %q", it, en)
			}
		})
	}
}

// TestClientAcceptsOnlyTheCAsSigner (invariant I6): an answer signed by a certificate that merely chains
// to the anchors — another citizen's — is refused; the CA's own certificate and a certificate marked
// id-kp-cmcRA are accepted; with pinned Signers only those are.
func TestClientAcceptsOnlyTheCAsSigner(t *testing.T) {
	p := newTestPKI(t, "Pin")
	citizenKey := newKey(t, false)
	citizen := issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "BIANCHI LUIGI", SerialNumber: "TINIT-BNCLGU80A01H501W"},
		KeyUsage: x509.KeyUsageDigitalSignature}, citizenKey.Public(), p.ca, p.caKey)
	cases := []struct {
		name    string
		cert    *x509.Certificate
		key     crypto.Signer
		pinned  []*x509.Certificate
		refused bool
	}{
		{"another citizen", citizen, citizenKey, nil, true},
		{"the CA itself", p.ca, p.caKey, nil, false},
		{"cmcRA signer", p.srv, p.srvKey, nil, false},
		{"cmcRA signer, CA pinned", p.srv, p.srvKey, []*x509.Certificate{p.ca}, true},
		{"citizen, CA pinned", citizen, citizenKey, []*x509.Certificate{p.ca}, true},
		{"pinned signer", p.srv, p.srvKey, []*x509.Certificate{p.ca, p.srv}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeCA{p: p, signCert: tc.cert, signKey: tc.key}
			c := startFakeCA(t, f)
			c.Signers = tc.pinned
			res, err := c.KeyUpdate(context.Background(), p.ee, p.eeKey, newKey(t, false), true)
			if tc.refused {
				if !errors.Is(err, ErrUnauthorizedSigner) || res != nil {
					t.Fatalf("got %v, want ErrUnauthorizedSigner", err)
				}
				if it, _ := userText(err); !strings.Contains(it, "non è quello della CA") {
					t.Fatalf("text %q", it)
				}
				return
			}
			if err != nil || res.Cert == nil {
				t.Fatalf("refused: %v", err)
			}
		})
	}
}

// TestClientRefusesRedirects (invariant I6): a 3xx answer is an error with words, and the request —
// which may carry a prepaid account's password — never reaches the address it points to.
func TestClientRefusesRedirects(t *testing.T) {
	var reached atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached.Add(1) }))
	t.Cleanup(target.Close)
	for _, code := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target.URL+"/.well-known/cmp", code)
		}))
		p := newTestPKI(t, "Redirect")
		c := &Client{URL: redirect.URL, Anchors: p.anchors, HTTP: &http.Client{}}
		_, err := c.KeyUpdate(context.Background(), p.ee, p.eeKey, newKey(t, false), false)
		redirect.Close()
		if !errors.Is(err, ErrRedirect) {
			t.Fatalf("HTTP %d: got %v, want ErrRedirect", code, err)
		}
		if it, en := userText(err); !strings.Contains(it, "reindirizzamento") || !strings.Contains(en, "redirect") {
			t.Fatalf("texts %q / %q", it, en)
		}
	}
	if n := reached.Load(); n != 0 {
		t.Fatalf("the redirect target received %d requests", n)
	}
}

func TestSecureURL(t *testing.T) {
	for u, want := range map[string]bool{
		"https://ca.example/.well-known/cmp": true, "http://127.0.0.1:8080/x": true, "http://localhost:9/x": true,
		"http://[::1]:9/x": true, "http://ca.example/x": false, "http://127.0.0.1:80@ca.example/x": false,
		"http://localhost.ca.example/x": false, "ftp://ca.example/x": false, "https://user:pw@ca.example/": false, "": false,
	} {
		if got := SecureURL(u); got != want {
			t.Errorf("SecureURL(%q) = %v", u, got)
		}
	}
	p := newTestPKI(t, "Plain")
	c := &Client{URL: "http://ca.example/.well-known/cmp", Anchors: p.anchors}
	if _, err := c.KeyUpdate(context.Background(), p.ee, p.eeKey, newKey(t, false), false); !errors.Is(err, ErrInsecureURL) {
		t.Fatalf("plain http to a remote host: %v", err)
	}
}

// MAC-based protection with PBMAC1 both ways (RFC 9481 §6.1.2), and an ir.
func TestClientPBMAC1(t *testing.T) {
	f := &fakeCA{secret: []byte("segreto condiviso")}
	c := startFakeCA(t, f)
	// id-regInfo-utf8Pairs (RFC 4211 §7.1), as ponte-ca's prepaid accounts use it.
	pairs, _ := asn1.MarshalWithParams("account?demo%password?x%", "utf8")
	note := AttributeTypeAndValue{Type: asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 5, 2, 1}, Value: asn1.RawValue{FullBytes: pairs}}
	r, err := InitialRequest(pkix.Name{CommonName: "VERDI LUCA"}, newKey(t, false), &MACProtection{Secret: f.secret, Reference: []byte("acct-1"), PBMAC1: true})
	if err != nil {
		t.Fatal(err)
	}
	r.RegInfo = []AttributeTypeAndValue{note}
	res, err := c.Enroll(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	if res.Cert.Subject.CommonName != "VERDI LUCA" {
		t.Fatal("subject")
	}
	if ri := f.lastReq.Body.CertReqMsgs[0].RegInfo; len(ri) != 1 || string(ri[0].Value.FullBytes) != string(note.Value.FullBytes) ||
		!f.lastReq.MACProtected() || string(f.lastReq.Header.SenderKID) != "acct-1" {
		t.Fatalf("request as the CA saw it: %+v", f.lastReq.Header)
	}
	c.Secret = []byte("altro")
	_, err = c.Initial(context.Background(), pkix.Name{CommonName: "VERDI LUCA"}, newKey(t, false),
		&MACProtection{Secret: f.secret, PBMAC1: true}, false)
	if !errors.Is(err, ErrBadProtection) {
		t.Fatalf("got %v", err)
	}
}

func TestEndpoint(t *testing.T) {
	for _, c := range []struct{ base, profile, want string }{
		{"https://ca.example/", "cns", "https://ca.example/.well-known/cmp/p/cns"},
		{"https://ca.example", "", "https://ca.example/.well-known/cmp"},
		{"https://ca.example", "a b", "https://ca.example/.well-known/cmp/p/a%20b"},
	} {
		if got := Endpoint(c.base, c.profile); got != c.want {
			t.Errorf("Endpoint(%q, %q) = %q", c.base, c.profile, got)
		}
	}
}

func TestTransportRefusesOtherContent(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		w.Write([]byte("<html>captive portal</html>"))
	}))
	defer srv.Close()
	p := newTestPKI(t, "T")
	c := &Client{URL: srv.URL, Anchors: p.anchors}
	for _, tc := range []struct {
		status    int
		want      error
		retriable bool
	}{{http.StatusOK, ErrNotCMP, false}, {http.StatusNotFound, ErrNotCMP, false}, {http.StatusBadGateway, ErrTransport, true}} {
		status = tc.status
		_, err := c.KeyUpdate(context.Background(), p.ee, p.eeKey, newKey(t, false), false)
		var e *Error
		if !errors.Is(err, tc.want) || !errors.As(err, &e) || e.Retriable() != tc.retriable {
			t.Errorf("HTTP %d: got %v", tc.status, err)
		}
	}
	// Nobody listening: a transport failure, worth retrying.
	srv.Close()
	if _, err := c.KeyUpdate(context.Background(), p.ee, p.eeKey, newKey(t, false), false); !errors.Is(err, ErrTransport) {
		t.Errorf("closed server: got %v", err)
	}
}

// senderOverride signs like SignatureProtection but names another sender (a misbehaving CA).
type senderOverride struct {
	*SignatureProtection
	sender GeneralName
}

func (s *senderOverride) setup(h *Header) ([][]byte, error) {
	extra, err := s.SignatureProtection.setup(h)
	h.Sender = s.sender
	return extra, err
}

// The server helpers turn a bad request into the precise failInfo: a POP by another key is badPOP, a
// request signed by an untrusted certificate signerNotTrusted, and the client shows it as a Refusal.
func TestServerRefusalsReachTheClient(t *testing.T) {
	f := &fakeCA{}
	c := startFakeCA(t, f)
	other := newTestPKI(t, "Other")
	for _, tc := range []struct {
		name string
		req  *Request
		bit  int
	}{
		{"untrusted signer", KeyUpdateRequest(other.ee, other.eeKey, newKey(t, false)), FailSignerNotTrusted},
		{"wrong signature", KeyUpdateRequest(f.p.ee, other.eeKey, newKey(t, false)), FailBadMessageCheck},
	} {
		_, err := c.Enroll(context.Background(), tc.req)
		var ref *Refusal
		if !errors.As(err, &ref) || !ref.Status.FailInfo.Has(tc.bit) || ref.Body != BodyError {
			t.Errorf("%s: got %v", tc.name, err)
		}
	}
	// A POP that does not verify: sign the request with one key, then swap the template's key.
	newK, otherK := newKey(t, false), newKey(t, false)
	spki, _ := x509.MarshalPKIXPublicKey(otherK.Public())
	crm := CertReqMsg{Template: CertTemplate{Subject: f.p.ee.RawSubject, PublicKey: spki}, Controls: []AttributeTypeAndValue{OldCertIDControl(f.p.ee)}}
	if err := crm.SignPOP(newK); err != nil {
		t.Fatal(err)
	}
	tx := &Transaction{Request: BodyKUR, TransactionID: []byte("0123456789abcdef"), PublicKey: spki}
	_, err := c.exchange(context.Background(), tx, &SignatureProtection{Signer: f.p.eeKey, Cert: f.p.ee}, Body{Type: BodyKUR, CertReqMsgs: []CertReqMsg{crm}}, false)
	var ref *Refusal
	if !errors.As(err, &ref) || !ref.Status.FailInfo.Has(FailBadPOP) {
		t.Errorf("bad POP: got %v", err)
	}
	// A short transactionID is refused by the header rules.
	tx.TransactionID = []byte{1}
	_, err = c.exchange(context.Background(), tx, &SignatureProtection{Signer: f.p.eeKey, Cert: f.p.ee}, Body{Type: BodyPollReq, PollReq: []int{0}}, false)
	if !errors.As(err, &ref) || !ref.Status.FailInfo.Has(FailBadRequest) {
		t.Errorf("short transactionID: got %v", err)
	}
}
