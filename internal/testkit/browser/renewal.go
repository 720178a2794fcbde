package browser

import (
	"context"
	"fmt"
	"time"

	"github.com/chromedp/chromedp"
)

// Renewal drives the renewal screens of the app page as a person would: RINNOVA on the certificate of
// role, terms (PROSEGUI), privacy (tick, RINNOVA), PIN — and the prepaid account when account is set —
// then CONFERMA. shot, when not nil, is called after each screen is shown. It is shared by the
// real-browser tests and `make demo HEADLESS=1`.
func Renewal(ctx context.Context, role, pin, account, password string, shot func(name string)) error {
	return RenewalWith(ctx, Inputs{Role: role, PIN: pin, Account: account, Password: password}, shot)
}

// Inputs are what the renewal screens are given. An empty PIN is a PIN-pad reader: the page must say
// "type it on the reader" instead of a PIN field. PUK is for the families that ask it (AC 2014/2018).
type Inputs struct {
	Role, PIN, PUK, Account, Password string
}

// RenewalWith is Renewal with every input.
func RenewalWith(ctx context.Context, in Inputs, shot func(name string)) error {
	role, account, password := in.Role, in.Account, in.Password
	step := func(d time.Duration, steps ...chromedp.Action[chromedp.Void]) error {
		c, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		return chromedp.Do(c, steps...)
	}
	snap := func(name string) {
		if shot != nil {
			shot(name)
		}
	}
	if err := step(60*time.Second,
		chromedp.Click(chromedp.CSS(`li[data-role="`+role+`"] button.renew`)),
		chromedp.WaitVisible(chromedp.CSS(`#flow[data-screen="terms"]`)),
	); err != nil {
		return fmt.Errorf("terms screen: %w", err)
	}
	snap("1-terms")
	if err := step(30*time.Second,
		chromedp.Click(chromedp.CSS(`[data-action="terms-accept"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#flow[data-screen="privacy"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-action="privacy-accept"][disabled]`)),
		chromedp.Click(chromedp.CSS(`#privacy-ack`)),
		chromedp.WaitEnabled(chromedp.CSS(`[data-action="privacy-accept"]`)),
	); err != nil {
		return fmt.Errorf("privacy screen: %w", err)
	}
	snap("2-privacy")
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.Click(chromedp.CSS(`[data-action="privacy-accept"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#pin-confirm`)),
	}
	if in.PIN != "" {
		steps = append(steps, chromedp.SendKeys(chromedp.CSS(`#pin`), in.PIN))
	} else {
		steps = append(steps, chromedp.WaitVisible(chromedp.CSS(`#pin-pad`)))
	}
	if in.PUK != "" {
		steps = append(steps, chromedp.SendKeys(chromedp.CSS(`#puk`), in.PUK))
	}
	if account != "" {
		steps = append(steps, chromedp.SendKeys(chromedp.CSS(`#account-id`), account), chromedp.SendKeys(chromedp.CSS(`#account-password`), password))
	}
	if err := step(30*time.Second, steps...); err != nil {
		return fmt.Errorf("PIN screen: %w", err)
	}
	snap("3-pin")
	if err := step(30*time.Second, chromedp.Click(chromedp.CSS(`#pin-confirm`))); err != nil {
		return fmt.Errorf("PIN confirmation: %w", err)
	}
	return nil
}

// WaitRenewed waits (d at most) for "Certificato rinnovato e attivo" and returns the new expiry as shown.
// Every call has a deadline: a page without #flow or #new-expiry fails in seconds, not at go test's.
func WaitRenewed(ctx context.Context, d time.Duration) (string, error) {
	c, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	if err := chromedp.Do(c, chromedp.WaitVisible(chromedp.CSS(`#renewed`))); err != nil {
		rc, rcancel := context.WithTimeout(ctx, 5*time.Second)
		defer rcancel()
		reason, _ := chromedp.Run(rc, chromedp.Evaluate[string](`(document.getElementById("flow") || {}).innerText || "(no #flow)"`))
		return "", fmt.Errorf("no success screen (%w): %s", err, reason)
	}
	ec, ecancel := context.WithTimeout(ctx, 10*time.Second)
	defer ecancel()
	expiry, err := chromedp.Run(ec, chromedp.Text(chromedp.CSS(`#new-expiry`)))
	if err != nil {
		return "", fmt.Errorf("success screen without #new-expiry: %w", err)
	}
	return expiry, nil
}
