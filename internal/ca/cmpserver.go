package ca

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/ponte-it/ponte/internal/ca/policy"
	"github.com/ponte-it/ponte/internal/ca/profile"
	"github.com/ponte-it/ponte/internal/ca/store"
	"github.com/ponte-it/ponte/internal/cmp"
)

// The CMP server: one exchange per request message, many at once, in one process or in several sharing
// one PostgreSQL database. Two messages of the same transaction (a retry racing a poll, on two instances)
// cannot both issue or charge: every decision that changes state is re-checked inside the store's
// transaction (store.Issue, Finish, Withdraw), under the lock of the certificate renewed (store).

// maxClockSkew is how far a request's messageTime may be from the CA's clock.
const maxClockSkew = 10 * time.Minute

// exchange is the handling of one request message.
type exchange struct {
	c   *CA
	p   *profile.Profile
	req *cmp.Message
	now time.Time

	macSecret []byte      // the request was MAC-protected with this secret: the answer is too
	macRef    string      // its reference (senderKID)
	signer    *store.Cert // the request was signed by this certificate of ours
	// signerCert is signer parsed.
	signerCert *x509.Certificate
	// signerPending: signer is a renewal not confirmed yet, which speaks for no other certificate (rr).
	signerPending bool
	// rrRefusal is the refusal an rp carries (its body stays encoded; see refusal).
	rrRefusal *cmp.PKIStatusInfo
}

// status builds a rejection PKIStatusInfo from a failInfo bit and an explanation in both languages.
func status(bit int, it, en string) cmp.PKIStatusInfo {
	return cmp.PKIStatusInfo{Status: cmp.StatusRejection, FailInfo: cmp.Bit(bit), StatusString: []string{it, en}}
}

// HandleCMP answers one DER PKIMessage sent to profile name ("" = default) and returns the DER answer.
func (c *CA) HandleCMP(ctx context.Context, profileName string, der []byte) []byte {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if profileName == "" {
		profileName = c.Config.DefaultProfile
	}
	x := &exchange{c: c, p: c.Profiles[profileName], now: c.now()}
	c.closeUnconfirmed(ctx, x.now)
	c.expireHolds(ctx, x.now)
	var err error
	var ans *cmp.Message
	x.req, err = cmp.ParseMessage(der)
	switch {
	case err != nil:
		x.req = &cmp.Message{}
		ans = x.errorMsg(status(cmp.FailBadDataFormat, "messaggio CMP non valido: "+err.Error(), "invalid CMP message: "+err.Error()))
	case x.p == nil:
		ans = x.errorMsg(status(cmp.FailBadRequest, "profilo CA sconosciuto: "+profileName, "unknown CA profile: "+profileName))
	default:
		ans = x.handle(ctx)
	}
	c.logExchange(profileName, x.req, ans)
	x.auditRefusal(ctx, profileName, ans)
	out := x.finish(ans)
	if out != nil && ans != nil && len(x.req.Header.TransactionID) > 0 {
		if _, err := c.Store.Txn(ctx, txnID(x.req)); err == nil {
			if err := c.Store.AddNonce(ctx, txnID(x.req), ans.Header.SenderNonce); err != nil {
				log.Printf("ponte-ca: recording a nonce: %v", err)
			}
		}
	}
	return out
}

// UnconfirmedWindow is how long an issued certificate waits for its certConf. Past it the certificate is
// revoked and its charge refunded (store.CloseUnconfirmed), checked before every CMP message: an
// unconfirmed certificate neither stays valid nor costs the holder nor uses the renewal allowance
// (invariants I2, I3; docs/ca-profiles.md).
const UnconfirmedWindow = 24 * time.Hour

func (c *CA) closeUnconfirmed(ctx context.Context, now time.Time) {
	if n, err := c.Store.CloseUnconfirmed(ctx, now.Add(-UnconfirmedWindow)); err != nil {
		log.Printf("ponte-ca: closing unconfirmed certificates: %v", err)
	} else if n > 0 && c.Logf != nil {
		c.Logf("revoked and refunded %d certificates left unconfirmed for %v", n, UnconfirmedWindow)
	}
}

// auditRefusal appends a refused request to the audit log (store.EventRefusal): the message type, the
// failInfo bits and the English reason, the transaction and the certificate that signed it — never a
// credential. A log that cannot be written is reported to the operator; the answer goes out anyway.
func (x *exchange) auditRefusal(ctx context.Context, profileName string, ans *cmp.Message) {
	st := x.refusal(ans)
	if st == nil {
		return
	}
	e := store.Event{Detail: fmt.Sprintf("p=%s %s failInfo=%s: %s", profileName, x.req.Body.Type,
		strings.Join(st.FailInfo.Names(), ","), strings.Join(st.StatusString[min(1, len(st.StatusString)):], " | "))}
	if len(x.req.Header.TransactionID) > 0 {
		e.TransactionID = txnID(x.req)
	}
	if x.signer != nil {
		e.Serial = x.signer.Serial
	}
	if err := x.c.Store.Refuse(ctx, e); err != nil {
		log.Printf("ponte-ca: audit log: %v", err)
	}
}

// refusal is the rejection an answer carries, or nil.
func (x *exchange) refusal(ans *cmp.Message) *cmp.PKIStatusInfo {
	switch {
	case ans == nil:
		return nil
	case ans.Body.Error != nil:
		return &ans.Body.Error.Status
	case ans.Body.CertRep != nil && len(ans.Body.CertRep.Responses) > 0 && ans.Body.CertRep.Responses[0].Status.Status == cmp.StatusRejection:
		return &ans.Body.CertRep.Responses[0].Status
	}
	return x.rrRefusal
}

