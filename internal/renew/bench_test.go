package renew_test

import (
	"context"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/renew"
	"github.com/ponte-it/ponte/internal/testkit/testbed"
)

// BenchmarkRenewal measures what Ponte adds to a renewal — journal writes, the card's key generation,
// signatures and object writes through ponte-host, CMP encoding and checks — on a CA profile with no
// deliberate delay (delaySeconds 0). Each iteration renews a fresh card (a certificate is renewed once);
// making the card and starting the host are outside the timing. Besides ns/op it reports the time of each
// step from the journal's timestamps (<step>-ns/op). Numbers, not assertions.
func BenchmarkRenewal(b *testing.B) {
	per := map[renew.Step]time.Duration{}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		w := newWorld(b, testbed.Choice{Server: "cns", Mode: "rekey"}, testbed.Options{})
		p := *w.bed.CA.Profiles["cns"]
		p.DelaySeconds = 0
		if err := w.bed.CA.AddProfile(&p); err != nil {
			b.Fatal(err)
		}
		info, old := w.cert(b, "cns")
		e := w.engine()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		b.StartTimer()
		r, err := e.Begin(ctx, info, old)
		b.StopTimer()
		cancel()
		if err != nil || r.Step != renew.StepDone {
			b.Fatalf("renewal: %v", err)
		}
		// Entry k is saved as its step begins: the step lasts until the next entry.
		for k := 0; k+1 < len(r.Log); k++ {
			per[r.Log[k].Step] += r.Log[k+1].Time.Sub(r.Log[k].Time)
		}
		w.host.Close()
		w.bed.Close()
		b.StartTimer()
	}
	for step, d := range per {
		b.ReportMetric(float64(d.Nanoseconds())/float64(b.N), string(step)+"-ns/op")
	}
}
