package store_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/caravan-news/caravan/store"
)

// TestWebhookEventsFollowEveryChange: with webhooks on, each change queues its
// event in its own transaction, and an erasure's carries no address.
func TestWebhookEventsFollowEveryChange(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	if _, err := s.Subscribe(ctx, signup("off@example.org")); err != nil {
		t.Fatal(err)
	}
	if list, _ := s.ListWebhooks(ctx, "", 10); len(list) != 0 {
		t.Fatalf("queued with webhooks off: %+v", list)
	}
	if err := s.SetSetting(ctx, store.SettingWebhooks, "on"); err != nil {
		t.Fatal(err)
	}
	res, err := s.Subscribe(ctx, signup("ana@example.org"))
	if err != nil {
		t.Fatal(err)
	}
	sub, err := s.Confirm(ctx, res.SubscriberID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdatePreferences(ctx, sub.ID, store.Preferences{Frequency: "weekly", Locale: "fr"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Unsubscribe(ctx, sub.ID, store.ChannelLink); err != nil {
		t.Fatal(err)
	}
	bob := activeSubscriber(t, s, "bob@example.org")
	if _, err := s.Bounce(ctx, bob.Email, store.BounceComplaint); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Erase(ctx, "ana@example.org"); err != nil {
		t.Fatal(err)
	}
	list, err := s.ListWebhooks(ctx, "pending", 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i := len(list) - 1; i >= 0; i-- { // oldest first
		got = append(got, list[i].Type)
	}
	want := []string{store.WebhookPending, store.WebhookConfirmed, store.WebhookUpdated, store.WebhookUnsubscribed,
		store.WebhookPending, store.WebhookConfirmed, store.WebhookComplained, store.WebhookErased}
	if len(got) != len(want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("events %v, want %v", got, want)
		}
	}
	var updated, erased struct {
		Data struct {
			Subscriber map[string]any `json:"subscriber"`
		} `json:"data"`
	}
	_ = json.Unmarshal(list[len(list)-3].Payload, &updated)
	if updated.Data.Subscriber["email"] != "ana@example.org" || updated.Data.Subscriber["frequency"] != "weekly" {
		t.Fatalf("updated event: %s", list[len(list)-3].Payload)
	}
	_ = json.Unmarshal(list[0].Payload, &erased)
	if len(erased.Data.Subscriber) != 1 || erased.Data.Subscriber["id"] != float64(sub.ID) {
		t.Fatalf("erased event: %s", list[0].Payload)
	}
}