// checkRecipNonce: a pollReq or certConf must answer one of our messages in the transaction.
func (x *exchange) checkRecipNonce(ctx context.Context, t *store.Txn) *cmp.PKIStatusInfo {
	ok, err := x.c.Store.KnownNonce(ctx, t.ID, x.req.Header.RecipNonce)
	if err == nil && ok {
		return nil
	}
	s := status(cmp.FailBadRecipientNonce, "recipNonce non corrisponde a un messaggio della CA (RFC 9483 §3.5)", "recipNonce does not match a message of the CA (RFC 9483 §3.5)")
	return &s
}

// logExchange writes one line per message for the operator: profile, bodies, transaction, status.
// Credentials (regInfo, secrets) are never logged.
func (c *CA) logExchange(profileName string, req, ans *cmp.Message) {
	if c.Logf == nil || ans == nil {
		return
	}
	outcome := ""
	switch {
	case ans.Body.CertRep != nil && len(ans.Body.CertRep.Responses) > 0:
		st := ans.Body.CertRep.Responses[0].Status
		outcome = st.Status.String() + " " + strings.Join(st.StatusString, " | ")
	case ans.Body.Error != nil:
		outcome = strings.Join(ans.Body.Error.Status.FailInfo.Names(), ",") + " " + strings.Join(ans.Body.Error.Status.StatusString, " | ")
	case len(ans.Body.PollRep) > 0:
		outcome = fmt.Sprintf("checkAfter=%ds", ans.Body.PollRep[0].CheckAfter)
	}
	c.Logf("cmp p=%s %s -> %s tid=%x %s", profileName, req.Body.Type, ans.Body.Type, req.Header.TransactionID, outcome)
}

func (x *exchange) handle(ctx context.Context) *cmp.Message {
	h := &x.req.Header
	if st := x.req.CheckRequestHeader(); st != nil {
		st.StatusString = append([]string{"intestazione CMP non valida (RFC 9483 §3.1)"}, st.StatusString...)
		return x.errorMsg(*st)
	}
	if len(h.TransactionID) > 64 {
		return x.errorMsg(status(cmp.FailBadRequest, "transactionID più lungo di 64 byte", "transactionID longer than 64 bytes"))
	}
	// RFC 9810 §5.1.1: messageTime lets the CA catch a client whose clock is wrong (which would also make
	// it misjudge certificate validity).
	if !h.MessageTime.IsZero() && (h.MessageTime.Sub(x.now) > maxClockSkew || x.now.Sub(h.MessageTime) > maxClockSkew) {
		d := x.now.Sub(h.MessageTime).Round(time.Second)
		return x.errorMsg(status(cmp.FailBadTime,
			fmt.Sprintf("l'orologio del computer differisce di %s da quello della CA: correggere data e ora", d),
			fmt.Sprintf("the computer's clock differs by %s from the CA's: correct the date and time", d)))
	}
	switch x.req.Body.Type {
	case cmp.BodyIR, cmp.BodyCR, cmp.BodyKUR, cmp.BodyP10CR:
		return x.certRequest(ctx)
	case cmp.BodyPollReq:
		return x.pollReq(ctx)
	case cmp.BodyCertConf:
		return x.certConf(ctx)
	case cmp.BodyRR:
		return x.revocation(ctx)
	case cmp.BodyGenM:
		// RFC 9483 §4.3: a genm may be unprotected; the CA certificates are public anyway.
		unprotected := x.req.Header.ProtectionAlg.Algorithm == nil && len(x.req.Protection) == 0
		if st := x.authenticate(ctx, x.p); st != nil && !unprotected {
			return x.errorMsg(*st)
		}
		if x.req.AsksForCACerts() {
			return x.answer(cmp.CACertsBody([][]byte{x.c.Cert.Raw}))
		}
		return x.answer(cmp.Body{Type: cmp.BodyGenP})
	}
	return x.errorMsg(status(cmp.FailBadRequest, "tipo di messaggio non supportato: "+x.req.Body.Type.String(), "message type not supported: "+x.req.Body.Type.String()))
}

func isMAC(m *cmp.Message) bool {
	a := m.Header.ProtectionAlg.Algorithm
	return a != nil && (a.Equal(cmp.OIDPasswordBasedMac) || a.Equal(cmp.OIDPBMAC1))
}

// authenticate verifies the request's protection (RFC 9483 §3.2): a MAC with a secret of profile p found
// by senderKID, or a signature by a certificate this CA issued and has not revoked. It returns the
// rejection to send, or nil.
func (x *exchange) authenticate(ctx context.Context, p *profile.Profile) *cmp.PKIStatusInfo {
	fail := func(bit int, it, en string) *cmp.PKIStatusInfo { s := status(bit, it, en); return &s }
	if x.req.Header.ProtectionAlg.Algorithm == nil || len(x.req.Protection) == 0 {
		return fail(cmp.FailBadMessageCheck, "richiesta priva di protezione", "request without protection")
	}
	if isMAC(x.req) {
		secret, ok := p.SecretFor(x.req.Header.SenderKID)
		if !ok {
			return fail(cmp.FailBadMessageCheck, "riferimento del segreto condiviso sconosciuto", "unknown shared-secret reference")
		}
		if err := x.req.VerifyMAC(secret); err != nil {
			return fail(cmp.FailBadMessageCheck, "la protezione con segreto condiviso non è valida", "the shared-secret protection does not verify")
		}
		x.macSecret, x.macRef = secret, string(x.req.Header.SenderKID)
		return nil
	}
	// Find the protection certificate first, so an expired certificate of ours is checked at its last
	// valid second and refused later by the policy with a precise reason instead of a chain error.
	at := x.now
	for _, der := range x.req.ExtraCerts {
		cert, err := x509.ParseCertificate(der)
		if err != nil || (len(x.req.Header.SenderKID) > 0 && string(cert.SubjectKeyId) != string(x.req.Header.SenderKID)) {
			continue
		}
		if rec, err := x.c.Lookup(ctx, cert); err == nil && at.After(rec.NotAfter) {
			at = rec.NotAfter.Add(-time.Second)
		}
		break
	}
	pool := x509.NewCertPool()
	pool.AddCert(x.c.Cert)
	cert, err := x.req.VerifyRequestSignature(pool, at)
	if err != nil {
		var ce *cmp.Error
		if errors.As(err, &ce) && ce.Code == cmp.CodeUntrustedSigner {
			return fail(cmp.FailSignerNotTrusted, "la richiesta non è firmata da un certificato di questa CA", "the request is not signed by a certificate of this CA")
		}
		return fail(cmp.FailBadMessageCheck, "la firma della richiesta non è valida", "the request's signature does not verify")
	}
	rec, err := x.c.Lookup(ctx, cert)
	if err != nil {
		s := policy.UnknownCertificate().Status()
		s.FailInfo |= cmp.Bit(cmp.FailSignerNotTrusted)
		return &s
	}
	x.signer, x.signerCert = rec, cert
	return nil
}

