package server_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/caravan-news/caravan/store"
)

// apiErr is the JSON error body of the admin API.
type apiErr struct {
	Error struct{ Code, Message, Field string }
}

func decode[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return v
}

func TestAdminUnsubscribe(t *testing.T) {
	env := newLeaveEnv(t)
	sub := env.active(t, "phone@example.org")
	resp, known := env.admin(t, "POST", "/api/admin/unsubscribe", `{"email": " Phone@example.org "}`)
	if resp.StatusCode != 200 || env.status(t, sub.ID).UnsubscribeChannel != store.ChannelAdmin {
		t.Fatalf("known: %d %s", resp.StatusCode, known)
	}
	resp, unknown := env.admin(t, "POST", "/api/admin/unsubscribe", `{"email": "letter@example.org"}`)
	if resp.StatusCode != 200 || strings.Replace(unknown, "letter", "Phone", 1) != known {
		t.Fatalf("unknown answers differently: %s / %s", unknown, known)
	}
	if ok, _ := env.store.IsSuppressed(t.Context(), "letter@example.org"); !ok {
		t.Fatal("unknown address not suppressed")
	}
}

func TestAdminJSONErrorsNameTheField(t *testing.T) {
	env := newLeaveEnv(t)
	tests := []struct {
		name, path, body string
		status           int
		field            string
	}{
		{"unknown field", "/api/admin/unsubscribe", `{"email": "a@example.org", "emial": "x"}`, 400, "emial"},
		{"wrong type", "/api/admin/unsubscribe", `{"email": 42}`, 400, "email"},
		{"missing", "/api/admin/unsubscribe", `{}`, 422, "email"},
		{"bad address", "/api/admin/unsubscribe", `{"email": "nope"}`, 422, "email"},
		{"not JSON", "/api/admin/unsubscribe", `email=a@example.org`, 400, ""},
		{"two objects", "/api/admin/unsubscribe", `{"email": "a@example.org"} {}`, 400, ""},
		{"array", "/api/admin/unsubscribe", `["a@example.org"]`, 400, ""},
		{"empty", "/api/admin/bounces", ``, 400, ""},
		{"bad kind", "/api/admin/bounces", `{"email": "a@example.org", "kind": "bounced"}`, 422, "kind"},
		{"kind type", "/api/admin/bounces", `{"email": "a@example.org", "kind": ["hard"]}`, 400, "kind"},
	}
	for _, tt := range tests {
		resp, body := env.admin(t, "POST", tt.path, tt.body)
		e := decode[apiErr](t, body)
		if resp.StatusCode != tt.status || e.Error.Field != tt.field || e.Error.Message == "" || e.Error.Code == "" {
			t.Errorf("%s: %d %s", tt.name, resp.StatusCode, body)
		}
	}
}

func TestAdminListSubscribers(t *testing.T) {
	env := newLeaveEnv(t)
	for i := range 5 {
		env.active(t, fmt.Sprintf("list%d@example.org", i))
	}
	env.store.Subscribe(t.Context(), store.Signup{Email: "pending@example.org", Frequency: "weekly", Locale: "fr",
		Countries: []string{"tj"}, Consent: store.Consent{Method: "form"}})
	var emails []string
	path := "/api/admin/subscribers?status=active&limit=2"
	for range 10 {
		resp, body := env.admin(t, "GET", path, "")
		if resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		page := decode[store.SubscriberPage](t, body)
		for _, s := range page.Subscribers {
			emails = append(emails, s.Email)
		}
		if page.NextCursor == "" {
			break
		}
		path = "/api/admin/subscribers?status=active&limit=2&cursor=" + page.NextCursor
	}
	if strings.Join(emails, " ") != "list0@example.org list1@example.org list2@example.org list3@example.org list4@example.org" {
		t.Fatalf("paged: %v", emails)
	}
	for query, want := range map[string]int{"country=tj": 6, "country=TJ&frequency=weekly": 1, "q=LIST3": 1, "status=pending": 1} {
		_, body := env.admin(t, "GET", "/api/admin/subscribers?"+query, "")
		if n := len(decode[store.SubscriberPage](t, body).Subscribers); n != want {
			t.Errorf("%s: %d, want %d", query, n, want)
		}
	}
	for query, field := range map[string]string{"status=gone": "status", "country=fr": "country", "frequency=hourly": "frequency",
		"limit=0": "limit", "limit=501": "limit", "limit=ten": "limit", "cursor=-1": "cursor", "cursor=abc": "cursor"} {
		resp, body := env.admin(t, "GET", "/api/admin/subscribers?"+query, "")
		if e := decode[apiErr](t, body); resp.StatusCode/100 != 4 || e.Error.Field != field {
			t.Errorf("%s: %d %s", query, resp.StatusCode, body)
		}
	}
}

