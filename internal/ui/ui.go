package ui

import (
	"time"

	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/renew"
)

// Conn is the state of the connection to ponte-host.
type Conn int

const (
	Connecting Conn = iota
	Connected
	Failed
)

// State is everything a screen shows. The WASM module keeps one and re-renders on every change.
type State struct {
	Mode      string // "app" (full tab) or "popup"
	Lang      string
	Extension string // the extension's (or local app's) version
	Conn      Conn
	Host      protocol.HelloResult
	Problem   *Problem

	Now         time.Time // the clock the screens judge expiry by
	Readers     []protocol.Reader
	CardsLoaded bool

	// Offers says per card and certificate ("card/cert") whether RINNOVA is offered, and Pending lists
	// renewals waiting at the CA or interrupted, per card ID.
	Offers  map[string]Offer
	Pending map[string][]*renew.Renewal
	Flow    *Flow
	// PINManage is the PIN change or unblock screen of one card (pinmanage.go), shown instead of the list.
	PINManage *PINManage
	// Manage ("card/cert") and Lifecycle: suspend, reactivate, revoke (lifecycle.go).
	Manage    map[string]Manage
	Lifecycle *Lifecycle

	Help      HostHelp   // the user's system, for the install step when ponte-host is missing or old (hosthelp.go)
	Sign      *SignState // the Firma page (sign.go)
	Inventory Inventory  // inventory.html
	Setup     Setup      // setup.html
	Watch     Watch      // OCSP statuses for the card list (watch.go)
	Options   Options    // options.html, the page API's allow-list (pageapi.go)
	Consent   *Consent   // consent.html, a page's signature request (pageapi.go)
	Net       NetAccess  // setup.html: the host permissions for CAs, OCSP and TSAs (permission.go)
}

// Problem is an error shown to the user: a code from the protocol table, or a transport failure.
type Problem struct {
	Code   protocol.Code // empty for a transport failure
	Detail string        // technical detail, shown small
}

func (c Conn) String() string {
	switch c {
	case Connecting:
		return "connecting"
	case Connected:
		return "connected"
	}
	return "failed"
}
