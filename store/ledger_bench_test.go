package store_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/store/storetest"
)

// BenchmarkRecordDeliveries measures the ledger write of a digest run, by
// batch size: a run commits one batch per group of outcomes that arrive together.
func BenchmarkRecordDeliveries(b *testing.B) {
	for _, size := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			ctx := context.Background()
			s, err := store.Open(ctx, storetest.DSN(b)) // SQLite, or PostgreSQL with CARAVAN_TEST_BACKEND=postgres
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			n := b.N*size + size
			since := time.Now().Add(-time.Hour)
			subs := make([]store.SeedSubscriber, 0, 5000)
			for i := range n {
				subs = append(subs, store.SeedSubscriber{Email: fmt.Sprintf("r%d@example.org", i), Frequency: "daily", Locale: "fr", Since: since})
				if len(subs) == cap(subs) || i == n-1 {
					if err := s.SeedSubscribers(ctx, subs); err != nil {
						b.Fatal(err)
					}
					subs = subs[:0]
				}
			}
			run, _, err := s.StartRun(ctx, "daily", time.Now(), "bench", time.Minute)
			if err != nil {
				b.Fatal(err)
			}
			ds := make([]store.Delivery, size)
			id := int64(1)
			b.ResetTimer()
			cpu0 := cpuNow()
			for range b.N {
				for i := range ds {
					ds[i] = store.Delivery{SubscriberID: id, Status: store.DeliverySent, MessageID: "digest.abc@example.org", Articles: 12, Attempts: 1}
					id++
				}
				if err := s.RecordDeliveries(ctx, run.ID, ds); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric((cpuNow()-cpu0).Seconds()*1e6/float64(b.N*size), "cpu-µs/outcome")
		})
	}
}

// cpuNow is the CPU time this process has used.
func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
