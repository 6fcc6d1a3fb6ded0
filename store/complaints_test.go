package store_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/caravan-news/caravan/store"
)

// TestComplaintRate: mails sent (digests, and one-off mails) and complaints are
// counted per day, and the rate is one over the other.
func TestComplaintRate(t *testing.T) {
	s, c := newStore(t)
	ctx := context.Background()
	var ds []store.Delivery
	for i := range 8 {
		sub := activeSubscriber(t, s, fmt.Sprintf("r%d@example.org", i))
		ds = append(ds, store.Delivery{SubscriberID: sub.ID, Status: store.DeliverySent, Attempts: 1})
	}
	ds[7].Status = store.DeliveryEmpty // nothing new: no mail, not counted
	run, _, err := s.StartRun(ctx, "daily", c.Now(), "w", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RecordDeliveries(ctx, run.ID, ds); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Bounce(ctx, "r1@example.org", store.BounceComplaint); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Bounce(ctx, "r2@example.org", store.BounceHard); err != nil {
		t.Fatal(err)
	}
	days, err := s.DayCounts(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	today := days[1]
	if today.Sent != 7 || today.Complaints != 1 || today.Bounces != 2 || math.Abs(today.ComplaintRate-1.0/7) > 1e-9 {
		t.Fatalf("today: %+v", today)
	}
	if days[0].Sent != 0 || days[0].ComplaintRate != 0 {
		t.Fatalf("yesterday: %+v", days[0])
	}
	m, err := s.Metrics(ctx)
	if err != nil || m.Today != today {
		t.Fatalf("metrics today %+v %v", m.Today, err)
	}
}