// signerUnconfirmed refuses a request protected by a certificate this CA issued whose certConf has not
// confirmed it yet: until then the holder may still reject it, or the CA revoke it (superseded, left
// unconfirmed), so it authorises nothing — else renewing the renewal before confirming it would leave a
// valid certificate beside the confirmed renewal of the same old one (I2; RFC 9810 §5.3.18).
func (x *exchange) signerUnconfirmed(ctx context.Context) *cmp.PKIStatusInfo {
	if x.signer == nil {
		return nil
	}
	t, err := x.c.Store.TxnForCert(ctx, x.signer.Serial)
	switch {
	case errors.Is(err, store.ErrNotFound) || (err == nil && t.State == store.StateConfirmed):
		return nil
	case err != nil:
		s := status(cmp.FailSystemFailure, "errore dell'archivio della CA", "CA storage failure")
		return &s
	}
	s := status(cmp.FailNotAuthorized, "il certificato che firma la richiesta non è stato ancora confermato (certConf)",
		"the certificate signing the request has not been confirmed yet (certConf)")
	return &s
}

// signsOnlyRenewal: the protection certificate has keyUsage nonRepudiation without digitalSignature (a
// qualified signature certificate). RFC 9483 §4.1.3 lets it protect the renewal of itself (kur, and the
// messages continuing it), nothing else: not an ir or cr on someone's behalf.
func (x *exchange) signsOnlyRenewal() bool {
	return x.signerCert != nil && x.signerCert.KeyUsage != 0 && x.signerCert.KeyUsage&x509.KeyUsageDigitalSignature == 0
}

