package ui

import (
	"strings"

	"github.com/ponte-it/ponte/internal/certcache"
	"github.com/ponte-it/ponte/internal/netperm"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/revocation/crlreason"
)

// drawScreen draws, on app.html, a screen that replaces the card list (the renewal's "flow", "lifecycle",
// "pinmanage"): the templates of ponte.wasm fill it in (render.go); cards.wasm has none of these screens
// (it hands the page over first).
var drawScreen func(d *drawing, name string)

// listPage draws app.html and the popup, the pages cards.wasm paints; ok is false for any other page.
func listPage(s State, cat *Catalog) (html string, ok bool, err error) {
	d := newDrawing(s, cat)
	switch s.Mode {
	case "app":
		d.appPage()
	case "popup":
		d.popupPage()
	default:
		return "", false, nil
	}
	html, err = d.done()
	return html, true, err
}

func (d *drawing) appPage() {
	s := d.s
	d.header()
	d.raw("<main>\n  <h1>")
	d.t("appTitle")
	d.raw("</h1>\n  <p class=\"lead\">")
	d.t("appLead")
	d.raw("</p>\n  <nav class=\"pages\"><a href=\"inventory.html\" id=\"link-inventory\">")
	d.t("invTitle")
	d.raw("</a> · <a href=\"setup.html\" id=\"link-setup\">")
	d.t("setupTitle")
	d.raw("</a>")
	d.optionsLink()
	d.raw("</nav>\n  ")
	d.hostStatus()
	d.raw("  ")
	if s.Conn == Connected {
		screen := "cards"
		switch {
		case s.Flow != nil:
			screen = "flow"
		case s.Lifecycle != nil:
			screen = "lifecycle"
		case s.PINManage != nil:
			screen = "pinmanage"
		}
		if screen == "cards" || drawScreen == nil {
			d.cards()
		} else {
			drawScreen(d, screen)
		}
	}
	d.raw("\n</main>\n")
	d.footer()
}

func (d *drawing) popupPage() {
	d.header()
	d.raw("<main class=\"popup\">\n  ")
	d.hostStatus()
	d.raw("  <button type=\"button\" class=\"primary\" data-action=\"open-app\">")
	d.t("openApp")
	d.raw("</button>\n  <nav class=\"pages\"><button type=\"button\" class=\"link\" data-action=\"open-page\" data-page=\"inventory.html\">")
	d.t("invTitle")
	d.raw("</button> · <button type=\"button\" class=\"link\" data-action=\"open-page\" data-page=\"setup.html\">")
	d.t("setupTitle")
	d.raw("</button>")
	d.optionsLink()
	d.raw("</nav>\n</main>\n")
	d.footer()
}

// optionsLink: the page API's allow-list lives in the extension's options page (none in the local app).
func (d *drawing) optionsLink() {
	if d.s.Host.Transport != "websocket" {
		d.raw(` · <button type="button" class="link" data-action="open-options" id="link-options">`)
		d.t("optionsLink")
		d.raw(`</button>`)
	}
}

// cards is the list of readers and the cards in them.
func (d *drawing) cards() {
	s := d.s
	d.raw("\n<section class=\"card\" id=\"cards\"")
	d.attr("data-loaded", boolText(s.CardsLoaded))
	d.raw(">\n  <div class=\"row\"><h2>")
	d.t("cardsTitle")
	d.raw("</h2><button type=\"button\" data-action=\"rescan\">")
	d.t("rescan")
	d.raw("</button></div>\n  ")
	if len(s.Readers) == 0 {
		d.raw(`<p class="muted" id="no-readers">`)
		d.t("readersNone")
		d.raw(`</p>`)
	}
	for _, r := range s.Readers {
		d.raw("\n    ")
		if r.Card != nil {
			d.smartcard(r)
			continue
		}
		d.raw(`<p class="muted reader-empty"`)
		d.attr("data-reader", r.Name)
		d.raw(">")
		d.t("readerEmpty", r.Name)
		d.raw("</p>")
	}
	d.raw("\n</section>\n")
}

