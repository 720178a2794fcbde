package cafleet

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ponte-it/ponte/internal/cmp"
)

// Holder is a certificate to renew, its key and the key of its renewal.
type Holder struct {
	Cert         *x509.Certificate
	Key, NewKey  crypto.Signer
	Rejected     *x509.Certificate // a renewal the holder rejected (Plan.RejectEvery)
	Renewed      *x509.Certificate // the confirmed renewal
	steps        []bool            // the renewals still to do: confirm (true) or reject
	pending      *Renewal          // the current one, started and not finished
	started      bool              // Load dispatched it
	transportErr int64
}

// Renewal is one paid kur of a holder carried to its certConf, confirming or rejecting, resumable after
// any failure of the transport (an instance killed under the request): the kur is sent again with the
// same transactionID (the CA answers from the transaction it recorded, never charging twice), a pending
// request is polled from the last nonce the CA gave, a certConf is sent again (RFC 9483 §3.5, §4.4).
type Renewal struct {
	h       *Holder
	confirm bool
	req     *cmp.Request
	tx      *cmp.Transaction // saved before each message leaves (cmp.Client.BeforeSend)
	res     *cmp.Result
	done    bool
}

// ErrUnfinished: the tries ran out with the renewal still resumable.
var ErrUnfinished = errors.New("rinnovo non concluso, riprendibile / renewal unfinished, resumable")

func newRenewal(h *Holder, confirm bool) (*Renewal, error) {
	tid := make([]byte, 16)
	if _, err := rand.Read(tid); err != nil {
		return nil, err
	}
	req := cmp.KeyUpdateRequest(h.Cert, h.Key, h.NewKey)
	req.TransactionID, req.DeferConfirm = tid, true
	ri, err := cmp.AccountRegInfo(Account, Password)
	if err != nil {
		return nil, err
	}
	req.RegInfo = append(req.RegInfo, ri)
	return &Renewal{h: h, confirm: confirm, req: req}, nil
}

// retryable: the message may not have been handled, or was and its answer lost: send it again.
func retryable(err error) bool {
	var ce *cmp.Error
	var r *cmp.Refusal
	return (errors.As(err, &ce) && ce.Code == cmp.CodeTransport) ||
		(errors.As(err, &r) && r.Status.FailInfo.Has(cmp.FailSystemFailure))
}

// Run carries the renewal on for at most tries messages that fail retryably; ErrUnfinished then.
func (r *Renewal) Run(ctx context.Context, base *cmp.Client, tries int) error {
	cl := *base
	cl.BeforeSend = func(tx *cmp.Transaction) error { r.tx = tx; return nil }
	prot := &cmp.SignatureProtection{Signer: r.h.Key, Cert: r.h.Cert}
	for try := 0; !r.done; try++ {
		if try == tries || ctx.Err() != nil {
			return ErrUnfinished
		}
		var err error
		switch {
		case r.res == nil && (r.tx == nil || r.tx.ServerNonce == nil):
			r.res, err = cl.Enroll(ctx, r.req)
		case r.res == nil:
			r.res, err = cl.Poll(ctx, r.tx, prot)
		case r.confirm:
			err = cl.Confirm(ctx, r.res.Transaction, prot, r.res.Cert)
			r.done = err == nil
		default:
			err = cl.Reject(ctx, r.res.Transaction, prot, r.res.Cert, &cmp.Error{Code: cmp.CodeUntrustedCert})
			r.done = err == nil
		}
		if r.res != nil && r.res.Cert == nil {
			r.tx, r.res = r.res.Pending, nil // still waiting: poll on
		}
		if err != nil {
			if !retryable(err) {
				return err
			}
			atomic.AddInt64(&r.h.transportErr, 1)
			time.Sleep(50 * time.Millisecond)
		}
	}
	if r.confirm {
		r.h.Renewed = r.res.Cert
	} else {
		r.h.Rejected = r.res.Cert
	}
	return nil
}