// requestHash identifies the content of a request, so a retry of the same transaction is recognised.
func requestHash(m *cmp.Message) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%d\n", m.Body.Type)
	if m.Body.Type == cmp.BodyP10CR {
		h.Write(m.Body.P10CR)
	}
	for i := range m.Body.CertReqMsgs {
		der, err := m.Body.CertReqMsgs[i].CertRequestDER()
		if err != nil {
			return "", err
		}
		h.Write(der)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func txnID(m *cmp.Message) string { return hex.EncodeToString(m.Header.TransactionID) }

// certRequest handles ir, cr, kur and p10cr (RFC 9483 §4.1).
func (x *exchange) certRequest(ctx context.Context) *cmp.Message {
	body := x.req.Body
	hash, err := requestHash(x.req)
	if err != nil {
		return x.errorMsg(status(cmp.FailBadDataFormat, "richiesta non codificabile", "request cannot be encoded"))
	}
	// A retry of a transaction we know: answer from its state, never decide (or charge) again.
	if t, err := x.c.Store.Txn(ctx, txnID(x.req)); err == nil {
		if t.RequestSHA256 != hash {
			return x.errorMsg(status(cmp.FailTransactionIDInUse, "transactionID già usato per un'altra richiesta", "transactionID already used for another request"))
		}
		if st := x.authenticateFor(ctx, t); st != nil {
			return x.errorMsg(*st)
		}
		return x.deliver(ctx, t, false)
	}
	if st := x.authenticate(ctx, x.p); st != nil {
		return x.errorMsg(*st)
	}
	if st := x.signerUnconfirmed(ctx); st != nil {
		return x.reject(0, *st)
	}
	var (
		subject, spki []byte
		certReqID     int
		msg           *cmp.CertReqMsg
		csr           *x509.CertificateRequest
	)
	if body.Type == cmp.BodyP10CR {
		if csr, err = x509.ParseCertificateRequest(body.P10CR); err != nil {
			return x.errorMsg(status(cmp.FailBadPOP, "richiesta PKCS #10 non valida o firma errata", "PKCS #10 request invalid or badly signed"))
		}
		subject, spki = csr.RawSubject, csr.RawSubjectPublicKeyInfo
	} else {
		if len(body.CertReqMsgs) != 1 {
			return x.errorMsg(status(cmp.FailBadRequest, "serve esattamente una richiesta di certificato (RFC 9483 §4.1)", "exactly one certificate request is needed (RFC 9483 §4.1)"))
		}
		msg = &body.CertReqMsgs[0]
		certReqID = msg.CertReqID
		subject, spki = msg.Template.Subject, msg.Template.PublicKey
	}
	if len(spki) == 0 {
		return x.reject(certReqID, status(cmp.FailBadCertTemplate, "chiave pubblica mancante nella richiesta", "public key missing from the request"))
	}
	// The key policy first: a key of a kind we cannot even verify a signature with (RSA-PSS, Ed448, a
	// curve crypto/x509 does not know) is refused as such, not as a bad proof of possession.
	if r := policy.CheckKey(x.p, describeKey(spki)); r != nil {
		return x.reject(certReqID, r.Status())
	}
	if csr != nil && csr.CheckSignature() != nil {
		return x.errorMsg(status(cmp.FailBadPOP, "richiesta PKCS #10 non valida o firma errata", "PKCS #10 request invalid or badly signed"))
	}
	if msg != nil && msg.VerifyPOP() != nil {
		return x.reject(certReqID, status(cmp.FailBadPOP, "prova di possesso della chiave non valida", "invalid proof of possession of the key"))
	}
	t := &store.Txn{ID: txnID(x.req), Profile: x.p.Name, Kind: body.Type.String(), RequestSHA256: hash,
		CertReqID: certReqID, SPKI: spki, MACRef: x.macRef}
	if r := x.decide(ctx, msg, subject, t); r != nil {
		return x.reject(certReqID, *r)
	}
	if x.p.Paid() {
		if r := x.charge(ctx, msg, t); r != nil {
			return x.reject(certReqID, r.Status())
		}
	}
	if st := x.acceptance(msg, t); st != nil {
		return x.reject(certReqID, *st)
	}
	// A paid profile never confirms implicitly (profile.Normalize forces it off): the charge stands only
	// for a certificate the holder confirmed (invariant I3; RFC 9810 §5.1.1.1 leaves the grant to the CA).
	t.ImplicitConfirm = x.req.Header.ImplicitConfirm() && *x.p.ImplicitConfirm && !x.p.Paid()
	t.ReadyAt = x.now.Add(time.Duration(x.p.DelaySeconds) * time.Second)
	if err := x.c.Store.CreateTxn(ctx, t); err != nil {
		// The same request reached another instance (or goroutine) at the same moment, a client's retry:
		// answer from the transaction it created, as for a later retry.
		if prev, perr := x.c.Store.Txn(ctx, t.ID); errors.Is(err, store.ErrExists) && perr == nil && prev.RequestSHA256 == hash {
			return x.deliver(ctx, prev, false)
		}
		return x.errorMsg(status(cmp.FailTransactionIDInUse, "transactionID già in uso", "transactionID already in use"))
	}
	return x.deliver(ctx, t, false)
}

// describeKey names the algorithm, size, exponent and curve of a DER SubjectPublicKeyInfo for the key
// policy.
func describeKey(spki []byte) policy.Key {
	pub, err := x509.ParsePKIXPublicKey(spki)
	if err != nil {
		return unparsedKey(spki)
	}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return policy.Key{Algorithm: "RSA", Bits: k.N.BitLen(), Exponent: k.E}
	case *ecdsa.PublicKey:
		return policy.Key{Algorithm: "ECDSA", Curve: k.Curve.Params().Name}
	case ed25519.PublicKey:
		return policy.Key{Algorithm: "Ed25519"}
	}
	return unparsedKey(spki)
}

var (
	oidECPublicKey = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1} // RFC 5480 §2.1.1
	// keyAlgorithms names the SubjectPublicKeyInfo algorithms crypto/x509 does not parse, or parses but
	// the policy never allows.
	keyAlgorithms = map[string]string{
		"1.2.840.10040.4.1":     "DSA",     // RFC 3279 §2.3.2
		"1.2.840.113549.1.1.10": "RSA-PSS", // RFC 4055 §1.2
		"1.3.101.110":           "X25519",  // RFC 8410 §3
		"1.3.101.111":           "X448",
		"1.3.101.113":           "Ed448",
	}
)

// unparsedKey names the key of a SubjectPublicKeyInfo crypto/x509 does not read (or DSA), from its algorithm
// identifier (for EC, its namedCurve OID, or specifiedCurve for explicit parameters, RFC 5480 §2.1.1),
// so the refusal says what was sent.
func unparsedKey(spki []byte) policy.Key {
	var info struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if rest, err := asn1.Unmarshal(spki, &info); err != nil || len(rest) > 0 {
		return policy.Key{Algorithm: "sconosciuta/unknown"}
	}
	oid := info.Algorithm.Algorithm
	if oid.Equal(oidECPublicKey) {
		var curve asn1.ObjectIdentifier
		if _, err := asn1.Unmarshal(info.Algorithm.Parameters.FullBytes, &curve); err != nil {
			return policy.Key{Algorithm: "ECDSA", Curve: "specifiedCurve"}
		}
		return policy.Key{Algorithm: "ECDSA", Curve: curve.String()}
	}
	if name, ok := keyAlgorithms[oid.String()]; ok {
		return policy.Key{Algorithm: name}
	}
	return policy.Key{Algorithm: oid.String()}
}