func (d *drawing) smartcard(r protocol.Reader) {
	c := r.Card
	d.raw("\n<article class=\"smartcard\"")
	d.attr("data-card", c.ID)
	d.attr("data-reader", r.Name)
	d.raw(">\n  ")
	if h := c.Holder; h != nil {
		d.raw(`<h3 class="holder">`)
		d.t("holderLine", h.Surname+" "+h.Name)
		d.raw(" ")
		d.text(c.Number)
		d.raw("</h3>")
	}
	if e := CardExpiry(c); e != "" {
		d.raw("\n  <p class=\"expiry\">")
		d.t("cardExpiry", formatDate(e))
		d.raw("</p>")
	}
	d.raw("\n  <dl>\n    ")
	if h := c.Holder; h != nil {
		d.raw("<dt>")
		d.t("fiscalCode")
		d.raw(`</dt><dd class="cf">`)
		d.text(h.FiscalCode)
		d.raw("</dd>")
	}
	d.raw("\n    <dt>")
	d.t("family")
	d.raw(`</dt><dd class="family">`)
	switch f := c.Family; {
	case f.Known:
		d.text(f.Sigla + " — " + f.Name)
	case f.Match == "cns-files":
		d.t("familyCNSNoATR", c.ATR)
	case c.ATR != "":
		d.t("familyUnknown", c.ATR)
	default:
		d.t("tokenOnly", f.Name)
	}
	d.raw("</dd>\n    ")
	if f := c.Family; len(f.Drivers) > 0 {
		d.raw("<dt>")
		d.t("driverNeeded")
		d.raw(`</dt><dd class="driver">`)
		d.text(strings.Join(f.Drivers, ", ") + " — ")
		if c.Token != nil {
			d.t("driverLoaded", c.Token.Driver)
		} else {
			d.t("driverMissing")
			if f.Package != "" {
				d.raw("; ")
				d.t("driverPortalPackage", f.Package)
			}
		}
		d.raw("</dd>")
	}
	d.raw("\n  </dl>\n  ")
	if c.Problem != nil {
		d.raw(`<p class="bad problem">`)
		d.errText(c.Problem.Code)
		d.raw(`</p>`)
	}
	d.raw("\n  ")
	if c.Token != nil {
		d.pinActions(c.ID, c.Token.PIN)
	}
	if len(c.Certificates) > 0 {
		d.raw("\n  <h4>")
		d.t("certificates")
		d.raw("</h4>\n  <ul class=\"certs\">")
		for _, cert := range c.Certificates {
			d.certificate(c.ID, cert)
		}
		d.raw("\n  </ul>")
	}
	for _, p := range d.s.Pending[c.ID] {
		d.raw("\n  <p class=\"pending\"")
		d.attr("data-renewal", p.ID)
		d.raw(">")
		d.t("pendingRenewal", d.roleName(p.Role))
		d.raw("\n    ")
		resume := func(key string) {
			d.raw(`<button type="button" class="primary" data-action="renew-resume"`)
			d.attr("data-renewal", p.ID)
			d.raw(">")
			d.t(key)
			d.raw("</button>")
		}
		if p.Step == "waiting" {
			resume("download")
		} else if !p.RollbackFailed {
			resume("resume")
		}
		d.raw("\n    <button type=\"button\" class=\"abandon\" data-action=\"renew-abandon\"")
		d.attr("data-renewal", p.ID)
		d.raw(">")
		d.t("abandon")
		d.raw("</button>\n  </p>")
	}
	d.raw("\n</article>\n")
}

// pinActions: change or unblock the PIN, with the tries left (none on a PIN-pad reader: it asks itself).
func (d *drawing) pinActions(cardID string, pin protocol.PINStatus) {
	button := func(class, action, key string) {
		d.raw(`<button type="button" class="`, class, `" data-action="`, action, `"`)
		d.attr("data-card", cardID)
		d.raw(">")
		d.t(key)
		d.raw("</button>")
	}
	d.raw(`<p class="pin-actions">`)
	switch {
	case pin.PINPad:
		d.raw(`<span class="muted small">`)
		d.t("pinManagePad")
		d.raw("</span>\n    ")
	case pin.Locked:
		d.raw(`<span class="bad" id="pin-blocked">`)
		d.t("pinBlockedCard")
		d.raw("</span> ")
		button("primary", "pin-unblock", "pinUnblockButton")
		d.raw("\n    ")
	default:
		d.pinTries(pin)
		button("link", "pin-change", "pinChangeLink")
		d.raw(" · ")
		button("link", "pin-unblock", "pinUnblockLink")
	}
	d.raw("</p>")
}

// pinTries: the tries left where the card says (ISO/IEC 7816-4 63Cx), else the PKCS#11 flags.
func (d *drawing) pinTries(pin protocol.PINStatus) {
	switch {
	case pin.Tries == 1:
		d.raw(`<span class="warn pin-tries" data-tries="1">`)
		d.t("pinTriesLeftOne")
	case pin.Tries != 0:
		d.raw(`<span class="muted pin-tries" data-tries="`, itoa(pin.Tries), `">`)
		d.t("pinTriesLeft", pin.Tries)
	case pin.FinalTry:
		d.raw(`<span class="warn pin-tries">`)
		d.t("pinFinalTry")
	case pin.CountLow:
		d.raw(`<span class="warn pin-tries">`)
		d.t("pinCountLow")
	default:
		return
	}
	d.raw("</span> · ")
}

