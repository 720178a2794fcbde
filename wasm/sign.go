//go:build js && wasm && !cards

package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"strconv"
	"sync"
	"syscall/js"
	"time"

	ctrl "github.com/ponte-it/ponte/internal/app"
	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/itime"
	"github.com/ponte-it/ponte/internal/pades"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/revocation"
	"github.com/ponte-it/ponte/internal/signerr"
	"github.com/ponte-it/ponte/internal/signjob"
	"github.com/ponte-it/ponte/internal/sigverify"
	"github.com/ponte-it/ponte/internal/tsp"
	"github.com/ponte-it/ponte/internal/ui"
)

// signRun is what the Firma page holds beyond what it shows: the chosen File (a JavaScript value, never
// copied into WASM memory), the prepared job, and the card signature once made (so a time-stamp failure
// never costs a second card signature). Actions run one at a time on their own goroutines.
var signRun struct {
	mu     sync.Mutex
	file   js.Value
	name   string
	card   *protocol.Card
	cert   *signjob.Cert
	job    *signjob.Job
	src    docio.Source    // the document waiting to be hashed once the warnings are accepted
	opts   signjob.Options // and how it is to be signed
	report *sigverify.Report
	vname  string
	vfile  js.Value // the verified file, whose .p7m content can be saved
}

func init() {
	actions["sign-prepare"] = func(a *app, _ js.Value) { a.signPrepare() }
	// The card step's screens are internal/app's (sign.go there): one PIN try per click, taken once.
	actions["sign-pin"] = func(a *app, _ js.Value) { a.ctl.Do(ctrl.SignWithPIN{PIN: takeValue("sign-pin")}) }
	actions["sign-ctxpin"] = func(a *app, _ js.Value) { a.ctl.Do(ctrl.ContextPIN{PIN: takeValue("sign-pin2")}) }
	actions["sign-reset"] = func(a *app, _ js.Value) { a.signReset() }
	actions["sign-accept"] = func(a *app, _ js.Value) { a.signAccept() }
	actions["sign-ts-retry"] = func(a *app, _ js.Value) { a.ctl.Do(ctrl.SignRetryTimeStamp{}) }
	actions["sign-ts-drop"] = func(a *app, _ js.Value) { a.ctl.Do(ctrl.SignDropTimeStamp{}) }
	fxHooks = append(fxHooks, func(a *app, fx *ctrl.Effects) { fx.Signer, fx.Words = signer{a}, a.signWords })
	actions["verify-file"] = func(a *app, _ js.Value) { a.verifyFile() }
	actions["verify-report"] = func(a *app, _ js.Value) { a.verifyReport() }
	actions["verify-content"] = func(a *app, _ js.Value) { a.verifyContent() }
	actions["verify-revision"] = func(a *app, el js.Value) { a.verifyRevision(el.Get("dataset").Get("n").String()) }
	pageReady["sign"] = (*app).signReady
}

// signReady runs once the host and the CA profiles are there: the first profile's TSA is offered.
func (a *app) signReady() {
	tsa := ""
	for _, p := range a.ctl.Profiles() {
		if p.TSA != "" {
			tsa = p.TSA
			break
		}
	}
	a.signShow(func(g *ui.SignState) { g.TSA = tsa })
}

func byID(id string) js.Value { return js.Global().Get("document").Call("getElementById", id) }

// takeValue reads a PIN field and clears it at once.
func takeValue(id string) protocol.Secret {
	el := byID(id)
	if !el.Truthy() {
		return nil
	}
	v := protocol.Secret(el.Get("value").String())
	el.Set("value", "")
	return v
}

func checked(id string) bool { el := byID(id); return el.Truthy() && el.Get("checked").Bool() }

func number(id string) float64 {
	el := byID(id)
	if !el.Truthy() {
		return 0
	}
	return el.Get("valueAsNumber").Float()
}

// signWords is an error of the signature in the page's language (signjob.Message), the only catalogue
// the page holds; the screen shows the half of its language.
func (a *app) signWords(err error) *ui.Bilingual {
	text := signjob.Message(err, a.catalogs[a.state().Lang])
	return &ui.Bilingual{IT: text, EN: text}
}

// signShow is a step of the page's own (choosing, reading, hashing): the screen moves only while no card
// step runs.
func (a *app) signShow(f func(g *ui.SignState)) { a.ctl.Do(ctrl.SignShow(f)) }

func (a *app) signError(err error) { a.ctl.Do(ctrl.SignFailed{Err: err}) }