// decide applies the profile and the renewal policy, filling subject, role, validity and parent of t.
func (x *exchange) decide(ctx context.Context, msg *cmp.CertReqMsg, subject []byte, t *store.Txn) *cmp.PKIStatusInfo {
	fail := func(s cmp.PKIStatusInfo) *cmp.PKIStatusInfo { return &s }
	var oldSerial string
	if msg != nil {
		issuer, serial, ok, err := msg.OldCertID()
		if err != nil {
			return fail(status(cmp.FailBadDataFormat, "controllo oldCertID non valido", "invalid oldCertID control"))
		}
		if ok {
			if name, isDN := issuer.Name(); !isDN || string(name) != string(x.c.Cert.RawSubject) {
				return fail(policy.UnknownCertificate().Status())
			}
			oldSerial = SerialHex(serial)
		}
	}
	if x.req.Body.Type == cmp.BodyKUR && oldSerial == "" && x.signer != nil {
		oldSerial = x.signer.Serial // RFC 9483 §4.1.3: without oldCertID, the protection certificate
	}
	if x.req.Body.Type == cmp.BodyCR && oldSerial == "" && x.signer != nil && spkiHash(t.SPKI) == x.signer.SPKISHA256 {
		// A cr signed by one of our certificates for that certificate's own key can only be an extension
		// of its validity (RFC 9483 §4.1.2 cr for an entity that already has a certificate).
		oldSerial = x.signer.Serial
	}
	if x.req.Body.Type != cmp.BodyKUR && oldSerial == "" {
		return x.decideEnrol(subject, t)
	}
	// A renewal must be signed by the very certificate it renews (RFC 9483 §4.1.3).
	if x.signer == nil {
		return fail(status(cmp.FailWrongIntegrity, "il rinnovo va firmato con il certificato da rinnovare", "a renewal must be signed with the certificate being renewed"))
	}
	old, err := x.c.Store.Cert(ctx, oldSerial)
	if err != nil {
		return fail(policy.UnknownCertificate().Status())
	}
	if old.Serial != x.signer.Serial {
		return fail(status(cmp.FailNotAuthorized, "il rinnovo va firmato con il certificato da rinnovare", "a renewal must be signed with the certificate being renewed"))
	}
	oldCert, err := x509.ParseCertificate(old.DER)
	if err != nil {
		return fail(status(cmp.FailSystemFailure, "certificato in archivio illeggibile", "stored certificate unreadable"))
	}
	if len(subject) > 0 && string(subject) != string(oldCert.RawSubject) {
		return fail(status(cmp.FailBadCertTemplate, "il soggetto deve restare quello del certificato da rinnovare", "the subject must stay that of the certificate being renewed"))
	}
	role := profile.Role(old.Role)
	if !x.p.HasRole(role) {
		return fail(policy.RoleNotAllowed(x.p, role).Status())
	}
	n, err := x.c.Store.ConfirmedRenewals(ctx, old.Serial)
	if err != nil {
		return fail(status(cmp.FailSystemFailure, "errore dell'archivio della CA", "CA storage failure"))
	}
	v, r := policy.Renew(x.p, policy.Certificate{
		NotBefore: old.NotBefore, NotAfter: old.NotAfter, Revoked: !old.RevokedAt.IsZero(), Renewals: n,
		LineageStart: old.LineageStart, LineageRenewals: old.LineageRenewals,
	}, spkiHash(t.SPKI) == old.SPKISHA256, x.now)
	if r != nil {
		return fail(r.Status())
	}
	t.Subject, t.Role, t.NotBefore, t.NotAfter, t.Parent = oldCert.RawSubject, old.Role, v.NotBefore, v.NotAfter, old.Serial
	return nil
}

func (x *exchange) decideEnrol(subject []byte, t *store.Txn) *cmp.PKIStatusInfo {
	fail := func(s cmp.PKIStatusInfo) *cmp.PKIStatusInfo { return &s }
	switch {
	case x.p.IR == profile.IRNone:
		return fail(policy.EnrolNotAllowed(x.p).Status())
	case x.p.IR == profile.IRSecret && x.macSecret == nil,
		x.p.IR == profile.IRSignature && x.signer == nil:
		return fail(status(cmp.FailWrongIntegrity, "protezione della richiesta di tipo non ammesso dal profilo", "request protection of a kind the profile does not accept"))
	}
	if x.signer != nil && x.signsOnlyRenewal() {
		return fail(status(cmp.FailNotAuthorized, "un certificato di sola firma qualificata (nonRepudiation) autorizza solo il proprio rinnovo",
			"a qualified-signature-only certificate (nonRepudiation) authorises only its own renewal"))
	}
	if x.signer != nil && !x.signer.RevokedAt.IsZero() {
		return fail(status(cmp.FailCertRevoked, "il certificato che firma la richiesta è revocato", "the certificate signing the request is revoked"))
	}
	if len(subject) == 0 || string(subject) == "\x30\x00" {
		return fail(status(cmp.FailBadCertTemplate, "soggetto mancante nella richiesta", "subject missing from the request"))
	}
	if x.signer != nil {
		if st := x.checkIRSigner(subject); st != nil {
			return st
		}
	}
	v := policy.Enrol(x.p, x.now)
	t.Subject, t.Role, t.NotBefore, t.NotAfter = subject, string(x.p.Roles[0]), v.NotBefore, v.NotAfter
	return nil
}

// checkIRSigner: a certificate authorising an ir must be valid now (not expired, not yet valid or
// revoked) and the request must be for its own holder: the subject names the signer's codice fiscale or
// serialNumber and no other one. Otherwise one citizen's card would obtain certificates for anyone.
func (x *exchange) checkIRSigner(subject []byte) *cmp.PKIStatusInfo {
	fail := func(s cmp.PKIStatusInfo) *cmp.PKIStatusInfo { return &s }
	switch {
	case x.now.After(x.signer.NotAfter):
		return fail(status(cmp.FailNotAuthorized, "il certificato che firma la richiesta è scaduto il "+x.signer.NotAfter.Format("02/01/2006"),
			"the certificate signing the request expired on "+x.signer.NotAfter.Format("02/01/2006")))
	case x.now.Before(x.signer.NotBefore):
		return fail(status(cmp.FailNotAuthorized, "il certificato che firma la richiesta non è ancora valido", "the certificate signing the request is not valid yet"))
	case !sameHolder(x.signerCert.Subject.Names, subject):
		return fail(status(cmp.FailBadCertTemplate,
			"il soggetto richiesto deve indicare il codice fiscale (serialNumber) del titolare del certificato che firma la richiesta",
			"the requested subject must name the fiscal code (serialNumber) of the holder of the certificate signing the request"))
	}
	return nil
}