// certificate is one certificate of a card: role, expiry, issuer, the last OCSP status, RINNOVA or why
// not, and the CA's suspension and revocation.
func (d *drawing) certificate(cardID string, c protocol.Certificate) {
	state := CertState(d.now, c.NotAfter)
	st := d.s.Watch.CertStatus(c)
	d.raw("\n    <li class=\"cert state-", state)
	if st != nil {
		d.raw(" check-")
		d.text(st.State)
	}
	d.raw(`"`)
	d.attr("data-role", c.Role)
	d.raw(">\n      <strong>")
	d.text(d.roleName(c.Role))
	d.raw("</strong>\n      <span class=\"cert-expiry\">")
	switch state {
	case "expired":
		d.t("certExpired", formatDate(c.NotAfter))
	case "expiring":
		d.t("certExpiring", formatDate(c.NotAfter), daysLeft(d.now, c.NotAfter))
	default:
		d.t("certExpires", formatDate(c.NotAfter))
	}
	d.raw("</span>\n      <span class=\"muted small\">")
	d.t("keyBits", c.KeyBits)
	d.raw(" · ")
	d.t("issuedBy", certcache.CommonName(c.Issuer))
	d.raw("</span>\n      ")
	revoked := st != nil && st.State == certcache.StatusRevoked
	if st != nil {
		d.certCheck(st)
	}
	d.raw("\n      ")
	if !revoked {
		d.offer(d.s.Offers[cardID+"/"+c.ID])
	}
	d.raw("\n      ")
	d.certManage(d.s.manageArgs(cardID, c))
	d.raw("\n    </li>")
}

// certCheck is the last OCSP status on the list: SOSPESO, REVOCATO, or "non verificato" (and the host
// permission to grant, when its lack is why).
func (d *drawing) certCheck(st *certcache.Status) {
	switch {
	case st.State == certcache.StatusRevoked && st.Reason == reasonCertificateHold:
		d.raw(`<span class="warn cert-suspended" data-check="suspended">`)
		d.t("certSuspended", formatDate(st.RevokedAt))
		d.raw("</span>")
	case st.State == certcache.StatusRevoked:
		d.raw(`<span class="bad cert-revoked" data-check="revoked">`)
		d.t("certRevoked", formatDate(st.RevokedAt), crlreason.ReasonText(st.Reason, d.cat.Lang))
		d.raw("</span>")
	case st.State == certcache.StatusUnverified:
		d.raw(`<span class="muted small cert-check" data-check="unverified">`)
		if st.LastGood != "" {
			d.t("statusUnverified", formatDate(st.LastGood))
		} else {
			d.t("statusUnverifiedNever")
		}
		d.raw("</span>")
		if st.Permission != "" {
			d.permissionAsk(st)
		}
	}
}

// offer is RINNOVA, or why the certificate cannot be renewed here.
func (d *drawing) offer(o Offer) {
	if o.Eligible {
		d.raw(`<button type="button" class="renew" data-action="renew"`)
		d.attr("data-card", o.Card)
		d.attr("data-cert", o.Cert)
		d.raw(">")
		d.t("renew")
		d.raw("</button>\n")
	} else if len(o.Reason) > 0 {
		d.raw(`<span class="muted small not-renewable">`)
		d.text(d.cat.Say(o.Reason...))
		d.raw("</span>")
	}
	d.raw("\n")
}

// certManage offers SOSPENDI, RIATTIVA and REVOCA when a CA profile reaches the certificate's issuer.
func (d *drawing) certManage(a manageArgs) {
	if a.M.Profile == "" {
		return
	}
	button := func(action, key string) {
		d.raw(`<button type="button" class="link" data-action="`, action, `"`)
		d.attr("data-card", a.Card)
		d.attr("data-cert", a.Cert)
		d.raw(">")
		d.t(key)
		d.raw("</button>")
	}
	d.raw("\n<span class=\"cert-manage\">\n  ")
	if a.Suspended {
		button("cert-reactivate", "lcReactivate")
		d.raw(" ·\n  ")
	} else if !a.Revoked && a.M.SuspensionDays != 0 {
		button("cert-suspend", "lcSuspend")
		d.raw(" · ")
	}
	d.raw("\n  ")
	if !a.Revoked {
		button("cert-revoke", "lcRevoke")
	}
	d.raw("\n</span>")
}

// permissionAsk: the OCSP responder was refused for lack of a host permission (internal/netperm): say so,
// offer it.
func (d *drawing) permissionAsk(st *certcache.Status) {
	d.raw(`<br><span class="permission-missing small"`)
	d.attr("data-permission", st.Permission)
	d.raw(">")
	d.t("permissionMissing", netperm.Origin(st.Responder))
	d.raw("</span>\n<button type=\"button\" class=\"link permission-grant\"")
	d.attr("data-permission-origins", st.Permission)
	d.raw(` data-permission-then="status-recheck">`)
	d.t("permissionGrantRetry")
	d.raw("</button>")
}

// roleName is a certificate role in words.
func (d *drawing) roleName(role string) string {
	switch role {
	case "cns":
		return d.msg("roleCns")
	case "signature":
		return d.msg("roleSignature")
	}
	return d.msg("roleOther")
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
