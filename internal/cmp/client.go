package cmp

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"net/http"
	"strings"
	"time"
)

// Client speaks CMP to one CA profile (RFC 9483 §4). It holds no transaction state: a Transaction does,
// so a delayed request can be saved and resumed by another Client, in another process.
type Client struct {
	// URL is the CMP endpoint: Endpoint(base, profile), or any URL (e.g. "http://127.0.0.1:PORT/pkix/"
	// for OpenSSL's mock server).
	URL string
	// OperationLabels appends the RFC 9483 §6.1 operation label (OperationLabel) to URL.
	OperationLabels bool
	// HTTP is the client used for the POSTs; nil means http.DefaultClient (the Fetch API on js/wasm).
	HTTP *http.Client
	// Anchors are the profile's trust anchors: every answer's protection certificate and every issued
	// certificate must chain to one of them.
	Anchors *x509.CertPool
	// Signers pin the CA's (or its RA's) CMP protection certificates: when set, a signed answer is
	// accepted only from one of these very certificates. When empty, the signer must be a trust anchor
	// itself (the CA signing with its own certificate) or carry id-kp-cmcCA / id-kp-cmcRA (RFC 9483
	// §3.5, RFC 6402 §2.10): a certificate merely chaining to the anchors, such as another citizen's,
	// is refused.
	Signers []*x509.Certificate
	// Secret, when set, is the shared secret that MAC-protected answers must verify with (RFC 9483
	// §3.2). When nil, answers must be signed.
	Secret []byte
	// MaxWait bounds how long Enroll and Poll keep polling in one call, honouring checkAfter; when the CA
	// needs longer they return the pending Transaction. Zero: Enroll returns at the first "waiting", and
	// Poll sends a single pollReq once CheckAfter has passed.
	MaxWait time.Duration
	// BeforeSend, when set, is called with the transaction before each message of it leaves, so the
	// caller can save it first (write-ahead): an answer lost to a crash is then collected by polling or
	// confirming the same transaction later, never by sending a second request.
	BeforeSend func(tx *Transaction) error
	// MessageTimeout bounds each request/answer round trip; zero means one minute.
	MessageTimeout time.Duration
	// Now and Sleep default to the real clock; tests replace them.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// maxPolls bounds the pollReq messages of one call, whatever checkAfter says.
const maxPolls = 100

// Request describes one certificate request (RFC 9483 §4.1.1 ir, §4.1.2 cr, §4.1.3 kur).
type Request struct {
	Type       BodyType      // BodyIR, BodyCR or BodyKUR
	Protection Protector     // the old key and certificate for kur (RFC 9483 §4.1.3), else a signature or MAC
	NewKey     crypto.Signer // the key to certify; it signs the proof of possession (RFC 4211 §4.1)
	Subject    []byte        // DER Name; for kur and extensions the old certificate's subject by default
	Extensions []pkix.Extension
	// RegInfo travels in the CertReqMsg (RFC 4211 §7), covered by the message protection but not by
	// the proof of possession: e.g. a prepaid account's credentials.
	RegInfo   []AttributeTypeAndValue
	OldCert   *x509.Certificate // the certificate to update: oldCertID control in kur (RFC 4211 §6.5)
	Recipient GeneralName       // default: the old certificate's issuer, else the NULL-DN
	// ImplicitConfirm asks the CA to skip certConf/pkiConf (RFC 9810 §5.1.1.1); if the CA does not
	// grant it, the client confirms explicitly.
	ImplicitConfirm bool
	// DeferConfirm returns the checked certificate without sending certConf: the caller stores it first
	// (on the card) and then calls Confirm or Reject (RFC 9483 §4.1: the EE confirms once it accepts).
	DeferConfirm bool
	// TransactionID, when set, sends the request again in the transaction it was first sent in (its answer
	// was lost): a CA that received it answers from the transaction's state, without deciding or charging
	// again (RFC 9810 §5.1.1 transactionID; the request must be the same).
	TransactionID []byte
}

// KeyUpdateRequest is a renewal with a new key: kur protected with the OLD key and certificate, proof
// of possession by the new key, oldCertID naming the old certificate (RFC 9483 §4.1.3).
func KeyUpdateRequest(oldCert *x509.Certificate, oldKey, newKey crypto.Signer) *Request {
	return &Request{Type: BodyKUR, Protection: &SignatureProtection{Signer: oldKey, Cert: oldCert}, NewKey: newKey, OldCert: oldCert}
}

// ExtendRequest asks for a new certificate for the same key (an extension of validity): kur, or cr when
// the CA's profile wants it, protected by and proving possession of the existing key.
func ExtendRequest(cert *x509.Certificate, key crypto.Signer, body BodyType) *Request {
	return &Request{Type: body, Protection: &SignatureProtection{Signer: key, Cert: cert}, NewKey: key, OldCert: cert}
}

// InitialRequest is an ir for a new entity (RFC 9483 §4.1.1), protected by p (usually a MAC).
func InitialRequest(subject pkix.Name, newKey crypto.Signer, p Protector) (*Request, error) {
	der, err := asn1.Marshal(subject.ToRDNSequence())
	if err != nil {
		return nil, err
	}
	return &Request{Type: BodyIR, Protection: p, NewKey: newKey, Subject: der}, nil
}

// Transaction is the state of one enrolment between messages: what is needed to poll, confirm and check
// the answers. It is plain JSON so a pending request can be saved and resumed in a later session.
type Transaction struct {
	Request         BodyType    `json:"request"`
	TransactionID   []byte      `json:"transactionId"`
	ServerNonce     []byte      `json:"serverNonce"` // the CA's last senderNonce: our next recipNonce
	CertReqID       int         `json:"certReqId"`
	PublicKey       []byte      `json:"publicKey"` // DER SubjectPublicKeyInfo requested
	Recipient       GeneralName `json:"recipient"`
	ImplicitConfirm bool        `json:"implicitConfirm"`
	DeferConfirm    bool        `json:"deferConfirm,omitempty"`
	Started         time.Time   `json:"started"`
	CheckAfter      time.Time   `json:"checkAfter"` // the CA's checkAfter: do not poll before
}

// Result is the outcome of Enroll or Poll. Either Cert is set (issued, checked, and confirmed), or
// Pending is (the CA has not issued yet: save it, and Poll after Pending.CheckAfter).
type Result struct {
	Cert                *x509.Certificate
	Chain               []*x509.Certificate // Cert up to the trust anchor, as verified
	ExtraCerts          []*x509.Certificate // as sent by the CA
	CAPubs              []*x509.Certificate // offered by the CA in ip; NOT trusted automatically
	Status              PKIStatusInfo       // accepted or grantedWithMods
	ImplicitlyConfirmed bool
	Pending             *Transaction
	// Transaction is the finished transaction, for Confirm or Reject when the request had DeferConfirm.
	Transaction *Transaction
}

// Initial enrols a new entity (ir, see InitialRequest).
func (c *Client) Initial(ctx context.Context, subject pkix.Name, newKey crypto.Signer, p Protector, implicitConfirm bool) (*Result, error) {
	r, err := InitialRequest(subject, newKey, p)
	if err != nil {
		return nil, err
	}
	r.ImplicitConfirm = implicitConfirm
	return c.Enroll(ctx, r)
}

// KeyUpdate renews with a new key (kur, see KeyUpdateRequest).
func (c *Client) KeyUpdate(ctx context.Context, oldCert *x509.Certificate, oldKey, newKey crypto.Signer, implicitConfirm bool) (*Result, error) {
	r := KeyUpdateRequest(oldCert, oldKey, newKey)
	r.ImplicitConfirm = implicitConfirm
	return c.Enroll(ctx, r)
}

// Extend requests a new certificate for the same key (kur or cr, see ExtendRequest).
func (c *Client) Extend(ctx context.Context, cert *x509.Certificate, key crypto.Signer, body BodyType, implicitConfirm bool) (*Result, error) {
	r := ExtendRequest(cert, key, body)
	r.ImplicitConfirm = implicitConfirm
	return c.Enroll(ctx, r)
}

// Enroll sends the request and carries the transaction as far as it can: the certificate response,
// polling while the CA says waiting (within MaxWait), and confirmation.
func (c *Client) Enroll(ctx context.Context, r *Request) (*Result, error) {
	if r.Type != BodyIR && r.Type != BodyCR && r.Type != BodyKUR {
		return nil, fail(CodeBadInput, nil, "request type %v", r.Type)
	}
	if r.Protection == nil || r.NewKey == nil {
		return nil, fail(CodeBadInput, nil, "request without protection or key")
	}
	if r.Type == BodyKUR && r.OldCert == nil {
		return nil, fail(CodeBadInput, nil, "kur without the certificate to update")
	}
	spki, err := x509.MarshalPKIXPublicKey(r.NewKey.Public())
	if err != nil {
		return nil, fail(CodeUnsupported, err, "new public key")
	}
	tid := r.TransactionID
	if len(tid) == 0 {
		if tid, err = newNonce(); err != nil {
			return nil, err
		}
	}
	tx := &Transaction{Request: r.Type, TransactionID: tid, PublicKey: spki, Recipient: r.Recipient,
		ImplicitConfirm: r.ImplicitConfirm, DeferConfirm: r.DeferConfirm, Started: c.now()}
	subject := r.Subject
	if r.OldCert != nil {
		if subject == nil {
			subject = r.OldCert.RawSubject
		}
		if tx.Recipient == nil {
			tx.Recipient = DirectoryName(r.OldCert.RawIssuer)
		}
	}
	// RFC 9483 §4.1.1: the template names subject and public key; certReqId is 0.
	crm := CertReqMsg{CertReqID: 0, Template: CertTemplate{Subject: subject, PublicKey: spki, Extensions: r.Extensions}}
	if r.Type == BodyKUR {
		crm.Controls = []AttributeTypeAndValue{OldCertIDControl(r.OldCert)}
	}
	if err := crm.SignPOP(r.NewKey); err != nil {
		return nil, err
	}
	crm.RegInfo = r.RegInfo
	ans, err := c.exchange(ctx, tx, r.Protection, Body{Type: r.Type, CertReqMsgs: []CertReqMsg{crm}}, r.ImplicitConfirm)
	if err != nil {
		return nil, err
	}
	want, _ := ResponseType(r.Type)
	return c.certResponse(ctx, tx, r.Protection, ans, want, c.now().Add(c.MaxWait))
}

// Poll resumes a pending transaction (RFC 9810 §5.3.22, RFC 9483 §4.4): pollReq until the certificate
// comes or MaxWait is over, then confirmation. p must protect as the original request did. Poll waits
// for tx.CheckAfter first when that is within MaxWait; otherwise it returns the transaction still
// pending, without sending anything.
func (c *Client) Poll(ctx context.Context, tx *Transaction, p Protector) (*Result, error) {
	if tx == nil || len(tx.TransactionID) == 0 {
		return nil, fail(CodeBadInput, nil, "not a pending certificate request")
	}
	want, ok := ResponseType(tx.Request)
	if !ok {
		return nil, fail(CodeBadInput, nil, "not a pending certificate request")
	}
	return c.poll(ctx, tx, p, want, c.now().Add(c.MaxWait))
}

func (c *Client) poll(ctx context.Context, tx *Transaction, p Protector, want BodyType, deadline time.Time) (*Result, error) {
	for i := 0; i < maxPolls; i++ {
		if tx.CheckAfter.After(deadline) {
			return &Result{Pending: tx}, nil
		}
		if d := tx.CheckAfter.Sub(c.now()); d > 0 {
			if err := c.sleep(ctx, d); err != nil {
				return nil, fail(CodeTransport, err, "waiting to poll")
			}
		}
		ans, err := c.exchange(ctx, tx, p, Body{Type: BodyPollReq, PollReq: []int{tx.CertReqID}}, false)
		if err != nil {
			return nil, err
		}
		if ans.Body.Type != BodyPollRep {
			if ans.Body.Type == want && len(ans.Body.CertRep.Responses) == 1 && ans.Body.CertRep.Responses[0].Status.Status == StatusWaiting {
				// RFC 9810 §5.3.22: "not ready yet" after a pollReq is a pollRep, never another waiting.
				return nil, fail(CodeUnexpectedBody, nil, "%v with status waiting in answer to pollReq", ans.Body.Type)
			}
			return c.certResponse(ctx, tx, p, ans, want, deadline)
		}
		if len(ans.Body.PollRep) != 1 || ans.Body.PollRep[0].CertReqID != tx.CertReqID {
			return nil, fail(CodeCertReqIDMismatch, nil, "pollRep does not answer certReqId %d", tx.CertReqID)
		}
		after := ans.Body.PollRep[0].CheckAfter
		if after < 0 || after > 366*24*3600 {
			return nil, malformed("pollRep", nil)
		}
		tx.CheckAfter = c.now().Add(time.Duration(after) * time.Second)
	}
	return &Result{Pending: tx}, nil
}

// certResponse handles ip/cp/kup (RFC 9810 §5.3.4): waiting → poll, rejection → *Refusal, accepted →
// strict checks of the certificate, then confirmation.
func (c *Client) certResponse(ctx context.Context, tx *Transaction, p Protector, ans *Message, want BodyType, deadline time.Time) (*Result, error) {
	if ans.Body.Type != want {
		return nil, fail(CodeUnexpectedBody, nil, "%v where %v was expected", ans.Body.Type, want)
	}
	rep := ans.Body.CertRep
	if len(rep.Responses) != 1 || rep.Responses[0].CertReqID != tx.CertReqID {
		return nil, fail(CodeCertReqIDMismatch, nil, "%d responses, expected one for certReqId %d", len(rep.Responses), tx.CertReqID)
	}
	cr := rep.Responses[0]
	switch cr.Status.Status {
	case StatusWaiting:
		// RFC 9483 §4.4: the first pollReq may follow at once; the CA's pollRep gives checkAfter.
		tx.CheckAfter = c.now()
		if c.MaxWait <= 0 {
			return &Result{Pending: tx}, nil
		}
		return c.poll(ctx, tx, p, want, deadline)
	case StatusRejection:
		return nil, &Refusal{Body: ans.Body.Type, Status: cr.Status}
	case StatusAccepted, StatusGrantedWithMods:
	default:
		return nil, fail(CodeUnexpectedBody, nil, "status %v in %v", cr.Status.Status, ans.Body.Type)
	}
	if cr.Cert == nil {
		return nil, fail(CodeUnexpectedBody, nil, "%v accepted without a certificate", ans.Body.Type)
	}
	res, err := c.checkIssued(tx, ans, cr)
	if err != nil {
		// RFC 9483 §4.1: a client rejecting the certificate says so in certConf. Best effort: the
		// error the caller sees is ours.
		implicit := tx.ImplicitConfirm && ans.Header.ImplicitConfirm()
		if e, ok := err.(*Error); ok && !implicit && (e.Code == CodeWrongPublicKey || e.Code == CodeUntrustedCert) {
			c.reject(ctx, tx, p, cr, e)
		}
		return nil, err
	}
	res.Transaction = tx
	if tx.ImplicitConfirm && ans.Header.ImplicitConfirm() {
		res.ImplicitlyConfirmed = true
		return res, nil
	}
	if tx.DeferConfirm {
		return res, nil
	}
	if err := c.confirm(ctx, tx, p, res.Cert, nil); err != nil {
		return nil, err
	}
	return res, nil
}

// checkIssued: the certificate carries exactly the requested public key and chains to the anchors
// (RFC 9483 §4.1 "the EE MUST verify ...").
func (c *Client) checkIssued(tx *Transaction, ans *Message, cr CertResponse) (*Result, error) {
	cert, err := x509.ParseCertificate(cr.Cert)
	if err != nil {
		return nil, malformed("issued certificate", err)
	}
	if !bytes.Equal(cert.RawSubjectPublicKeyInfo, tx.PublicKey) {
		return nil, fail(CodeWrongPublicKey, nil, "certificate %q serial %s", cert.Subject.String(), cert.SerialNumber)
	}
	res := &Result{Cert: cert, Status: cr.Status}
	inter := x509.NewCertPool()
	for _, der := range ans.ExtraCerts {
		x, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, malformed("extraCerts", err)
		}
		res.ExtraCerts = append(res.ExtraCerts, x)
		inter.AddCert(x)
	}
	for _, der := range ans.Body.CertRep.CAPubs {
		x, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, malformed("caPubs", err)
		}
		res.CAPubs = append(res.CAPubs, x)
	}
	chains, err := cert.Verify(x509.VerifyOptions{Roots: c.Anchors, Intermediates: inter, CurrentTime: IssuedCheckTime(c.now(), cert), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err != nil {
		return nil, fail(CodeUntrustedCert, err, "certificate %q", cert.Subject.String())
	}
	res.Chain = chains[0]
	return res, nil
}

// IssuerClockSkew is how far ahead of this computer's clock the CA's may run: a CA issues with notBefore
// set to its own now (ponte-ca does), so a holder's clock a little behind saw every freshly issued
// certificate as "not yet valid" and refused it — after the CA had issued, charged and, with implicit
// confirmation, counted it. The same bound as ponte-ca's tolerance for message times.
const IssuerClockSkew = 10 * time.Minute

// IssuedCheckTime is the time at which a freshly issued certificate is verified: now, or its notBefore when
// that lies no more than IssuerClockSkew ahead (the issuer's clock is ahead of ours, RFC 5280 §4.1.2.5).
func IssuedCheckTime(now time.Time, cert *x509.Certificate) time.Time {
	if cert.NotBefore.After(now) && cert.NotBefore.Sub(now) <= IssuerClockSkew {
		return cert.NotBefore
	}
	return now
}

// Confirm accepts a certificate received with DeferConfirm: certConf, then pkiConf (RFC 9810 §5.3.18).
func (c *Client) Confirm(ctx context.Context, tx *Transaction, p Protector, cert *x509.Certificate) error {
	if tx == nil || cert == nil {
		return fail(CodeBadInput, nil, "nothing to confirm")
	}
	return c.confirm(ctx, tx, p, cert, nil)
}

// Reject tells the CA the certificate received with DeferConfirm is not accepted, and why.
func (c *Client) Reject(ctx context.Context, tx *Transaction, p Protector, cert *x509.Certificate, why *Error) error {
	if tx == nil || cert == nil || why == nil {
		return fail(CodeBadInput, nil, "nothing to reject")
	}
	return c.confirm(ctx, tx, p, cert, why)
}

// confirm sends certConf and expects pkiConf (RFC 9810 §5.3.18, §5.3.17). A nil reason accepts.
func (c *Client) confirm(ctx context.Context, tx *Transaction, p Protector, cert *x509.Certificate, reason *Error) error {
	hash, err := CertHash(cert, pkix.AlgorithmIdentifier{})
	if err != nil {
		return err
	}
	st := CertStatus{CertHash: hash, CertReqID: tx.CertReqID}
	if reason != nil {
		st.StatusInfo = &PKIStatusInfo{Status: StatusRejection, FailInfo: Bit(FailBadCertTemplate), StatusString: []string{reason.Error()}}
	}
	ans, err := c.exchange(ctx, tx, p, Body{Type: BodyCertConf, CertConf: []CertStatus{st}}, false)
	if err != nil {
		return err
	}
	if ans.Body.Type != BodyPKIConf {
		return fail(CodeUnexpectedBody, nil, "%v where pkiConf was expected", ans.Body.Type)
	}
	return nil
}

func (c *Client) reject(ctx context.Context, tx *Transaction, p Protector, cr CertResponse, why *Error) {
	if cert, err := x509.ParseCertificate(cr.Cert); err == nil {
		_ = c.confirm(ctx, tx, p, cert, why)
	}
}

// exchange sends one request of the transaction and returns the checked answer: protection verified
// against the anchors (or the secret), same transactionID, recipNonce equal to our senderNonce, and no
// error body (which becomes a *Refusal). It advances tx.ServerNonce.
func (c *Client) exchange(ctx context.Context, tx *Transaction, p Protector, body Body, askImplicit bool) (*Message, error) {
	nonce, err := newNonce()
	if err != nil {
		return nil, err
	}
	req := &Message{Header: Header{PVNO: PVNO2000, Recipient: tx.Recipient, MessageTime: c.now(),
		TransactionID: tx.TransactionID, SenderNonce: nonce, RecipNonce: tx.ServerNonce}, Body: body}
	if askImplicit {
		req.Header.GeneralInfo = []InfoTypeAndValue{ImplicitConfirmInfo()}
	}
	if p != nil {
		if err := req.Protect(p); err != nil {
			return nil, err
		}
	}
	der, err := req.Marshal()
	if err != nil {
		return nil, err
	}
	endpoint := c.URL
	if c.OperationLabels {
		endpoint = strings.TrimRight(endpoint, "/") + "/" + OperationLabel(tx.Request)
	}
	if c.BeforeSend != nil {
		if err := c.BeforeSend(tx); err != nil {
			return nil, err
		}
	}
	limit := c.MessageTimeout
	if limit <= 0 {
		limit = time.Minute
	}
	msgCtx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	raw, err := post(msgCtx, c.HTTP, endpoint, der)
	if err != nil {
		return nil, err
	}
	ans, err := ParseMessage(raw)
	if err != nil {
		return nil, err
	}
	if err := c.checkAnswer(req, ans); err != nil {
		return nil, err
	}
	tx.ServerNonce = ans.Header.SenderNonce
	if ans.Body.Type == BodyError {
		e := ans.Body.Error
		return nil, &Refusal{Body: BodyError, Status: e.Status, ErrorCode: e.ErrorCode, HasErrorCode: e.HasErrorCode, ErrorDetails: e.ErrorDetails}
	}
	return ans, nil
}

// checkAnswer applies RFC 9483 §3.5 to an answer: protection first (nothing of an unverified message is
// trusted), then pvno, transactionID and nonces.
func (c *Client) checkAnswer(req, ans *Message) error {
	if ans.Header.ProtectionAlg.Algorithm == nil || len(ans.Protection) == 0 {
		detail := "answer (" + ans.Body.Type.String() + ") carries no protection"
		if ans.Body.Type == BodyError && ans.Body.Error != nil {
			detail += "; it says: " + ans.Body.Error.Status.String()
		}
		return &Error{Code: CodeUnprotected, Detail: detail}
	}
	if isMAC(ans.Header.ProtectionAlg.Algorithm) {
		if c.Secret == nil {
			return fail(CodeBadProtection, nil, "MAC-protected answer, but this profile has no shared secret")
		}
		if err := ans.VerifyMAC(c.Secret); err != nil {
			return err
		}
	} else if signer, err := ans.VerifySignature(c.Anchors, c.now()); err != nil {
		return err
	} else if err := c.authorisedSigner(signer); err != nil {
		return err
	}
	if ans.Header.PVNO != PVNO2000 && ans.Header.PVNO != PVNO2021 {
		return fail(CodeUnsupported, nil, "pvno %d", ans.Header.PVNO)
	}
	if !bytes.Equal(ans.Header.TransactionID, req.Header.TransactionID) {
		return fail(CodeTransactionMismatch, nil, "transactionID %x, sent %x", ans.Header.TransactionID, req.Header.TransactionID)
	}
	if !bytes.Equal(ans.Header.RecipNonce, req.Header.SenderNonce) {
		return fail(CodeNonceMismatch, nil, "recipNonce %x, our senderNonce %x", ans.Header.RecipNonce, req.Header.SenderNonce)
	}
	if len(ans.Header.SenderNonce) < 16 {
		return fail(CodeNonceMismatch, nil, "senderNonce of %d bytes (RFC 9483 §3.1 asks for 128 bits)", len(ans.Header.SenderNonce))
	}
	return nil
}

// authorisedSigner: the protection certificate of an answer (already verified to chain to the anchors)
// is the CA's authorised CMP signer — pinned (Signers), an anchor itself, or marked id-kp-cmcCA /
// id-kp-cmcRA (RFC 9483 §3.5, RFC 6402 §2.10).
func (c *Client) authorisedSigner(signer *x509.Certificate) error {
	if len(c.Signers) > 0 {
		for _, s := range c.Signers {
			if bytes.Equal(s.Raw, signer.Raw) {
				return nil
			}
		}
		return fail(CodeUnauthorizedSigner, nil, "%q is not a pinned CMP signer of the profile", signer.Subject.String())
	}
	for _, u := range signer.UnknownExtKeyUsage {
		if u.Equal(OIDKPCmcCA) || u.Equal(OIDKPCmcRA) {
			return nil
		}
	}
	chains, _ := signer.Verify(x509.VerifyOptions{Roots: c.Anchors, CurrentTime: c.now(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	for _, ch := range chains {
		if len(ch) == 1 { // the signer is itself one of the anchors: the CA answering with its own key
			return nil
		}
	}
	return fail(CodeUnauthorizedSigner, nil, "%q is neither the CA nor marked id-kp-cmcCA/cmcRA", signer.Subject.String())
}

// CACerts fetches the CA certificates with genm id-it-caCerts (RFC 9483 §4.3.1). The answer must be
// protected like any other; the certificates are information, not new trust anchors. p may be nil
// (RFC 9483 §4.3 allows an unprotected genm).
func (c *Client) CACerts(ctx context.Context, p Protector) ([]*x509.Certificate, error) {
	tid, err := newNonce()
	if err != nil {
		return nil, err
	}
	tx := &Transaction{Request: BodyGenM, TransactionID: tid, Started: c.now()}
	ans, err := c.exchange(ctx, tx, p, Body{Type: BodyGenM, Info: []InfoTypeAndValue{{Type: OIDCACerts}}}, false)
	if err != nil {
		return nil, err
	}
	if ans.Body.Type != BodyGenP {
		return nil, fail(CodeUnexpectedBody, nil, "%v where genp was expected", ans.Body.Type)
	}
	for _, i := range ans.Body.Info {
		if !i.Type.Equal(OIDCACerts) {
			continue
		}
		if i.Value.FullBytes == nil {
			return nil, nil
		}
		var ders []asn1.RawValue
		if err := unmarshalAll(i.Value.FullBytes, &ders); err != nil {
			return nil, malformed("caCerts", err)
		}
		var out []*x509.Certificate
		for _, d := range ders {
			x, err := x509.ParseCertificate(d.FullBytes)
			if err != nil {
				return nil, malformed("caCerts", err)
			}
			out = append(out, x)
		}
		return out, nil
	}
	return nil, fail(CodeUnexpectedBody, nil, "genp without caCerts")
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
