package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// webhookTypes are the webhook events of consent events; an import is
// pending or confirmed depending on how the subscriber was imported.
var webhookTypes = map[string]string{
	EventSignup:      WebhookPending,
	EventConfirm:     WebhookConfirmed,
	EventResubscribe: WebhookConfirmed,
	EventPreferences: WebhookUpdated,
	EventReconsent:   WebhookUpdated,
	EventUnsubscribe: WebhookUnsubscribed,
	EventBounce:      WebhookBounced,
	EventComplaint:   WebhookComplained,
}

// queueWebhook queues the webhook event of consent event e of subscriber id,
// in tx: recordEvent calls it for every change, so this is the one place
// where changes become webhook events.
func queueWebhook(ctx context.Context, tx sqlTx, id int64, e ConsentEvent) error {
	if on, err := webhooksOn(ctx, tx); err != nil || !on {
		return err
	}
	var sub WebhookSubscriber
	var countries string
	err := tx.QueryRowContext(ctx, `SELECT id, email, status, countries, frequency, locale FROM subscribers WHERE id = ?`, id).
		Scan(&sub.ID, &sub.Email, &sub.Status, &countries, &sub.Frequency, &sub.Locale)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // not a subscriber (yet): nothing to report
	}
	if err != nil {
		return fmt.Errorf("webhook of %s: %w", e.Event, err)
	}
	sub.Countries = splitCodes(countries)
	typ := webhookTypes[e.Event]
	switch {
	case e.Event == EventSignup && sub.Status != StatusPending:
		return nil // a reader on the list asked for a change: reported once confirmed
	case e.Event == EventImport:
		typ = WebhookPending
		if sub.Status == StatusActive {
			typ = WebhookConfirmed
		}
	}
	if typ == "" {
		return nil
	}
	return enqueueWebhook(ctx, tx, e.At, typ, sub)
}
