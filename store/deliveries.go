package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Delivery statuses: one per run and subscriber, in the ledger.
const (
	DeliverySent       = "sent"
	DeliveryEmpty      = "empty"       // nothing new: no mail
	DeliveryFailedTemp = "failed_temp" // retried by a resumed run, else left for the next one
	DeliveryFailedPerm = "failed_perm" // refused for good: a bounce when Delivery.Bounce says so
	DeliveryWithheld   = "withheld"    // not sent: the reader left, or the address was suppressed, during the run
)

// Delivery is the outcome of one run for one subscriber.
type Delivery struct {
	SubscriberID int64
	Status       string
	MessageID    string // of the mail sent, if one was
	Articles     int    // articles in the digest, including those counted in "and N more"
	Attempts     int
	Error        string // the last SMTP error, for failures
	Bounce       bool   // failed_perm because the mailbox does not exist or is disabled: the address is suppressed
}

// DigestFrom is when the subscriber's next digest starts: articles that
// arrived from then on are new to them. It is their previous digest's cutoff,
// else their confirmation.
func (sub Subscriber) DigestFrom() time.Time {
	switch {
	case !sub.DigestSince.IsZero():
		return sub.DigestSince
	case !sub.ConfirmedAt.IsZero():
		return sub.ConfirmedAt
	}
	return sub.CreatedAt
}

// DueSubscribers returns, in id order, up to limit subscribers with id above
// afterID that run still owes a digest: active, of the run's frequency,
// subscribed by its cutoff, and with no ledger entry for it but a temporary
// failure. Callers page through with the last id they got, so the list is never
// loaded whole.
func (s *Store) DueSubscribers(ctx context.Context, run Run, afterID int64, limit int) ([]Subscriber, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+subscriberColumns+` FROM subscribers s
		WHERE s.status = 'active' AND s.frequency = ? AND s.id > ?
		  AND COALESCE(s.confirmed_at, s.created_at) < ?
		  AND NOT EXISTS (SELECT 1 FROM deliveries d
			WHERE d.run_id = ? AND d.subscriber_id = s.id AND d.status <> 'failed_temp')
		ORDER BY s.id LIMIT ?`, run.Frequency, afterID, run.Cutoff.UnixMilli(), run.ID, limit)
	if err != nil {
		return nil, fmt.Errorf("due subscribers of run %d: %w", run.ID, err)
	}
	defer rows.Close()
	var out []Subscriber
	for rows.Next() {
		sub, err := scanSubscriber(rows)
		if err != nil {
			return nil, fmt.Errorf("due subscribers of run %d: %w", run.ID, err)
		}
		out = append(out, sub)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("due subscribers of run %d: %w", run.ID, err)
	}
	return out, nil
}

// The statements of Mailable take their ids as one JSON array, so that each
// has one text whatever the batch, prepared once (see hotReads). On SQLite
// the CROSS JOIN keeps the array as the outer loop: a lookup by primary key
// per id, where IN (SELECT ...) would scan the whole table.
const (
	mailableSQLite = `SELECT s.id, s.email_key FROM json_each(?) AS j CROSS JOIN subscribers AS s
		ON s.id = j.value WHERE s.status = 'active'`
	mailablePostgres = `SELECT s.id, s.email_key FROM json_array_elements_text(?::json) AS j (v)
		JOIN subscribers s ON s.id = j.v::bigint WHERE s.status = 'active'`
	suppressedSQLite   = `SELECT x.hash FROM json_each(?) AS j CROSS JOIN suppressions AS x ON x.hash = j.value`
	suppressedPostgres = `SELECT x.hash FROM json_array_elements_text(?::json) AS j (v) JOIN suppressions x ON x.hash = j.v`
)

// Mailable tells, of the subscribers with ids, which may be sent a digest
// right now: still there, active, and with an address not suppressed. The
// sending loop asks just before each send, so that a reader who leaves
// during a run gets nothing from it once their departure is committed.
func (s *Store) Mailable(ctx context.Context, ids []int64) (map[int64]bool, error) {
	mailable, suppressed := mailableSQLite, suppressedSQLite
	if s.pg {
		mailable, suppressed = mailablePostgres, suppressedPostgres
	}
	idList, err := json.Marshal(ids)
	if err != nil {
		return nil, fmt.Errorf("mailable subscribers: %w", err)
	}
	out := make(map[int64]bool, len(ids))
	byHash := map[string][]int64{}
	rows, err := s.query(ctx, mailable, string(idList))
	if err != nil {
		return nil, fmt.Errorf("mailable subscribers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var key string
		if err := rows.Scan(&id, &key); err != nil {
			return nil, fmt.Errorf("mailable subscribers: %w", err)
		}
		out[id] = true
		h, err := s.suppressionHash(ctx, s.r, key)
		if err != nil {
			return nil, err
		}
		byHash[h] = append(byHash[h], id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("mailable subscribers: %w", err)
	}
	rows.Close()
	if len(byHash) == 0 {
		return out, nil
	}
	hashes := make([]string, 0, len(byHash))
	for h := range byHash {
		hashes = append(hashes, h)
	}
	hashList, err := json.Marshal(hashes)
	if err != nil {
		return nil, fmt.Errorf("mailable subscribers: %w", err)
	}
	srows, err := s.query(ctx, suppressed, string(hashList))
	if err != nil {
		return nil, fmt.Errorf("mailable subscribers: suppressions: %w", err)
	}
	defer srows.Close()
	for srows.Next() {
		var h string
		if err := srows.Scan(&h); err != nil {
			return nil, fmt.Errorf("mailable subscribers: suppressions: %w", err)
		}
		for _, id := range byHash[h] {
			out[id] = false
		}
	}
	if err := srows.Err(); err != nil {
		return nil, fmt.Errorf("mailable subscribers: suppressions: %w", err)
	}
	return out, nil
}

// DigestArticles returns the articles that arrived from from (included) until
// until (excluded), newest published first: the window a run or a preview
// picks from. Half-open windows chain without gap or overlap: an article
// arriving in the very millisecond a run starts belongs to the next run.
func (s *Store) DigestArticles(ctx context.Context, from, until time.Time) ([]Article, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+articleColumns+`
		FROM articles WHERE arrived_at >= ? AND arrived_at < ?
		ORDER BY published_at DESC, id DESC`, from.UnixMilli(), until.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("digest articles: %w", err)
	}
	defer rows.Close()
	var out []Article
	for rows.Next() {
		a, err := scanArticle(rows)
		if err != nil {
			return nil, fmt.Errorf("digest articles: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("digest articles: %w", err)
	}
	return out, nil
}
