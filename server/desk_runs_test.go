package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/caravan-news/caravan/store"
)

func TestDeskRunPageShowsProgressAndRefreshesUntilDone(t *testing.T) {
	env := newDeskEnv(t)
	ctx := context.Background()
	a, b2, c := env.active(t, "a@example.org"), env.active(t, "b@example.org"), env.active(t, "c@example.org")
	env.clock.Add(time.Minute)
	run, _, err := env.store.StartRun(ctx, "daily", env.clock.Now(), "test", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	env.clock.Add(10 * time.Second)
	if err := env.store.RecordDeliveries(ctx, run.ID, []store.Delivery{
		{SubscriberID: a.ID, Status: store.DeliverySent, Attempts: 1},
		{SubscriberID: b2.ID, Status: store.DeliveryFailedPerm, Attempts: 1, Error: "550 5.1.1 mailbox unavailable"},
	}); err != nil {
		t.Fatal(err)
	}
	b := env.browser(t)
	b.signIn()
	page := fmt.Sprintf("/admin/runs/%d?lang=en", run.ID)
	_, body := b.get(page)
	for _, want := range []string{`<meta http-equiv="refresh" content="2">`, "2 of 3 readers handled", `<progress id="progress" max="3" value="2">`,
		"550 5.1.1 mailbox unavailable", "b@example.org", "estimated time left", ">running<"} {
		if !strings.Contains(body, want) {
			t.Errorf("running run's page lacks %q", want)
		}
	}
	if err := env.store.RecordDeliveries(ctx, run.ID, []store.Delivery{{SubscriberID: c.ID, Status: store.DeliverySent, Attempts: 1}}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.store.FinishRun(ctx, run.ID, "test", store.RunDone); err != nil {
		t.Fatal(err)
	}
	_, body = b.get(page)
	if strings.Contains(body, `http-equiv="refresh"`) || !strings.Contains(body, "3 of 3 readers handled") || !strings.Contains(body, ">done<") {
		t.Fatalf("done run's page:\n%s", body)
	}
	_, body = b.get("/admin/runs/new?frequency=weekly&lang=en")
	if !strings.Contains(body, "Start the Weekly digest now? 0 active readers chose it.") || !strings.Contains(body, `id="start-run"`) {
		t.Fatalf("start confirmation:\n%s", body)
	}
}
