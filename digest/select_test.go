package digest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/caravan-news/caravan/store"
)

// art is an article arriving at t0+at, published at t0+published (at, when zero).
type art struct {
	guid      string
	at        time.Duration
	published time.Duration
	countries []string
}

// event is something that happens at t0+at in a selection case.
type event struct {
	at time.Duration
	do func()
}

func TestSelection(t *testing.T) {
	h := time.Hour
	many := make([]art, 20)
	for i := range many {
		many[i] = art{guid: fmt.Sprintf("a%02d", i), at: time.Duration(i+1) * time.Minute}
	}
	cases := []struct {
		name      string
		frequency string
		countries []string
		confirm   time.Duration // when they confirmed
		previous  time.Duration // when their previous digest's run started; 0: none yet
		arts      []art
		run       time.Duration // when the daily run starts: its cutoff
		due       bool
		want      []string
		total     int
	}{
		{name: "no choice gets every country and regional news", countries: nil,
			arts: []art{{"kg", h, 0, []string{"kg"}}, {"regional", 2 * h, 0, nil}, {"kz-uz", 3 * h, 0, []string{"kz", "uz"}}},
			run:  4 * h, due: true, want: []string{"kz-uz", "regional", "kg"}},
		{name: "one country gets it, regional news and shared articles", countries: []string{"kg"},
			arts: []art{{"kg", h, 0, []string{"kg"}}, {"kz", 2 * h, 0, []string{"kz"}}, {"regional", 3 * h, 0, nil},
				{"kz-kg", 3*h + time.Minute, 0, []string{"kz", "kg"}}},
			run: 4 * h, due: true, want: []string{"kz-kg", "regional", "kg"}},
		{name: "several countries", countries: []string{"kz", "uz"},
			arts: []art{{"kg", h, 0, []string{"kg"}}, {"uz", 2 * h, 0, []string{"uz"}}, {"tm", 3 * h, 0, []string{"tm"}}},
			run:  4 * h, due: true, want: []string{"uz"}},
		{name: "weekly subscriber is not in the daily run", frequency: "weekly",
			arts: []art{{"kg", h, 0, []string{"kg"}}}, run: 4 * h, due: false},
		{name: "only what arrived after confirmation", confirm: 2 * h,
			arts: []art{{"before", h, 0, nil}, {"after", 3 * h, 0, nil}}, run: 4 * h, due: true, want: []string{"after"}},
		{name: "only what arrived after the previous digest", previous: 2 * h,
			arts: []art{{"had", h, 0, nil}, {"new", 3 * h, 0, nil}}, run: 4 * h, due: true, want: []string{"new"}},
		{name: "what arrives after the cutoff waits for the next run",
			arts: []art{{"in", h, 0, nil}, {"late", 5 * h, 0, nil}}, run: 4 * h, due: true, want: []string{"in"}},
		{name: "nothing new", previous: 2 * h, arts: []art{{"had", h, 0, nil}}, run: 4 * h, due: true},
		{name: "newest published first, whatever the arrival order",
			arts: []art{{"old", h, -48 * h, nil}, {"newest", 2 * h, -h, nil}, {"yesterday", 3 * h, -24 * h, nil}},
			run:  4 * h, due: true, want: []string{"newest", "yesterday", "old"}},
		{name: "capped, with the total", arts: many, run: 4 * h, due: true,
			want:  []string{"a19", "a18", "a17", "a16", "a15", "a14", "a13", "a12", "a11", "a10", "a09", "a08", "a07", "a06", "a05"},
			total: 20},
		{name: "confirmed after the cutoff waits for the next run", confirm: 5 * h,
			arts: []art{{"in", h, 0, nil}}, run: 4 * h, due: false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			var sub store.Subscriber
			events := []event{{tc.confirm, func() {
				sub = e.subscriber(t, "reader@example.org", cmp.Or(tc.frequency, "daily"), "fr", tc.countries...)
			}}}
			if tc.previous > 0 {
				events = append(events, event{tc.previous, func() { previousDigest(t, e, sub) }})
			}
			for _, a := range tc.arts {
				events = append(events, event{a.at, func() {
					pub := a.published
					if pub == 0 {
						pub = a.at
					}
					e.article(t, a.guid, t0.Add(pub), a.countries...)
				}})
			}
			sort.SliceStable(events, func(i, j int) bool { return events[i].at < events[j].at })
			for _, ev := range events {
				e.clock.Add(t0.Add(ev.at).Sub(e.clock.Now()))
				ev.do()
			}
			e.clock.Add(t0.Add(tc.run).Sub(e.clock.Now()))
			run, _, err := e.st.StartRun(ctx, "daily", t0.Add(tc.run), "test", time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			e.clock.Add(2 * time.Hour) // later arrivals must not leak into the run
			e.article(t, "after-start", e.clock.Now())

			got := plan(t, &Worker{Store: e.st}, run)
			sel, due := got[sub.ID]
			if due != tc.due {
				t.Fatalf("due = %v, want %v", due, tc.due)
			}
			var guids []string
			for _, a := range sel.Articles {
				guids = append(guids, a.GUID)
			}
			if !slices.Equal(guids, tc.want) {
				t.Errorf("articles = %v, want %v", guids, tc.want)
			}
			if want := max(tc.total, len(tc.want)); sel.Total != want {
				t.Errorf("total = %d, want %d", sel.Total, want)
			}
		})
	}
}

// plan returns what run would send each subscriber it owes a digest, as a run picks it.
func plan(t *testing.T, w *Worker, run store.Run) map[int64]selection {
	t.Helper()
	ctx := context.Background()
	win := &window{load: w.Store.DigestArticles, cutoff: run.Cutoff}
	out := map[int64]selection{}
	after := int64(0)
	for {
		page, err := w.Store.DueSubscribers(ctx, run, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			return out
		}
		if err := win.cover(ctx, page); err != nil {
			t.Fatal(err)
		}
		for _, sub := range page {
			out[sub.ID], after = pick(win.articles, sub, run.Cutoff), sub.ID
		}
	}
}

// previousDigest records that a run starting now sent sub their digest.
func previousDigest(t *testing.T, e *env, sub store.Subscriber) {
	t.Helper()
	ctx := context.Background()
	run, _, err := e.st.StartRun(ctx, sub.Frequency, e.clock.Now(), "previous", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.RecordDeliveries(ctx, run.ID, []store.Delivery{{SubscriberID: sub.ID, Status: store.DeliverySent}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.FinishRun(ctx, run.ID, "previous", store.RunDone); err != nil {
		t.Fatal(err)
	}
}