// signReset: back to the choice (a PIN step under way is left); the file and the job are let go once
// the controller has left them.
func (a *app) signReset() {
	a.ctl.Do(ctrl.SignReset{})
	if a.state().Sign.Screen != ui.SignChoose {
		return // the file is being written: it ends on its own
	}
	signRun.mu.Lock()
	signRun.file, signRun.job, signRun.cert, signRun.src = js.Undefined(), nil, nil, nil
	signRun.mu.Unlock()
}

// signCard is the first card a PKCS#11 module sees.
func (a *app) signCard() *protocol.Card {
	for _, r := range a.state().Readers {
		if r.Card != nil && r.Card.Token != nil {
			return r.Card
		}
	}
	return nil
}

// profileAnchors are the CA profiles' anchors (the AgID trusted list is added in tsl.go).
func (a *app) profileAnchors() []*x509.Certificate {
	var out []*x509.Certificate
	for _, p := range a.ctl.Profiles() {
		if certs, err := signjob.ProfileAnchors(p); err == nil {
			out = append(out, certs...)
		}
	}
	return out
}

// signPrepare: the form is read, the format detected and the certificate chosen; its warnings, if any,
// are shown first (a user who cancels does not wait for a large file to be hashed); then signHash reads
// the file by slices from its Blob, refuses bad input and computes the digest — before any PIN is asked.
func (a *app) signPrepare() {
	input := byID("sign-file")
	if !input.Truthy() || input.Get("files").Get("length").Int() == 0 {
		return
	}
	file := input.Get("files").Index(0)
	name := file.Get("name").String()
	format := ""
	if r := js.Global().Get("document").Call("querySelector", `input[name="format"]:checked`); r.Truthy() {
		format = r.Get("value").String()
	}
	var visible *pades.Appearance
	if checked("sign-visible") {
		visible = &pades.Appearance{Page: int(number("sign-page")), Left: number("sign-x"), Bottom: number("sign-y"),
			Width: number("sign-w"), Height: number("sign-h")}
	}
	tsaURL := a.state().Sign.TSA
	useTSA := tsaURL != "" && checked("sign-tsa")
	a.signShow(func(g *ui.SignState) {
		g.Screen, g.FileName, g.FileSize, g.Error = ui.SignWorking, name, int64(file.Get("size").Float()), nil
	})
	src, err := docio.NewBlob(file)
	if err != nil {
		a.signError(err)
		return
	}
	format, err = signjob.Choose(src, name, format)
	if err != nil {
		a.signError(err)
		return
	}
	if format != signjob.PAdES {
		visible = nil
	}
	card := a.signCard()
	if card == nil {
		a.signError(signerr.New(signerr.BadCertificate, "Nessuna tessera utilizzabile per firmare: inserirla nel lettore.",
			"No card usable for signing: insert it in the reader.", nil))
		return
	}
	now := time.Now()
	cert, err := signjob.Pick(card, "", a.profileAnchors(), now)
	if err != nil {
		a.signError(err)
		return
	}
	o := signjob.Options{Format: format, Visible: visible, Time: now}
	if useTSA {
		o.TSA = &tsp.Client{URL: tsaURL}
	}
	signRun.mu.Lock()
	signRun.file, signRun.name, signRun.card, signRun.cert, signRun.job = file, name, card, cert, nil
	signRun.src, signRun.opts = src, o
	signRun.mu.Unlock()
	warnings := certWarnings(cert)
	x := cert.Choice.Certificate
	a.signShow(func(ss *ui.SignState) {
		ss.Format = format
		if len(warnings) > 0 {
			ss.Screen = ui.SignWarn // read and accepted (or cancelled) before the document is read and any PIN
		}
		ss.CertName, ss.CertRole, ss.CertUntil = cert.Holder(), cert.Info.Role, itime.Date(x.NotAfter)
		ss.KeyType, ss.KeyBits = cert.Info.KeyType, cert.Info.KeyBits
		ss.Qualified, ss.Warnings, ss.PIN = cert.Choice.Qualified, warnings, ctrl.PINViewOf(card)
	})
	if len(warnings) == 0 {
		a.signHash()
	}
}

// signAccept: the user read the certificate's warnings and chose to sign anyway.
func (a *app) signAccept() {
	if a.state().Sign.Screen == ui.SignWarn {
		a.signHash()
	}
}

