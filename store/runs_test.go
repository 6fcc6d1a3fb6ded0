package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/store/storetest"
)

var slot7 = time.Date(2026, 11, 27, 6, 0, 0, 0, time.UTC)

func TestStartRunClaimsOnce(t *testing.T) {
	s, c := newStore(t)
	ctx := context.Background()
	run, started, err := s.StartRun(ctx, "daily", slot7, "a", time.Minute)
	if err != nil || !started || run.Status != store.RunRunning || !run.Cutoff.Equal(c.Now()) {
		t.Fatalf("first: %+v %v %v", run, started, err)
	}
	cutoff := run.Cutoff

	c.Add(30 * time.Second)
	other, started, err := s.StartRun(ctx, "daily", slot7, "b", time.Minute)
	if err != nil || started || other.ID != run.ID || other.Owner != "a" {
		t.Fatalf("while a is alive: %+v %v %v", other, started, err)
	}

	c.Add(2 * time.Minute) // a went silent
	took, started, err := s.StartRun(ctx, "daily", slot7, "b", time.Minute)
	if err != nil || !started || took.ID != run.ID || took.Owner != "b" || !took.Cutoff.Equal(cutoff) {
		t.Fatalf("take over: %+v %v %v (cutoff %v)", took, started, err, cutoff)
	}
	if err := s.Heartbeat(ctx, run.ID, "a"); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("old owner heartbeat: %v", err)
	}
	if err := s.Heartbeat(ctx, run.ID, "b"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FinishRun(ctx, run.ID, "a", store.RunDone); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("old owner finish: %v", err)
	}
	done, err := s.FinishRun(ctx, run.ID, "b", store.RunDone)
	if err != nil || done.Status != store.RunDone || done.FinishedAt.IsZero() {
		t.Fatalf("finish: %+v %v", done, err)
	}

	c.Add(time.Hour)
	again, started, err := s.StartRun(ctx, "daily", slot7, "c", time.Minute)
	if err != nil || started || again.Status != store.RunDone {
		t.Fatalf("done run started again: %+v %v %v", again, started, err)
	}
	// Another slot, or the other frequency, is another run.
	if _, started, _ := s.StartRun(ctx, "weekly", slot7, "c", time.Minute); !started {
		t.Fatal("weekly run of the same slot not started")
	}
	if _, _, err := s.StartRun(ctx, "hourly", slot7, "c", time.Minute); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("bad frequency: %v", err)
	}
	runs, err := s.Runs(ctx, 10)
	if err != nil || len(runs) != 2 {
		t.Fatalf("runs: %+v %v", runs, err)
	}
}

func TestFailedRunResumesAtOnce(t *testing.T) {
	s, c := newStore(t)
	ctx := context.Background()
	run, _, _ := s.StartRun(ctx, "daily", slot7, "a", time.Hour)
	if _, err := s.FinishRun(ctx, run.ID, "a", store.RunFailed); err != nil {
		t.Fatal(err)
	}
	c.Add(time.Second)
	again, started, err := s.StartRun(ctx, "daily", slot7, "b", time.Hour)
	if err != nil || !started || again.ID != run.ID || !again.Cutoff.Equal(run.Cutoff) {
		t.Fatalf("resume: %+v %v %v", again, started, err)
	}
}