func TestAdminSubscriberRecordAndErasure(t *testing.T) {
	env := newLeaveEnv(t)
	env.active(t, "me+news@example.org")
	resp, body := env.admin(t, "GET", "/api/admin/subscribers/Me+news%40Example.org", "")
	rec := decode[store.SubscriberRecord](t, body)
	if resp.StatusCode != 200 || rec.Subscriber.Email != "me+news@example.org" || rec.Subscriber.Consent.Method != "form" ||
		len(rec.Mails) != 2 || rec.Deliveries == nil { // confirmation and welcome
		t.Fatalf("record: %d %s", resp.StatusCode, body)
	}
	if resp, _ := env.admin(t, "GET", "/api/admin/subscribers/nobody@example.org", ""); resp.StatusCode != 404 {
		t.Fatalf("unknown: %d", resp.StatusCode)
	}
	if resp, body := env.admin(t, "GET", "/api/admin/subscribers/not-an-address", ""); resp.StatusCode != 422 ||
		decode[apiErr](t, body).Error.Field != "email" {
		t.Fatalf("bad address: %d %s", resp.StatusCode, body)
	}
	resp, body = env.admin(t, "DELETE", "/api/admin/subscribers/me+news@example.org", "")
	if resp.StatusCode != 200 || !strings.Contains(body, `"erased":true`) {
		t.Fatalf("erase: %d %s", resp.StatusCode, body)
	}
	if resp, _ := env.admin(t, "GET", "/api/admin/subscribers/me+news@example.org", ""); resp.StatusCode != 404 {
		t.Fatalf("after erasure: %d", resp.StatusCode)
	}
	// Erased, then imported again: not stored, not mailed.
	resp, body = env.do(t, "POST", "/api/admin/subscribers/import", "text/csv",
		strings.NewReader("email\nme+news@example.org\n"), map[string]string{"Authorization": "Bearer " + adminToken})
	if resp.StatusCode != 200 || !strings.Contains(body, `"reason":"suppressed"`) || !strings.Contains(body, `"imported":0`) {
		t.Fatalf("re-import: %d %s", resp.StatusCode, body)
	}
	if n, _ := env.store.QueuedMail(t.Context()); n != 0 {
		t.Fatalf("%d mails queued for an erased address", n)
	}
}

func TestAdminBouncesAndStats(t *testing.T) {
	env := newLeaveEnv(t)
	sub := env.active(t, "bouncy@example.org")
	for i, want := range []string{`"suppressed":false`, `"suppressed":false`, `"suppressed":true`} {
		resp, body := env.admin(t, "POST", "/api/admin/bounces", `{"email": "bouncy@example.org", "kind": "soft", "reason": "mailbox full"}`)
		if resp.StatusCode != 200 || !strings.Contains(body, want) {
			t.Fatalf("soft %d: %d %s", i+1, resp.StatusCode, body)
		}
	}
	if got := env.status(t, sub.ID); got.Status != store.StatusBounced {
		t.Fatalf("status %s", got.Status)
	}
	resp, body := env.admin(t, "POST", "/api/admin/bounces", `{"email": "unknown@example.org", "kind": "complaint"}`)
	if resp.StatusCode != 200 || !strings.Contains(body, `"known":false`) || !strings.Contains(body, `"suppressed":true`) {
		t.Fatalf("complaint: %d %s", resp.StatusCode, body)
	}
	resp, body = env.admin(t, "GET", "/api/admin/stats?days=3", "")
	st := decode[store.Stats](t, body)
	if resp.StatusCode != 200 || st.ByStatus["bounced"] != 1 || len(st.Days) != 3 || st.Days[2].Bounces != 4 ||
		st.Days[2].Signups != 1 || st.Days[2].Unsubscribes != 1 || st.Suppressed != 2 {
		t.Fatalf("stats: %d %s", resp.StatusCode, body)
	}
	if resp, body := env.admin(t, "GET", "/api/admin/stats?days=0", ""); resp.StatusCode != 400 || decode[apiErr](t, body).Error.Field != "days" {
		t.Fatalf("days=0: %d %s", resp.StatusCode, body)
	}
}