// acceptance reads the holder's acceptance of the terms from regInfo (cmp.TermsRegInfo, docs/cmp.md)
// into t, to be stored with the transaction as evidence. A request without one is accepted (openssl
// cmp and other clients send none); a malformed one is refused.
func (x *exchange) acceptance(msg *cmp.CertReqMsg, t *store.Txn) *cmp.PKIStatusInfo {
	if msg == nil {
		return nil
	}
	pairs, err := msg.UTF8Pairs()
	if err != nil {
		s := status(cmp.FailBadDataFormat, "regInfo utf8Pairs non valido", "invalid regInfo utf8Pairs")
		return &s
	}
	terms, ok := pairs[cmp.PairTermsVersion]
	if !ok {
		return nil
	}
	at, err := time.Parse(time.RFC3339, pairs[cmp.PairTermsAccepted])
	if err != nil || terms == "" || pairs[cmp.PairPrivacyVersion] == "" {
		s := status(cmp.FailBadRequest, "accettazione dei termini incompleta in regInfo (versioni e "+cmp.PairTermsAccepted+" RFC 3339)",
			"incomplete acceptance of the terms in regInfo (versions and "+cmp.PairTermsAccepted+" RFC 3339)")
		return &s
	}
	var rdns pkix.RDNSequence
	subject := ""
	if _, err := asn1.Unmarshal(t.Subject, &rdns); err == nil {
		subject = rdns.String()
	}
	t.Acceptance = &store.Acceptance{Subject: subject, TermsVersion: terms, PrivacyVersion: pairs[cmp.PairPrivacyVersion], AcceptedAt: at}
	return nil
}

// charge checks the prepaid account before anything is issued: credentials from regInfo utf8Pairs
// (cmp.AccountRegInfo), balance at least the price. The debit itself happens at issuance (store.Issue).
func (x *exchange) charge(ctx context.Context, msg *cmp.CertReqMsg, t *store.Txn) *policy.Refusal {
	if msg == nil {
		return policy.BadAccount(" (p10cr non può portare le credenziali)", " (p10cr cannot carry the credentials)")
	}
	pairs, err := msg.UTF8Pairs()
	if err != nil || pairs[cmp.PairAccount] == "" {
		return policy.BadAccount(" (credenziali mancanti in regInfo)", " (credentials missing from regInfo)")
	}
	a, err := x.c.Authenticate(ctx, pairs[cmp.PairAccount], pairs[cmp.PairPassword])
	if err != nil {
		return policy.BadAccount("", "")
	}
	if a.Balance < x.p.Price {
		return policy.InsufficientBalance(a.Balance, x.p.Price)
	}
	t.Account, t.Price = a.ID, x.p.Price
	return nil
}

// deliver answers a known transaction from its state: waiting (a CertRep with status waiting, or a
// pollRep when polling), issuing it when its time has come, or the issued certificate again.
func (x *exchange) deliver(ctx context.Context, t *store.Txn, polling bool) *cmp.Message {
	for tries := 0; tries < 2; tries++ {
		switch t.State {
		case store.StateWaiting:
			if x.now.Before(t.ReadyAt) {
				if polling {
					return x.answer(cmp.PollRepBody(t.CertReqID, t.ReadyAt.Sub(x.now),
						"richiesta in lavorazione / request being processed"))
				}
				return x.certRep(t, cmp.Waiting(t.CertReqID))
			}
			if st := x.issue(ctx, t); st != nil {
				return x.certRep(t, cmp.CertResponse{CertReqID: t.CertReqID, Status: *st})
			}
		case store.StateIssued, store.StateConfirmed:
			rec, err := x.c.Store.Cert(ctx, t.CertSerial)
			if err != nil {
				return x.errorMsg(status(cmp.FailSystemFailure, "certificato emesso non trovato", "issued certificate not found"))
			}
			m := x.certRep(t, cmp.Issued(t.CertReqID, rec.DER))
			if t.ImplicitConfirm {
				m.GrantImplicitConfirm()
			}
			return m
		default:
			st, _ := closedStatus(t.State)
			return x.errorMsg(st)
		}
		var err error
		if t, err = x.c.Store.Txn(ctx, t.ID); err != nil {
			break
		}
	}
	return x.errorMsg(status(cmp.FailSystemFailure, "stato della transazione incoerente", "inconsistent transaction state"))
}

// rejects reports whether a certConf rejects its certificate (RFC 9810 §5.3.18: empty, or a status
// rejection).
func rejects(cc []cmp.CertStatus) bool {
	for _, cs := range cc {
		if cs.StatusInfo == nil || cs.StatusInfo.Status != cmp.StatusRejection {
			return false
		}
	}
	return true
}