// signHash checks the document, refusing bad input (signerr codes), then asks the PIN while the document
// is hashed (the digest is awaited in cardSign, after the login). The pending document is taken once: a
// second press finds nothing to do.
func (a *app) signHash() {
	signRun.mu.Lock()
	src, cert, o := signRun.src, signRun.cert, signRun.opts
	signRun.src = nil
	signRun.mu.Unlock()
	if src == nil || cert == nil {
		return
	}
	a.signShow(func(g *ui.SignState) { g.Screen = ui.SignWorking })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	job, err := signjob.Start(ctx, src, cert, o) // the hashing goes on while the PIN is typed and checked
	if err != nil {
		a.signError(err)
		return
	}
	signRun.mu.Lock()
	signRun.job = job
	signRun.mu.Unlock()
	a.signShow(func(g *ui.SignState) { g.Screen = ui.SignConfirm })
}

// signer is the controller's ctrl.Signer: the card signs the prepared job, the browser saves the file.
type signer struct{ a *app }

// Sign opens the PIN session, asks the context-specific PIN when the key wants it, and has the card sign
// the one digest (awaited after the login: the hashing goes on while the PIN is typed).
func (g signer) Sign(ctx context.Context, pin protocol.Secret, ctxPIN func() (protocol.Secret, error)) ([]byte, *protocol.PINStatus, error) {
	signRun.mu.Lock()
	card, cert, job := signRun.card, signRun.cert, signRun.job
	signRun.mu.Unlock()
	if job == nil {
		pin.Wipe()
		return nil, nil, errors.New("no document prepared")
	}
	digest := func() ([]byte, crypto.SignerOpts, error) {
		if err := job.Wait(); err != nil {
			return nil, nil, err
		}
		return job.Digest(), job.SignerOpts(), nil
	}
	return g.a.cardSign(ctx, card, cert, pin, digest, ctxPIN)
}

// Finish embeds the signature (and the time stamp, unless dropped) and downloads the result.
func (signer) Finish(ctx context.Context, sig []byte, drop bool) (string, error) {
	signRun.mu.Lock()
	job, file, name := signRun.job, signRun.file, signRun.name
	signRun.mu.Unlock()
	if job == nil {
		return "", errors.New("no document prepared")
	}
	if drop {
		job.DropTimeStamp()
	}
	parts, err := job.Finish(ctx, sig)
	if err != nil {
		return "", err
	}
	out := signjob.OutputName(name, job.Format)
	downloadBlob(out, partsBlob(file, parts, mimeOf(job.Format)))
	signRun.mu.Lock()
	signRun.job = nil
	signRun.mu.Unlock()
	return out, nil
}

func mimeOf(format string) string {
	switch format {
	case signjob.PAdES:
		return "application/pdf"
	case signjob.Detached:
		return "application/pkcs7-signature"
	}
	return "application/pkcs7-mime"
}

// partsBlob builds the output as a Blob of literal bytes and slices of the original File: the browser
// assembles it, the document is never copied into WASM memory (for a PDF: Blob([file, tail])).
func partsBlob(file js.Value, parts []docio.Part, mime string) js.Value {
	arr := js.Global().Get("Array").New()
	for _, p := range parts {
		if p.Data != nil {
			u := js.Global().Get("Uint8Array").New(len(p.Data))
			js.CopyBytesToJS(u, p.Data)
			arr.Call("push", u)
			continue
		}
		if p.Range.Off == 0 && p.Range.Len == int64(file.Get("size").Float()) {
			arr.Call("push", file)
		} else {
			arr.Call("push", file.Call("slice", float64(p.Range.Off), float64(p.Range.End())))
		}
	}
	return js.Global().Get("Blob").New(arr, map[string]any{"type": mime})
}

