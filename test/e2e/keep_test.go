package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	pbrowser "github.com/ponte-it/ponte/internal/testkit/browser"
	"github.com/ponte-it/ponte/internal/testkit/testbed"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// A redraw the user did not ask for the form's sake (here: switching language; in life also a card
// inserted or the host reconnecting) keeps what the user chose and typed: the file, the check boxes, the
// position. The template's own value wins when the redraw changes it.
func TestRedrawKeepsUserInput(t *testing.T) {
	build := built(t)
	bed := startBed(t, testbed.Options{NoPCSC: true})
	ext := extensionWithProfiles(t, build, bed)
	ctx := startBrowserWith(t, ext, filepath.Join(build, "ponte-host"), bed.Env)

	pdf := filepath.Join(t.TempDir(), "libreoffice.pdf")
	orig, err := os.ReadFile(filepath.Join(testenv.Root(), "internal", "pades", "testdata", "corpus", "libreoffice.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(pdf, orig, 0o644)

	within(t, ctx, 90*time.Second,
		chromedp.Navigate(pbrowser.ExtensionURL("sign.html")),
		chromedp.WaitVisible(chromedp.CSS(`#sign[data-screen="choose"] #sign-file`)),
		chromedp.SetUploadFiles(chromedp.CSS("#sign-file"), []string{pdf}),
		chromedp.Click(chromedp.CSS("#sign-visible")),
		chromedp.SetValue(chromedp.CSS("#sign-x"), "120"),
		chromedp.Click(chromedp.CSS("#sign-tsa")), // checked by the template: the user unticks it
		chromedp.Click(chromedp.CSS(`button[data-action="lang"][data-lang="en"]`)),
		chromedp.WaitVisible(chromedp.CSS(`button[data-lang="en"][aria-pressed="true"]`)),
	)
	files := eval[int](t, ctx, `document.querySelector("#sign-file").files.length`)
	visible := eval[bool](t, ctx, `document.querySelector("#sign-visible").checked`)
	x := eval[string](t, ctx, `document.querySelector("#sign-x").value`)
	tsa := eval[bool](t, ctx, `document.querySelector("#sign-tsa").checked`)
	if files != 1 || !visible || x != "120" || tsa {
		t.Fatalf("after the redraw: %d files, visible %v, x %q, time stamp %v; want the user's 1, true, 120, false", files, visible, x, tsa)
	}
	within(t, ctx, 60*time.Second,
		chromedp.Click(chromedp.CSS("#sign-next")),
		chromedp.WaitVisible(chromedp.CSS("#sign-pin")),
	)
	if got := text(t, ctx, "#sign"); !strings.Contains(got, "libreoffice.pdf") {
		t.Fatalf("confirm screen after the redraw does not name the chosen file: %q", got)
	}
}