// closedStatus says why a transaction is closed (superseded, unconfirmed past the window, rejected or
// not payable, its certificate revoked); false for a state that is not closed.
func closedStatus(state string) (cmp.PKIStatusInfo, bool) {
	switch state {
	case store.StateSuperseded:
		return status(cmp.FailBadRequest, "richiesta sostituita da una più recente per lo stesso certificato", "request superseded by a newer one for the same certificate"), true
	case store.StateUnconfirmed:
		return status(cmp.FailBadRequest, "certificato non confermato in tempo: revocato e, se pagato, rimborsato; ripetere il rinnovo",
			"certificate not confirmed in time: revoked and, if paid, refunded; renew again"), true
	case store.StateRejected:
		return status(cmp.FailBadRequest, "transazione chiusa: certificato rifiutato o non pagabile", "transaction closed: certificate rejected or not payable"), true
	case store.StateWithdrawn:
		return status(cmp.FailCertRevoked, "certificato revocato su richiesta del titolare e, se pagato, rimborsato",
			"certificate revoked at the holder's request and, if paid, refunded"), true
	case store.StateParentRevoked:
		return status(cmp.FailCertRevoked, "il certificato da rinnovare è stato revocato: rinnovo annullato (certificato nuovo revocato e, se pagato, rimborsato)",
			"the certificate being renewed was revoked: renewal cancelled (new certificate revoked and, if paid, refunded)"), true
	}
	return status(cmp.FailSystemFailure, "stato della transazione sconosciuto: "+state, "unknown transaction state: "+state), false
}

// issue signs the certificate of a waiting transaction and records it with the charge.
func (x *exchange) issue(ctx context.Context, t *store.Txn) *cmp.PKIStatusInfo {
	r := &Request{Subject: t.Subject, SPKI: t.SPKI, Role: profile.Role(t.Role), NotBefore: t.NotBefore, NotAfter: t.NotAfter, Profile: t.Profile}
	if t.Parent != "" {
		var err error
		if r.Parent, err = x.c.Store.Cert(ctx, t.Parent); err != nil {
			s := status(cmp.FailSystemFailure, "certificato da rinnovare non trovato", "certificate to renew not found")
			return &s
		}
	}
	rec, err := x.c.build(r)
	if err != nil {
		s := status(cmp.FailBadCertTemplate, "certificato non emettibile: "+err.Error(), "certificate cannot be issued: "+err.Error())
		return &s
	}
	switch err := x.c.Store.Issue(ctx, t.ID, rec, t.ImplicitConfirm, x.allowance(t)); {
	case errors.Is(err, store.ErrAlreadyRenewed):
		x.c.Store.Abandon(ctx, t.ID)
		s := alreadyRenewed(x.p)
		return &s
	case errors.Is(err, store.ErrParentRevoked):
		x.c.Store.Abandon(ctx, t.ID)
		s := policy.Revoked().Status()
		return &s
	case errors.Is(err, store.ErrInsufficientBalance):
		x.c.Store.Abandon(ctx, t.ID)
		a, _ := x.c.Store.Account(ctx, t.Account)
		var bal int64
		if a != nil {
			bal = a.Balance
		}
		s := policy.InsufficientBalance(bal, t.Price).Status()
		return &s
	case errors.Is(err, store.ErrState):
		return nil // another message got there first: deliver reloads the state
	case err != nil:
		log.Printf("ponte-ca: issuing transaction %s: %v", t.ID, err)
		s := status(cmp.FailSystemFailure, "errore dell'archivio della CA", "CA storage failure")
		return &s
	}
	return nil
}

// allowance is the renewal allowance of t's profile (renewals per certificate; 0: unlimited).
func (x *exchange) allowance(t *store.Txn) int {
	if p := x.c.Profiles[t.Profile]; p != nil {
		return p.RenewalsPerCertificate
	}
	return 0
}

// alreadyRenewed is the refusal of a renewal the allowance no longer covers, found at issuance or at
// confirmation (another renewal of the same certificate was confirmed meanwhile).
func alreadyRenewed(p *profile.Profile) cmp.PKIStatusInfo { return policy.AlreadyRenewed(p).Status() }

// authenticateFor checks that a message continuing transaction t is protected like its request was.
func (x *exchange) authenticateFor(ctx context.Context, t *store.Txn) *cmp.PKIStatusInfo {
	p := x.c.Profiles[t.Profile]
	if p == nil {
		s := status(cmp.FailSystemFailure, "profilo della transazione non più configurato", "the transaction's profile is no longer configured")
		return &s
	}
	x.p = p
	if st := x.authenticate(ctx, p); st != nil {
		return st
	}
	// A renewal is signed by the certificate it renews (decide): so must every message continuing it,
	// not merely some certificate of this CA (RFC 9483 §3.2, the same credentials as the request).
	if (t.MACRef != "") != (x.macSecret != nil) || (t.MACRef != "" && t.MACRef != x.macRef) ||
		(t.Parent != "" && x.signer != nil && x.signer.Serial != t.Parent) {
		s := status(cmp.FailWrongIntegrity, "protezione diversa da quella della richiesta iniziale", "protection differs from the initial request's")
		return &s
	}
	return nil
}

// continuation finds the transaction a pollReq or certConf continues and checks the message belongs to
// it: same protection as the request, recipNonce one of ours. It returns the error answer otherwise.
func (x *exchange) continuation(ctx context.Context) (*store.Txn, *cmp.Message) {
	t, err := x.c.Store.Txn(ctx, txnID(x.req))
	if err != nil {
		return nil, x.errorMsg(status(cmp.FailBadRequest, "transazione sconosciuta", "unknown transaction"))
	}
	if st := x.authenticateFor(ctx, t); st != nil {
		return nil, x.errorMsg(*st)
	}
	if st := x.checkRecipNonce(ctx, t); st != nil {
		return nil, x.errorMsg(*st)
	}
	return t, nil
}

// pollReq answers a pollReq (RFC 9810 §5.3.22, RFC 9483 §4.4).
func (x *exchange) pollReq(ctx context.Context) *cmp.Message {
	t, refused := x.continuation(ctx)
	if refused != nil {
		return refused
	}
	if len(x.req.Body.PollReq) != 1 || x.req.Body.PollReq[0] != t.CertReqID {
		return x.errorMsg(status(cmp.FailBadRequest, "certReqId del pollReq non corrisponde", "the pollReq's certReqId does not match"))
	}
	return x.deliver(ctx, t, true)
}