// verifyFile checks every signature of the chosen file against the bundled anchors.
func (a *app) verifyFile() {
	input := byID("verify-file")
	if !input.Truthy() || input.Get("files").Get("length").Int() == 0 {
		return
	}
	file := input.Get("files").Index(0)
	name := file.Get("name").String()
	// Both files are taken before the first redraw, which makes new (empty) inputs.
	detachedFile := js.Undefined()
	if d := byID("verify-detached"); d.Truthy() && d.Get("files").Get("length").Int() > 0 {
		detachedFile = d.Get("files").Index(0)
	}
	a.update(func(s *ui.State) { s.Sign.Verify = &ui.VerifyState{Busy: true, FileName: name} })
	fail := func(err error) {
		a.update(func(s *ui.State) { s.Sign.Verify = &ui.VerifyState{FileName: name, Error: a.signWords(err)} })
	}
	src, err := docio.NewBlob(file)
	if err != nil {
		fail(err)
		return
	}
	var detached docio.Source
	if detachedFile.Truthy() {
		if detached, err = docio.NewBlob(detachedFile); err != nil {
			fail(err)
			return
		}
	}
	opts := cms.VerifyOptions{}
	if anchors := a.verifyAnchors(context.Background()); anchors != nil { // CA profiles + AgID list (tsl.go)
		opts.Anchors = anchors
	}
	rep, err := sigverify.File(src, detached, opts)
	if err != nil {
		fail(err)
		return
	}
	// OCSP (RFC 6960) through fetch: the extension's host permissions let it read responders that send no
	// CORS headers; a refusal for lack of one is offered to grant (permissions.go).
	sigverify.CheckRevocation(context.Background(), rep, opts, &revocation.Checker{})
	signRun.mu.Lock()
	signRun.report, signRun.vname, signRun.vfile = rep, name, file
	signRun.mu.Unlock()
	lang := a.state().Lang
	a.update(func(s *ui.State) {
		format := string(rep.Format)
		if rep.Envelope != nil {
			format += ", base64"
		}
		s.Sign.Verify = &ui.VerifyState{FileName: name, Format: format, Repaired: rep.Repaired,
			Signers: signjob.View(rep, lang), Lang: lang, TrustedList: signjob.ListText(rep, lang), Permissions: verifyPermissions(rep)}
		if rep.Content != nil {
			s.Sign.Verify.Content, s.Sign.Verify.ContentDoubt = signjob.ContentName(name), !rep.AllValid()
		}
		s.Sign.Verify.Modified, s.Sign.Verify.Revisions = revisionMarks(rep)
	})
}

// revisionMarks: which signatures (by N) are followed by changes of class (c), and which by any later
// bytes (their signed revision can be saved).
func revisionMarks(rep *sigverify.Report) (modified, revisions map[int]bool) {
	modified, revisions = map[int]bool{}, map[int]bool{}
	for i, s := range rep.Signers {
		if s.PDF == nil || !s.PDF.ChangedAfter {
			continue
		}
		if _, ok := s.PDF.SignedRevision(); ok {
			revisions[i+1] = true
		}
		modified[i+1] = s.PDF.LaterChanges == pades.ChangesOther
	}
	return modified, revisions
}

// verifyRevision saves the revision signature n signed (the file up to the end of its /ByteRange), as
// verifyContent saves a .p7m's document: a Blob slice of the chosen File.
func (a *app) verifyRevision(n string) {
	signRun.mu.Lock()
	rep, name, file := signRun.report, signRun.vname, signRun.vfile
	signRun.mu.Unlock()
	i, err := strconv.Atoi(n)
	if rep == nil || !file.Truthy() || err != nil || i < 1 || i > len(rep.Signers) {
		return
	}
	r, ok := rep.Signers[i-1].PDF.SignedRevision()
	if !ok {
		return
	}
	downloadBlob(signjob.RevisionName(name, i), partsBlob(file, []docio.Part{{Range: r}}, "application/pdf"))
}

// verifyContent saves the document inside the verified .p7m: a Blob of slices of the chosen File, so the
// browser copies it and WASM memory never holds it.
func (a *app) verifyContent() {
	signRun.mu.Lock()
	rep, name, file := signRun.report, signRun.vname, signRun.vfile
	signRun.mu.Unlock()
	if rep == nil || rep.Content == nil || !file.Truthy() {
		return
	}
	parts := rep.ContentParts()
	if rep.Envelope != nil { // a base64 .p7m: the document is in the decoded envelope, in memory already
		var buf bytes.Buffer
		if err := docio.WriteParts(&buf, rep.Envelope, parts); err != nil {
			a.update(func(s *ui.State) { s.Sign.Verify = &ui.VerifyState{FileName: name, Error: a.signWords(err)} })
			return
		}
		downloadBytes(signjob.ContentName(name), "application/octet-stream", buf.Bytes())
	} else {
		downloadBlob(signjob.ContentName(name), partsBlob(file, parts, "application/octet-stream"))
	}
	a.update(func(s *ui.State) {
		if s.Sign.Verify != nil {
			s.Sign.Verify.ContentSaved = true
		}
	})
}

// verifyReport downloads the report as text, in the page's language.
func (a *app) verifyReport() {
	signRun.mu.Lock()
	rep, name := signRun.report, signRun.vname
	signRun.mu.Unlock()
	if rep == nil {
		return
	}
	lang := a.state().Lang
	text := signjob.ReportText(name, rep, lang)
	u := js.Global().Get("Uint8Array").New(len(text))
	js.CopyBytesToJS(u, []byte(text))
	downloadBlob(name+".verifica.txt", js.Global().Get("Blob").New([]any{u}, map[string]any{"type": "text/plain;charset=utf-8"}))
}
