//go:build js && wasm

// Command cmpredirect runs the CMP client in the browser (net/http over the Fetch API) against the page's
// own origin and leaves the outcome in window.cmpResult: TestCMPRedirectRefusedInBrowser.
package main

import (
	"context"
	"errors"
	"syscall/js"
	"time"

	"github.com/ponte-it/ponte/internal/cmp"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c := &cmp.Client{URL: cmp.Endpoint(js.Global().Get("location").Get("origin").String(), "")}
	_, err := c.CACerts(ctx, nil)
	result := "ok"
	var ce *cmp.Error
	if errors.As(err, &ce) {
		result = string(ce.Code)
	} else if err != nil {
		result = err.Error()
	}
	js.Global().Set("cmpResult", result)
}