// certConf answers a certConf with pkiConf (RFC 9810 §5.3.18, RFC 9483 §4.1.1).
func (x *exchange) certConf(ctx context.Context) *cmp.Message {
	t, refused := x.continuation(ctx)
	if refused != nil {
		return refused
	}
	// A repeated certConf (its pkiConf was lost) gets pkiConf again — but only if it says what the
	// transaction became: a confirmation of a certificate since revoked (rejected over the allowance,
	// superseded, unconfirmed in time) gets the error that says so, never a pkiConf.
	if (t.State == store.StateConfirmed && !rejects(x.req.Body.CertConf)) || (t.State == store.StateRejected && rejects(x.req.Body.CertConf)) {
		return x.answer(cmp.PKIConfBody())
	}
	if t.State == store.StateConfirmed {
		// A pkiConf would tell the client its rejection (and a refund) was taken; the certificate stays
		// confirmed and charged.
		return x.errorMsg(status(cmp.FailBadRequest, "certificato già confermato: non si può più rifiutare", "certificate already confirmed: it can no longer be rejected"))
	}
	if t.State != store.StateIssued {
		if st, closed := closedStatus(t.State); closed {
			return x.errorMsg(st)
		}
		return x.errorMsg(status(cmp.FailBadRequest, "nessun certificato da confermare", "no certificate to confirm"))
	}
	rec, err := x.c.Store.Cert(ctx, t.CertSerial)
	if err != nil {
		return x.errorMsg(status(cmp.FailSystemFailure, "certificato emesso non trovato", "issued certificate not found"))
	}
	cert, _ := x509.ParseCertificate(rec.DER)
	state := store.StateRejected // RFC 9810 §5.3.18: an empty certConf rejects
	for _, cs := range x.req.Body.CertConf {
		if cs.CertReqID != t.CertReqID {
			return x.errorMsg(status(cmp.FailBadRequest, "certReqId del certConf non corrisponde", "the certConf's certReqId does not match"))
		}
		ok, err := cs.Confirms(cert)
		var ref *cmp.Refusal
		switch {
		case errors.As(err, &ref):
			state = store.StateRejected
		case err != nil || !ok:
			return x.errorMsg(status(cmp.FailBadCertID, "l'hash del certificato confermato non corrisponde", "the confirmed certificate's hash does not match"))
		default:
			state = store.StateConfirmed
		}
	}
	switch err := x.c.Store.Finish(ctx, t.ID, state, x.allowance(t)); {
	case errors.Is(err, store.ErrState):
		// Another exchange (here or on another instance) closed the transaction since it was read:
		// superseded by a newer renewal, swept, or finished by a repeated certConf. Answer from what it
		// became; it never returns to issued, so this runs once more at most.
		return x.certConf(ctx)
	case errors.Is(err, store.ErrAlreadyRenewed):
		return x.errorMsg(alreadyRenewed(x.p))
	case errors.Is(err, store.ErrParentRevoked):
		return x.errorMsg(policy.Revoked().Status())
	case err != nil:
		return x.errorMsg(status(cmp.FailSystemFailure, "errore dell'archivio della CA", "CA storage failure"))
	}
	return x.answer(cmp.PKIConfBody())
}

// certRep builds the ip/cp/kup for a transaction; an ip carries the CA certificate in caPubs
// (RFC 9483 §4.1.1) so a MAC-enrolled client can learn its anchor.
func (x *exchange) certRep(t *store.Txn, r cmp.CertResponse) *cmp.Message {
	bt := map[string]cmp.BodyType{"ir": cmp.BodyIR, "cr": cmp.BodyCR, "kur": cmp.BodyKUR, "p10cr": cmp.BodyP10CR}[t.Kind]
	rt, _ := cmp.ResponseType(bt)
	var caPubs [][]byte
	if rt == cmp.BodyIP && r.Cert != nil {
		caPubs = [][]byte{x.c.Cert.Raw}
	}
	return x.answer(cmp.CertRepBody(rt, caPubs, r))
}

// reject answers a certificate request with a rejection in the matching CertRep.
func (x *exchange) reject(certReqID int, s cmp.PKIStatusInfo) *cmp.Message {
	rt, _ := cmp.ResponseType(x.req.Body.Type)
	return x.answer(cmp.CertRepBody(rt, nil, cmp.CertResponse{CertReqID: certReqID, Status: s}))
}

func (x *exchange) errorMsg(s cmp.PKIStatusInfo) *cmp.Message {
	return x.answer(cmp.ErrorBody(s))
}

func (x *exchange) answer(b cmp.Body) *cmp.Message {
	m, err := cmp.NewResponse(x.req, b, x.now)
	if err != nil {
		return nil
	}
	m.Header.Sender = cmp.DirectoryName(x.c.Cert.RawSubject)
	return m
}

// finish protects the answer like the request (RFC 9483 §3.2: MAC answers MAC) and encodes it.
func (x *exchange) finish(m *cmp.Message) []byte {
	if m == nil {
		return nil
	}
	var err error
	if x.macSecret != nil {
		m.ExtraCerts = append(m.ExtraCerts, x.c.Cert.Raw)
		err = m.Protect(&cmp.MACProtection{Secret: x.macSecret, Reference: []byte(x.macRef)})
	} else {
		err = m.Protect(&cmp.SignatureProtection{Signer: x.c.Key, Cert: x.c.Cert})
	}
	if err != nil {
		log.Printf("ponte-ca: protecting the answer: %v", err)
		return nil
	}
	der, err := m.Marshal()
	if err != nil {
		log.Printf("ponte-ca: encoding the answer: %v", err)
		return nil
	}
	return der
}
