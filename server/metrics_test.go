package server_test

import (
	"strings"
	"testing"

	"github.com/caravan-news/caravan/store"
)

func TestMetricsCountFromTheStore(t *testing.T) {
	env := newLeaveEnv(t)
	sub := env.active(t, "counted@example.org")
	env.do(t, "POST", "/unsubscribe/"+env.links.Make(store.PurposeUnsubscribe, sub.ID, 0),
		"application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"), nil)
	env.admin(t, "POST", "/api/admin/unsubscribe", `{"email": "phoned@example.org"}`)
	env.admin(t, "POST", "/api/admin/bounces", `{"email": "x@example.org", "kind": "hard"}`)
	resp, body := env.do(t, "GET", "/metrics", "", nil, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	for _, line := range []string{
		"caravan_signups_total 1",
		"caravan_confirmations_total 1",
		`caravan_unsubscribes_total{channel="one-click"} 1`,
		`caravan_unsubscribes_total{channel="admin"} 0`, // the address was not on the list
		`caravan_unsubscribes_total{channel="link"} 0`,
		`caravan_bounce_reports_total{kind="hard"} 1`,
		`caravan_subscribers{status="unsubscribed"} 1`,
		`caravan_messages_total{kind="digest",result="sent"} 0`,
		`caravan_messages_total{kind="confirm",result="failed"} 0`,
		"caravan_feed_poll_errors_total 0",
		"caravan_outbox_queued 0",
		`caravan_day_complaints{day="today"} 0`,
		`caravan_day_sent{day="yesterday"} 0`,
		`caravan_complaint_rate{day="today"} 0`,
		"go_goroutines ",
	} {
		if !strings.Contains(body, "\n"+line) {
			t.Errorf("no %q in /metrics", line)
		}
	}
}
