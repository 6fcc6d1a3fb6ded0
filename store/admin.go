package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Page sizes of the admin list.
const (
	DefaultPageSize = 100
	MaxPageSize     = 500
)

// Statuses lists the subscriber statuses, for validating filters.
var Statuses = []string{StatusPending, StatusActive, StatusUnsubscribed, StatusBounced}

// SubscriberFilter selects subscribers for the admin list; zero fields match everyone.
type SubscriberFilter struct {
	Status    string
	Country   string // who gets this country's news: those who chose it, and those who chose none (all)
	Frequency string
	Query     string // part of the address, in any case
	After     int64  // the cursor: only ids above it
	Limit     int    // 1 to MaxPageSize; 0 means DefaultPageSize
}

// SubscriberPage is one page of the admin list, in id order. NextCursor is empty on the last page.
type SubscriberPage struct {
	Subscribers []Subscriber `json:"subscribers"`
	NextCursor  string       `json:"next_cursor,omitempty"`
}

// ListSubscribers returns the subscribers matching f, oldest first. The order is
// by id, which never changes, so that paging while people sign up neither skips
// nor repeats anyone.
func (s *Store) ListSubscribers(ctx context.Context, f SubscriberFilter) (SubscriberPage, error) {
	if err := f.check(); err != nil {
		return SubscriberPage{}, fmt.Errorf("list subscribers: %w", err)
	}
	where, args := []string{"id > ?"}, []any{f.After}
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, f.Status)
	}
	if f.Country != "" {
		where, args = append(where, "(countries = '' OR ',' || countries || ',' LIKE ?)"), append(args, "%,"+f.Country+",%")
	}
	if f.Frequency != "" {
		where, args = append(where, "frequency = ?"), append(args, f.Frequency)
	}
	if f.Query != "" {
		where, args = append(where, `email_key LIKE ? ESCAPE '\'`), append(args, "%"+escapeLike(strings.ToLower(f.Query))+"%")
	}
	limit := f.Limit
	if limit == 0 {
		limit = DefaultPageSize
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+subscriberColumns+` FROM subscribers WHERE `+
		strings.Join(where, " AND ")+` ORDER BY id LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return SubscriberPage{}, fmt.Errorf("list subscribers: %w", err)
	}
	defer rows.Close()
	page := SubscriberPage{Subscribers: []Subscriber{}}
	for rows.Next() {
		sub, err := scanSubscriber(rows)
		if err != nil {
			return SubscriberPage{}, fmt.Errorf("list subscribers: %w", err)
		}
		page.Subscribers = append(page.Subscribers, sub)
	}
	if err := rows.Err(); err != nil {
		return SubscriberPage{}, fmt.Errorf("list subscribers: %w", err)
	}
	if len(page.Subscribers) > limit {
		page.Subscribers = page.Subscribers[:limit]
		page.NextCursor = strconv.FormatInt(page.Subscribers[limit-1].ID, 10)
	}
	return page, nil
}

func (f SubscriberFilter) check() error {
	switch {
	case f.Status != "" && !slices.Contains(Statuses, f.Status):
		return fmt.Errorf("%w: status must be pending, active, unsubscribed or bounced", ErrInvalid)
	case f.Country != "" && !slices.Contains(Countries, f.Country):
		return ErrCountry
	case f.Frequency != "" && !slices.Contains(Frequencies, f.Frequency):
		return ErrFrequency
	case f.Limit < 0 || f.Limit > MaxPageSize:
		return fmt.Errorf("%w: limit must be between 1 and %d", ErrInvalid, MaxPageSize)
	case f.After < 0:
		return fmt.Errorf("%w: cursor must be a value from next_cursor", ErrInvalid)
	}
	return nil
}

// escapeLike makes % and _ match themselves in a LIKE pattern with ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Erase deletes everything Caravan holds about the address: the subscriber row
// and, through ON DELETE CASCADE, their deliveries and queued mail. Only a salted
// hash stays, in the suppression list, so that no signup or import ever mails it
// again, and in the audit log, in place of the address. An address that is not on the list is suppressed all the same; found
// tells whether there was anything to delete. The daily counters, which name no
// one, are kept.
func (s *Store) Erase(ctx context.Context, email string) (found bool, err error) {
	key := EmailKey(email)
	err = s.write(ctx, func(tx *sql.Tx) error {
		if err := s.suppress(ctx, tx, key, "erased", 0); err != nil {
			return err
		}
		if err := s.hashAudit(ctx, tx, key); err != nil {
			return err
		}
		var id int64
		err := tx.QueryRowContext(ctx, `DELETE FROM subscribers WHERE email_key = ? RETURNING id`, key).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		found = true
		if err := enqueueWebhook(ctx, tx, s.now(), WebhookErased, WebhookSubscriber{ID: id}); err != nil {
			return err
		}
		return bump(ctx, tx, s.now(), "erase")
	})
	if err != nil {
		return false, fmt.Errorf("erase subscriber: %w", err)
	}
	return found, nil
}
