package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/store/storetest"
)

// receiver is an HTTP endpoint on loopback that checks each delivery the way
// the README tells receivers to, written apart from Sign.
type receiver struct {
	secret []byte
	mu     sync.Mutex
	fail   int // answer 500 to this many deliveries first
	got    []delivery
}

type delivery struct {
	id, typ string
	valid   bool
	body    map[string]any
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	id, ts := req.Header.Get("webhook-id"), req.Header.Get("webhook-timestamp")
	mac := hmac.New(sha256.New, r.secret)
	mac.Write([]byte(id + "." + ts + "." + string(body)))
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	valid := false
	for _, sig := range strings.Fields(req.Header.Get("webhook-signature")) {
		valid = valid || hmac.Equal([]byte(sig), []byte(want))
	}
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	r.mu.Lock()
	defer r.mu.Unlock()
	typ, _ := m["type"].(string)
	r.got = append(r.got, delivery{id: id, typ: typ, valid: valid, body: m})
	if r.fail > 0 {
		r.fail--
		http.Error(w, "down", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func setup(t *testing.T, fail int) (*store.Store, *storetest.Clock, *receiver, *Sender) {
	t.Helper()
	c := storetest.NewClock(time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC))
	st := storetest.Open(t, store.WithClock(c.Now))
	if err := st.SetSetting(context.Background(), store.SettingWebhooks, "on"); err != nil {
		t.Fatal(err)
	}
	secret, err := ParseSecret("whsec_" + base64.StdEncoding.EncodeToString([]byte("a secret of thirty-two bytes !!!")))
	if err != nil {
		t.Fatal(err)
	}
	r := &receiver{secret: secret, fail: fail}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return st, c, r, &Sender{URL: srv.URL, Secret: secret, Queue: st, Log: slog.New(slog.DiscardHandler), Now: c.Now, Backoff: time.Minute}
}

func TestDeliverSigned(t *testing.T) {
	st, _, r, s := setup(t, 0)
	ctx := context.Background()
	sub := store.WebhookSubscriber{ID: 7, Email: "ana@example.org", Status: "active", Frequency: "daily", Locale: "fr"}
	for _, typ := range []string{store.WebhookConfirmed, store.WebhookErased} {
		if err := st.EnqueueWebhook(ctx, typ, sub); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.Flush(ctx); err != nil || n != 2 {
		t.Fatalf("flush: %d %v", n, err)
	}
	if len(r.got) != 2 || !r.got[0].valid || !r.got[1].valid || r.got[0].typ != store.WebhookConfirmed {
		t.Fatalf("received %+v", r.got)
	}
	data := r.got[0].body["data"].(map[string]any)["subscriber"].(map[string]any)
	if data["email"] != "ana@example.org" || data["id"] != float64(7) {
		t.Fatalf("confirmed data %v", data)
	}
	erased := r.got[1].body["data"].(map[string]any)["subscriber"].(map[string]any)
	if len(erased) != 1 || erased["id"] != float64(7) {
		t.Fatalf("erased carries %v, want the id only", erased)
	}
	list, err := st.ListWebhooks(ctx, "delivered", 10)
	if err != nil || len(list) != 2 || list[0].Attempts != 1 || list[0].DeliveredAt.IsZero() {
		t.Fatalf("delivery state %+v %v", list, err)
	}
	if n, _ := s.Flush(ctx); n != 0 || len(r.got) != 2 {
		t.Fatalf("delivered twice: %d %d", n, len(r.got))
	}
}

func TestRetryWithTheSameIDThenGiveUp(t *testing.T) {
	st, c, r, s := setup(t, 3)
	ctx := context.Background()
	if err := st.EnqueueWebhook(ctx, store.WebhookUnsubscribed, store.WebhookSubscriber{ID: 1, Email: "a@example.org"}); err != nil {
		t.Fatal(err)
	}
	for i, wait := range []time.Duration{0, time.Minute, 2 * time.Minute, 4 * time.Minute} {
		c.Add(wait)
		if _, err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if len(r.got) != i+1 {
			t.Fatalf("after %d flushes the receiver saw %d deliveries", i+1, len(r.got))
		}
	}
	if s.Flush(ctx); len(r.got) != 4 {
		t.Fatal("retried before its time")
	}
	if r.got[0].id != r.got[3].id || !strings.HasPrefix(r.got[0].id, "msg_") {
		t.Fatalf("ids %q and %q", r.got[0].id, r.got[3].id)
	}
	if list, _ := st.ListWebhooks(ctx, "delivered", 10); len(list) != 1 || list[0].Attempts != 4 {
		t.Fatalf("state %+v", list)
	}

	// A receiver down for a day: the event is given up, and says why.
	r.fail = 1000
	if err := st.EnqueueWebhook(ctx, store.WebhookBounced, store.WebhookSubscriber{ID: 2}); err != nil {
		t.Fatal(err)
	}
	for range 40 {
		s.Flush(ctx)
		c.Add(time.Hour)
	}
	failed, err := st.ListWebhooks(ctx, "failed", 10)
	if err != nil || len(failed) != 1 || !strings.Contains(failed[0].LastError, "500") {
		t.Fatalf("given up: %+v %v", failed, err)
	}
	if attempts := failed[0].Attempts; attempts < 20 || attempts > 30 {
		t.Fatalf("%d attempts in a day", attempts)
	}
}

func TestParseSecret(t *testing.T) {
	if _, err := ParseSecret("whsec_not base64!"); err == nil {
		t.Error("bad whsec_ accepted")
	}
	if _, err := ParseSecret("short"); err == nil {
		t.Error("short secret accepted")
	}
	key, err := ParseSecret("whsec_" + base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef")))
	if err != nil || string(key) != "0123456789abcdef0123456789abcdef" {
		t.Fatalf("%q %v", key, err)
	}
	// The example of the Standard Webhooks specification.
	spec, err := ParseSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		t.Fatal(err)
	}
	const want = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
	if got := Sign(spec, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, []byte(`{"test": 2432232314}`)); got != want {
		t.Fatalf("signature %q, want %q", got, want)
	}
}
