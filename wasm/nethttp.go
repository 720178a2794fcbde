//go:build js && wasm && !cards

package main

import (
	"net/http"

	"github.com/ponte-it/ponte/internal/netperm/permhttp"
)

// Inside the extension every fetch of net/http (CMP, OCSP, TSA, the AgID list: ponte.wasm's, cards.wasm
// makes none) goes through permhttp.Transport: a request the browser refused while Ponte lacks the host permission for its origin
// becomes *netperm.Denied, which the screens name ("Ponte non ha il permesso di contattare …") and offer
// to grant with a [data-permission-origins] button (extension/permission.mjs asks the browser inside the
// click, then fires "ponte-permission", see listenPermission). In the local web app there is no
// permissions API and the transport is left alone.
func init() {
	if permissionsAPI().Truthy() {
		http.DefaultTransport = &permhttp.Transport{Base: http.DefaultTransport, Granted: permGranted}
	}
}
