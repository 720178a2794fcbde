package ui

import (
	"strconv"

	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/words"
)

// The blocks every page shares: the bar with the language switch, ponte-host's status (and the exact
// step to fix it on this system), the footer with the extension's version.

func (d *drawing) header() {
	s := d.s
	d.raw("\n<header class=\"bar\">\n  <span class=\"brand\">Ponte</span>\n  ")
	switch s.Mode {
	case "app":
		d.raw(`<a class="nav" id="nav-sign" href="sign.html">`)
		d.t("navSign")
		d.raw(`</a>`)
	case "sign":
		d.raw(`<a class="nav" id="nav-cards" href="app.html">`)
		d.t("navCards")
		d.raw(`</a>`)
	}
	d.raw("\n  <nav class=\"lang\">\n")
	for _, l := range []struct{ code, label string }{{"it", "IT"}, {"en", "EN"}} {
		d.raw(`    <button type="button" data-action="lang" data-lang="`, l.code, `" `)
		d.flag(s.Lang == l.code, `aria-pressed="true"`)
		d.raw(">", l.label, "</button>\n")
	}
	d.raw("  </nav>\n</header>\n")
}

func (d *drawing) footer() {
	d.raw("\n<footer class=\"muted small\">")
	d.t("extensionVersion")
	d.raw(` <span id="ext-version">`)
	d.text(d.s.Extension)
	d.raw("</span></footer>\n")
}

// hostStatus is the connection to ponte-host: connecting, connected (version, transport, system), or
// what is wrong and what to do (hostIssue).
func (d *drawing) hostStatus() {
	s := d.s
	d.raw("\n<section class=\"card\" id=\"host-status\"")
	d.attr("data-conn", s.Conn.String())
	d.raw(">\n  ")
	issue := s.Issue()
	switch {
	case s.Conn == Connecting:
		d.raw(`<p class="muted">`)
		d.t("hostConnecting")
		d.raw(`</p>`)
	case s.Conn == Connected && s.Flow != nil && s.Flow.HostLost:
		d.raw(`<h2 class="bad" id="host-reconnecting">`)
		d.t("hostReconnecting")
		d.raw(`</h2>`)
	case s.Conn == Connected:
		d.raw("<h2>")
		d.t("hostConnected")
		d.raw("</h2>\n    <dl>\n      <dt>")
		d.t("hostVersion")
		d.raw(`</dt><dd id="host-version">`)
		d.text(s.Host.Version)
		d.raw("</dd>\n      <dt>")
		d.t("transport")
		d.raw(`</dt><dd id="host-transport">`)
		if s.Host.Transport == "native" {
			d.t("transportNative")
		} else {
			d.t("transportWebsocket")
		}
		d.raw("</dd>\n      <dt>")
		d.t("system")
		d.raw("</dt><dd>")
		d.text(s.Host.OS)
		d.raw("</dd>\n    </dl>\n    ")
		if issue != IssueNone {
			d.hostIssue(issue)
		}
	case issue == IssueOther:
		d.raw(`<h2 class="bad">`)
		d.t("hostMissingTitle")
		d.raw("</h2>\n    <p>")
		if p := s.Problem; p != nil {
			if p.Code != "" {
				d.errText(p.Code)
			} else {
				d.t("hostMissingBody")
			}
		}
		d.raw("</p>\n    <p><code>")
		d.t("hostInstallHint")
		d.raw("</code></p>\n    ")
		d.problemDetail()
	default:
		d.hostIssue(issue)
		d.problemDetail()
	}
	d.raw("\n</section>\n")
}

func (d *drawing) problemDetail() {
	if p := d.s.Problem; p != nil {
		d.raw(`<p class="muted small" id="problem-detail">`)
		d.text(p.Detail)
		d.raw(`</p>`)
	}
}

// hostIssue is what is wrong with ponte-host and the exact step for this system (State.Issue, HostHelp).
func (d *drawing) hostIssue(i HostIssue) {
	s := d.s
	d.raw("\n<div id=\"host-issue\"")
	d.attr("data-issue", string(i))
	d.attr("data-os", s.Help.OS)
	d.attr("data-browser", s.Help.Browser)
	d.raw(">\n  <h2 class=\"")
	if s.Conn == Connected {
		d.raw("warn")
	} else {
		d.raw("bad")
	}
	d.raw(`" id="host-issue-title">`)
	d.t(i.Key() + "Title")
	d.raw("</h2>\n  ")
	if p := s.Problem; p != nil && p.Code != "" {
		d.raw("<p>")
		d.errText(p.Code)
		d.raw("</p>")
	}
	d.raw("\n  <p id=\"host-issue-body\">")
	d.t(i.Key() + "Body")
	d.raw("</p>\n  ")
	if i == IssueNotInstalled && s.Help.Browser == "firefox" {
		d.raw("<p>")
		d.t("hostFixFirefoxManifest")
		d.raw("</p>")
	}
	d.raw("\n  ")
	if i.Reinstall() {
		if s.Mode == "app" {
			d.hostFix(i)
		} else {
			d.raw(`<p class="small">`)
			d.t("hostFixOpenApp")
			d.raw("</p>")
		}
	}
	d.raw("\n</div>\n")
}

// hostFix is the install (or update) step per system: the .deb, the macOS and Windows scripts.
func (d *drawing) hostFix(i HostIssue) {
	os, browser := d.s.Help.OS, d.s.Help.Browser
	step := func(key, fix, command string) {
		d.raw("\n    <p>")
		d.t(key)
		d.raw("</p>\n    <p><code class=\"fix\" data-fix=\"", fix, "\">")
		d.text(command)
		d.raw("</code></p>")
	}
	d.raw("\n<div id=\"host-fix\">")
	if os == "linux" || os == "other" {
		step("hostFixDeb", "deb", "sudo apt install ./ponte_*.deb")
		step("hostFixLinux", "install", "ponte-host install")
	}
	if os == "mac" || os == "other" {
		step("hostFixMac", "mac", "./install.sh")
	}
	if os == "windows" || os == "other" {
		step("hostFixWindows", "windows", `.\install.ps1`)
	}
	d.raw("\n  <p>")
	d.t("hostFixReload")
	d.raw("</p>")
	if i == IssueExited {
		d.raw("\n    <p>")
		d.t("hostFixCheck")
		d.raw("</p>\n    <p><code class=\"fix\" data-fix=\"check\">ponte-host version</code> <code class=\"fix\">ponte-host diagnose</code></p>")
	}
	if os == "linux" {
		d.raw("\n    <p class=\"small\">")
		d.t("hostFixSnap")
		d.raw(" <code class=\"fix\" data-fix=\"snap\">sudo apt install xdg-desktop-portal</code></p>\n    <p class=\"small\">")
		d.t("hostFixFlatpak")
		d.raw(` <code class="fix" data-fix="flatpak">flatpak override --user --talk-name=org.freedesktop.Flatpak `)
		if browser == "firefox" {
			d.raw("org.mozilla.firefox")
		} else {
			d.raw("&lt;id&gt;")
		}
		d.raw("</code>")
		if browser != "firefox" {
			d.raw(" ")
			d.t("hostFixFlatpakIDs")
		}
		d.raw("</p>")
	}
	d.raw("\n</div>\n")
}

// errText writes a protocol error's words in the page's language.
func (d *drawing) errText(c protocol.Code) { d.text(d.cat.Say(words.M(c))) }

func itoa(n int) string { return strconv.Itoa(n) }