func TestRecordDeliveries(t *testing.T) {
	s, c := newStore(t)
	ctx := context.Background()
	sent := activeSub(t, s, "sent@example.org", "daily")
	empty := activeSub(t, s, "empty@example.org", "daily")
	temp := activeSub(t, s, "temp@example.org", "daily")
	perm := activeSub(t, s, "perm@example.org", "daily")
	policy := activeSub(t, s, "policy@example.org", "daily")
	c.Add(time.Hour)
	run, _, _ := s.StartRun(ctx, "daily", slot7, "a", time.Minute)
	c.Add(time.Minute)

	err := s.RecordDeliveries(ctx, run.ID, []store.Delivery{
		{SubscriberID: sent.ID, Status: store.DeliverySent, MessageID: "m1@x", Articles: 3, Attempts: 1},
		{SubscriberID: empty.ID, Status: store.DeliveryEmpty},
		{SubscriberID: temp.ID, Status: store.DeliveryFailedTemp, Attempts: 3, Error: "451 try later"},
		{SubscriberID: perm.ID, Status: store.DeliveryFailedPerm, Attempts: 1, Error: "550 5.1.1 no such user", Bounce: true},
		{SubscriberID: policy.ID, Status: store.DeliveryFailedPerm, Attempts: 1, Error: "554 5.7.1 relay access denied"},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := s.DigestRun(ctx, run.ID)
	want := store.RunCounts{Selected: 5, Sent: 1, SkippedEmpty: 1, FailedTemp: 1, FailedPerm: 2}
	if got.RunCounts != want {
		t.Fatalf("counts = %+v, want %+v", got.RunCounts, want)
	}
	for _, id := range []int64{sent.ID, empty.ID} {
		if sub, _ := s.Subscriber(ctx, id); !sub.DigestSince.Equal(run.Cutoff) {
			t.Errorf("subscriber %d digest_since = %v, want cutoff %v", id, sub.DigestSince, run.Cutoff)
		}
	}
	if sub, _ := s.Subscriber(ctx, temp.ID); sub.DigestSince.Equal(run.Cutoff) {
		t.Error("a temporary failure moved the watermark")
	}
	if sub, _ := s.Subscriber(ctx, perm.ID); sub.Status != store.StatusBounced {
		t.Errorf("permanent failure: status %s", sub.Status)
	}
	if sup, _ := s.IsSuppressed(ctx, "PERM@example.org"); !sup {
		t.Error("bounced address not suppressed")
	}
	if sub, _ := s.Subscriber(ctx, policy.ID); sub.Status != store.StatusActive {
		t.Errorf("a policy refusal: status %s, want active", sub.Status)
	}
	if sup, _ := s.IsSuppressed(ctx, "policy@example.org"); sup {
		t.Error("a policy refusal suppressed the address")
	}

	// The temporary failure succeeds on retry; a second word on a final outcome is ignored.
	err = s.RecordDeliveries(ctx, run.ID, []store.Delivery{
		{SubscriberID: temp.ID, Status: store.DeliverySent, MessageID: "m2@x", Attempts: 1},
		{SubscriberID: sent.ID, Status: store.DeliveryFailedPerm},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _ = s.DigestRun(ctx, run.ID)
	want = store.RunCounts{Selected: 5, Sent: 2, SkippedEmpty: 1, FailedPerm: 2}
	if got.RunCounts != want {
		t.Fatalf("after retry counts = %+v, want %+v", got.RunCounts, want)
	}
	if sub, _ := s.Subscriber(ctx, sent.ID); sub.Status != store.StatusActive {
		t.Errorf("a late failure overrode a sent digest: %s", sub.Status)
	}
}

func TestDueSubscribersPagesAndSkipsRecorded(t *testing.T) {
	s, c := newStore(t)
	ctx := context.Background()
	var ids []int64
	for _, e := range []string{"a@example.org", "b@example.org", "c@example.org", "d@example.org", "e@example.org"} {
		ids = append(ids, activeSub(t, s, e, "daily").ID)
	}
	activeSub(t, s, "weekly@example.org", "weekly")
	pending, _ := s.Subscribe(ctx, signup("pending@example.org"))
	c.Add(time.Minute)
	run, _, _ := s.StartRun(ctx, "daily", slot7, "a", time.Minute)
	c.Add(time.Minute)
	activeSub(t, s, "late@example.org", "daily") // confirmed after the cutoff: next run's

	err := s.RecordDeliveries(ctx, run.ID, []store.Delivery{
		{SubscriberID: ids[1], Status: store.DeliverySent},
		{SubscriberID: ids[2], Status: store.DeliveryFailedTemp},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	after := int64(0)
	for {
		page, err := s.DueSubscribers(ctx, run, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, sub := range page {
			got = append(got, sub.ID)
			after = sub.ID
		}
	}
	want := []int64{ids[0], ids[2], ids[3], ids[4]}
	if len(got) != len(want) {
		t.Fatalf("due = %v, want %v (pending %d)", got, want, pending.SubscriberID)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("due = %v, want %v", got, want)
		}
	}
}

func TestDigestArticlesWindow(t *testing.T) {
	s, c := newStore(t)
	ctx := context.Background()
	add := func(guid string, published time.Time) {
		t.Helper()
		if _, _, err := s.UpsertArticles(ctx, 0, []store.ArticleInput{{GUID: guid, URL: "https://news.example/" + guid,
			Title: guid, PublishedAt: published}}); err != nil {
			t.Fatal(err)
		}
	}
	add("before", c.Now())
	c.Add(time.Minute)
	from := c.Now()
	add("old-news", from.Add(-48*time.Hour)) // arrived at the start of the window, published long ago
	c.Add(time.Minute)
	add("fresh", from)
	c.Add(time.Minute)
	upTo := c.Now()
	add("after", from) // arrived as the window closes: the next one's
	arts, err := s.DigestArticles(ctx, from, upTo)
	if err != nil {
		t.Fatal(err)
	}
	if len(arts) != 2 || arts[0].GUID != "fresh" || arts[1].GUID != "old-news" {
		t.Fatalf("window = %+v", arts)
	}
}

// activeSub signs email up for frequency and confirms it now.
func activeSub(t *testing.T, s *store.Store, email, frequency string, countries ...string) store.Subscriber {
	t.Helper()
	in := signup(email)
	in.Frequency, in.Countries = frequency, countries
	res, err := s.Subscribe(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := s.Confirm(context.Background(), res.SubscriberID)
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

// Mailable clears only readers still there, active, and not suppressed: one
// left, one erased, one bounced, and one whose address is suppressed while
// its row still says active are all refused.
func TestMailable(t *testing.T) {
	s, dsn := storetest.OpenDSN(t)
	ctx := context.Background()
	ok := activeSub(t, s, "ok@example.org", "daily")
	left := activeSub(t, s, "left@example.org", "daily")
	erased := activeSub(t, s, "erased@example.org", "daily")
	bounced := activeSub(t, s, "bounced@example.org", "weekly")
	suppressed := activeSub(t, s, "suppressed@example.org", "daily")
	if _, _, err := s.Unsubscribe(ctx, left.ID, store.ChannelLink); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Erase(ctx, erased.Email); err != nil {
		t.Fatal(err)
	}
	for _, e := range []string{bounced.Email, suppressed.Email} {
		if _, err := s.Bounce(ctx, e, store.BounceHard); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := storetest.DB(t, dsn).Exec(`UPDATE subscribers SET status = 'active' WHERE id = ?`, suppressed.ID); err != nil {
		t.Fatal(err)
	}
	got, err := s.Mailable(ctx, []int64{ok.ID, left.ID, erased.ID, bounced.ID, suppressed.ID, 999999})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{left.ID, erased.ID, bounced.ID, suppressed.ID, 999999} {
		if got[id] {
			t.Errorf("subscriber %d may be mailed: %v", id, got)
		}
	}
	if !got[ok.ID] {
		t.Errorf("the active reader may not be mailed: %v", got)
	}
}
