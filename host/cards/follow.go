package cards

import (
	"context"
	"errors"
	"maps"
	"slices"
	"time"

	"github.com/ponte-it/ponte/host/pcsc"
	"github.com/ponte-it/ponte/internal/protocol"
)

// Backoff bounds for Follow: the first retry after a failed watch, and the longest wait between retries.
const (
	followFirstRetry = 1 * time.Second
	followMaxRetry   = 30 * time.Second
)

// Follow is Watch for the host's whole life: when the PC/SC service is missing, stops or restarts (pcscd's
// auto-exit, an upgrade, a user starting it after the browser), it waits and watches again, and the new
// watch reports the current readers and cards afresh. It reports each distinct failure once through
// logf, not at every retry, and returns when ctx ends. When a watch ends, the readers and cards it had
// reported are reported removed: a service that went away took them with it, and the next watch reports
// the ones still there as added again.
func (s *Service) Follow(ctx context.Context, publish func(name string, data any), logf func(format string, args ...any)) {
	wait := followFirstRetry
	var last string           // code of the last failure reported, so a service that stays away is logged once
	seen := map[string]bool{} // reader → a card is in it, as reported by the current watch
	track := func(name string, data any) {
		switch ev := data.(type) {
		case protocol.ReaderEvent:
			if name == protocol.EvReaderRemoved {
				delete(seen, ev.Reader)
			} else {
				seen[ev.Reader] = false
			}
		case protocol.CardEvent:
			seen[ev.Reader] = name == protocol.EvCardInserted
		}
		publish(name, data)
	}
	for ctx.Err() == nil {
		started := time.Now()
		err := s.Watch(ctx, track)
		if ctx.Err() != nil {
			return
		}
		for _, r := range slices.Sorted(maps.Keys(seen)) {
			if seen[r] {
				s.forgetReader(r)
				publish(protocol.EvCardRemoved, protocol.CardEvent{Reader: r})
			}
			publish(protocol.EvReaderRemoved, protocol.ReaderEvent{Reader: r})
			delete(seen, r)
		}
		if time.Since(started) > followFirstRetry {
			wait = followFirstRetry // it watched for a while: the service went away, come back quickly
		}
		if key := failureKey(err); key != last {
			last = key
			if err != nil {
				logf("lettori non osservabili, nuovo tentativo tra poco / cannot watch readers, retrying shortly: %v", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, followMaxRetry)
	}
}

func failureKey(err error) string {
	var pe *pcsc.Error
	if errors.As(err, &pe) {
		return string(pe.Code)
	}
	if err == nil {
		return ""
	}
	return err.Error()
}
