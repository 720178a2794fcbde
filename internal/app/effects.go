package app

import (
	"context"

	"github.com/ponte-it/ponte/internal/hostcard"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/renew"
	"github.com/ponte-it/ponte/internal/ui"
)

// Effects are the world the controller acts on, each behind a small interface: wasm/ gives the ones
// over ponte-host (HostEffects) and the browser's; the tests give their own and count what was asked.
// A page sets only those its screens use.
type Effects struct {
	Card    Card
	Renewer Renewer
	Journal Journal
	Page    Page
	Signer  Signer      // the Firma page (sign.go)
	Consent ConsentPeer // the consent window (consent.go)
	// Words renders a signature's error in both languages (signjob.Message, given by the WASM: this
	// package does not link the PDF and CMS code, so the card list's module stays without it). Nil: the
	// error's own text.
	Words func(err error) *ui.Bilingual
}

// Card is what the screens ask of a card, named by its ID (hostcard.Card over ponte-host). Each secret
// is tried once and wiped by the callee.
type Card interface {
	Login(ctx context.Context, cardID string, pin protocol.Secret) (protocol.PINStatus, error)
	ChangePIN(ctx context.Context, cardID string, old, pin protocol.Secret) (protocol.PINStatus, error)
	UnblockPIN(ctx context.Context, cardID string, puk, pin protocol.Secret) (protocol.PINStatus, error)
	Info(ctx context.Context, cardID string) (*protocol.Card, error)
}

// Journal reads the renewal journal (renew.HostJournal, kept by ponte-host).
type Journal interface {
	Load(ctx context.Context, id string) (*renew.Renewal, error)
}

// Renewer runs the renewal engine, and the CA behind it, for one job (renew.Engine: Begin, Run or
// Abandon), reporting each step to progress; it returns the renewal as it left it.
type Renewer interface {
	Renew(ctx context.Context, job RenewJob, progress func(*renew.Renewal)) (*renew.Renewal, error)
}

// RenewJob is one run of the renewal engine.
type RenewJob struct {
	Card     *protocol.Card
	Cert     protocol.Certificate // the certificate to renew, when beginning
	Profile  *renew.Profile
	Renewal  *renew.Renewal // nil: begin one
	Abandon  bool           // end Renewal at the holder's request
	Accepted *renew.Acceptance
	Account  *renew.Account
	Logins   *renew.Logins
	SamePIN  protocol.Secret // for keys that want the PIN at each signature (renew.SamePIN)
}

// Page is the page around the controller: the host connection's health, the list's re-reading, the
// browser's "leave this page?" guard.
type Page interface {
	// HostGone reports whether the connection to ponte-host has ended (checked after a failure).
	HostGone() bool
	// Reconnect starts connecting again; the page dispatches HostBack or HostNotBack.
	Reconnect()
	// Refresh re-reads readers, cards and journal; the page dispatches CardsRead.
	Refresh()
	// Guard asks the browser to confirm before the page is left (on) while the card is written.
	Guard(on bool)
}

// Host is the connection to ponte-host as it is now (the WASM reconnects after a host crash, so the
// effects ask for it at each call instead of keeping one).
type Host func() hostcard.Caller

// HostCard is Card over ponte-host.
type HostCard struct{ Host Host }

func (h HostCard) card(id string) *hostcard.Card { return hostcard.New(h.Host(), id) }

func (h HostCard) Login(ctx context.Context, id string, pin protocol.Secret) (protocol.PINStatus, error) {
	return h.card(id).Login(ctx, pin)
}

func (h HostCard) ChangePIN(ctx context.Context, id string, old, pin protocol.Secret) (protocol.PINStatus, error) {
	return h.card(id).ChangePIN(ctx, old, pin)
}

func (h HostCard) UnblockPIN(ctx context.Context, id string, puk, pin protocol.Secret) (protocol.PINStatus, error) {
	return h.card(id).UnblockPIN(ctx, puk, pin)
}

func (h HostCard) Info(ctx context.Context, id string) (*protocol.Card, error) {
	return h.card(id).Info(ctx)
}

// HostJournal is Journal over ponte-host.
type HostJournal struct{ Host Host }

func (h HostJournal) Load(ctx context.Context, id string) (*renew.Renewal, error) {
	return renew.HostJournal{Host: h.Host(), Ctx: ctx}.Load(id)
}

// HostRenewer is Renewer with renew.Engine over ponte-host and the profile's CA.
type HostRenewer struct{ Host Host }

// pageOwner is this page's id in the journal's lease (renew.Engine.Owner): the page's own RIPRENDI after
// its ponte-host was restarted goes on; another tab's is refused while the lease lasts.
var pageOwner = renew.NewOwner()

func (h HostRenewer) Renew(ctx context.Context, j RenewJob, progress func(*renew.Renewal)) (*renew.Renewal, error) {
	host := h.Host()
	e := &renew.Engine{
		Card:     hostcard.New(host, j.Card.ID),
		CA:       j.Profile.Client(),
		Profile:  j.Profile,
		Journal:  renew.HostJournal{Host: host, Ctx: ctx},
		Account:  j.Account,
		Logins:   j.Logins,
		Accepted: j.Accepted,
		PIN:      renew.SamePIN(j.SamePIN),
		Progress: progress,
		Owner:    pageOwner,
	}
	switch {
	case j.Abandon:
		return j.Renewal, e.Abandon(ctx, j.Renewal)
	case j.Renewal == nil:
		return e.Begin(ctx, j.Card, j.Cert)
	}
	return j.Renewal, e.Run(ctx, j.Renewal)
}
