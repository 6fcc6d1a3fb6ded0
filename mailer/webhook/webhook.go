// Package webhook POSTs Caravan's subscriber events to the operator's URL,
// signed the Standard Webhooks way: headers webhook-id, webhook-timestamp and
// webhook-signature ("v1," and the base64 HMAC-SHA256 of id.timestamp.body).
// Events come from the store's durable queue and are retried with backoff
// for store.WebhookMaxAge: delivered at least once, with the same id each time.
//
// The package imports only the ground floor (store).
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/caravan-news/caravan/store"
)

// Queue is what the sender needs of the store.
type Queue interface {
	DueWebhooks(ctx context.Context, limit int) ([]store.WebhookEvent, error)
	WebhookDelivered(ctx context.Context, id int64) error
	WebhookFailed(ctx context.Context, id int64, cause string, retryAt time.Time) error
}

// ParseSecret reads CARAVAN_WEBHOOK_SECRET: "whsec_" followed by base64, as
// Standard Webhooks libraries print it, or any other text used as it is.
func ParseSecret(s string) ([]byte, error) {
	if b64, ok := strings.CutPrefix(s, "whsec_"); ok {
		key, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return nil, errors.New("webhook secret: whsec_ must be followed by base64")
		}
		return key, nil
	}
	if len(s) < 24 {
		return nil, errors.New("webhook secret: want at least 24 characters, or whsec_<base64>")
	}
	return []byte(s), nil
}

// Sign returns the webhook-signature of one delivery.
func Sign(secret []byte, id string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	fmt.Fprintf(mac, "%s.%d.", id, timestamp)
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Sender delivers queued events to URL.
type Sender struct {
	URL    string
	Secret []byte
	Queue  Queue
	Client *http.Client // a 10-second timeout when nil
	Log    *slog.Logger
	Now    func() time.Time // time.Now when nil
	// Backoff is the wait after the first failed attempt, doubled after each
	// (30s when zero), at most an hour.
	Backoff time.Duration
}

// Run delivers due events every few seconds until ctx ends.
func (s *Sender) Run(ctx context.Context) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		if _, err := s.Flush(ctx); err != nil && ctx.Err() == nil {
			s.Log.Error("webhooks", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Flush delivers the events due now and returns how many the receiver took.
func (s *Sender) Flush(ctx context.Context) (int, error) {
	delivered := 0
	for {
		due, err := s.Queue.DueWebhooks(ctx, 100)
		if err != nil || len(due) == 0 {
			return delivered, err
		}
		for _, e := range due {
			ok, err := s.attempt(ctx, e)
			if err != nil {
				return delivered, err
			}
			if ok {
				delivered++
			}
		}
		if len(due) < 100 {
			return delivered, nil
		}
	}
}

// attempt POSTs one event and records the outcome; only a store failure is
// returned. A failed event is rescheduled later than now, so a Flush ends.
func (s *Sender) attempt(ctx context.Context, e store.WebhookEvent) (bool, error) {
	err := s.post(ctx, e)
	if err == nil {
		return true, s.Queue.WebhookDelivered(ctx, e.ID)
	}
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	now := s.now()
	retry := now.Add(s.backoff(e.Attempts))
	if retry.Sub(e.CreatedAt) > store.WebhookMaxAge {
		retry = time.Time{}
		s.Log.Warn("webhook given up after a day of failures", "event", e.Type, "webhook_id", e.EventID, "err", err)
	} else {
		s.Log.Info("webhook failed, will retry", "event", e.Type, "webhook_id", e.EventID, "retry_at", retry, "err", err)
	}
	return false, s.Queue.WebhookFailed(ctx, e.ID, err.Error(), retry)
}

func (s *Sender) post(ctx context.Context, e store.WebhookEvent) error {
	ts := s.now().Unix()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(e.Payload))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Caravan-Webhooks")
	req.Header.Set("webhook-id", e.EventID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("webhook-signature", Sign(s.Secret, e.EventID, ts, e.Payload))
	client := s.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("the receiver answered %s", resp.Status)
	}
	return nil
}

func (s *Sender) backoff(attempts int) time.Duration {
	d := s.Backoff
	if d <= 0 {
		d = 30 * time.Second
	}
	for range attempts {
		if d *= 2; d >= time.Hour {
			return time.Hour
		}
	}
	return d
}

func (s *Sender) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}