// Plan is the load: every holder renews once, confirming; RejectFirst of them reject one renewal first
// (then charged and refunded).
type Plan struct {
	Workers     int           // holders served at once
	Tries       int           // retryable failures survived per renewal before it is left for Resume
	RejectEvery int           // holder i rejects a first renewal when i%RejectEvery == 0 (0: none)
	MaxTime     time.Duration // the load stops starting renewals after this
	Timeout     time.Duration // per message (cmp.Client.MessageTimeout)
}

// Result counts what the load did.
type Result struct {
	Started, Completed, Unfinished int
	Refused                        []error // non-retryable failures: none expected
	TransportErrors                int64
	Elapsed                        time.Duration
}

func (r Result) String() string {
	return fmt.Sprintf("%d rinnovi avviati / renewals started, %d conclusi / completed, %d da riprendere / to resume, %d rifiutati / refused, %d errori di trasporto superati / transport errors survived, %v",
		r.Started, r.Completed, r.Unfinished, len(r.Refused), r.TransportErrors, r.Elapsed.Round(time.Millisecond))
}

// Client is the CMP client of the fleet's front for the CA certificate caCert.
func Client(url string, caCert *x509.Certificate, timeout time.Duration) *cmp.Client {
	anchors := x509.NewCertPool()
	anchors.AddCert(caCert)
	return &cmp.Client{URL: cmp.Endpoint(url, Profile), Anchors: anchors, Signers: []*x509.Certificate{caCert},
		MaxWait: 30 * time.Second, MessageTimeout: timeout}
}

// Load renews every holder through cl as plan says; a renewal whose tries run out is kept for Resume.
func Load(ctx context.Context, cl *cmp.Client, holders []*Holder, plan Plan) Result {
	start := time.Now()
	deadline := start.Add(plan.MaxTime)
	var res Result
	var mu sync.Mutex
	work := make(chan int)
	var wg sync.WaitGroup
	for range plan.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				h := holders[i]
				h.started, h.steps = true, []bool{true}
				if plan.RejectEvery > 0 && i%plan.RejectEvery == 0 {
					h.steps = []bool{false, true}
				}
				started, err := serve(ctx, cl, h, plan.Tries)
				mu.Lock()
				res.Started += started
				switch {
				case err == nil:
					res.Completed++
				case errors.Is(err, ErrUnfinished):
					res.Unfinished++
				default:
					res.Refused = append(res.Refused, fmt.Errorf("holder %d: %w", i, err))
				}
				mu.Unlock()
			}
		}()
	}
	for i := range holders {
		if time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		work <- i
	}
	close(work)
	wg.Wait()
	for _, h := range holders {
		res.TransportErrors += atomic.LoadInt64(&h.transportErr)
	}
	res.Elapsed = time.Since(start)
	return res
}

// serve carries on a holder's renewals and returns how many it started.
func serve(ctx context.Context, cl *cmp.Client, h *Holder, tries int) (int, error) {
	started := 0
	for len(h.steps) > 0 {
		if h.pending == nil {
			r, err := newRenewal(h, h.steps[0])
			if err != nil {
				return started, err
			}
			h.pending = r
			started++
		}
		if err := h.pending.Run(ctx, cl, tries); err != nil {
			return started, err
		}
		h.pending, h.steps = nil, h.steps[1:]
	}
	return started, nil
}

// Resume finishes every renewal Load left unfinished (no instance is killed any more), with the holder's
// renewals still to do, and returns how many it finished; an error is a renewal that could not be.
func Resume(ctx context.Context, cl *cmp.Client, holders []*Holder) (int, error) {
	n := 0
	for i, h := range holders {
		if h.pending == nil {
			continue
		}
		if _, err := serve(ctx, cl, h, 20); err != nil {
			return n, fmt.Errorf("holder %d: %w", i, err)
		}
		n++
	}
	return n, nil
}
