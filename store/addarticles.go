package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// Rejected is one article refused, by its position in the request.
type Rejected struct {
	Index  int    `json:"index"`
	Reason string `json:"reason"`
}

// AddResult tells what AddArticles did with each item.
type AddResult struct {
	Added    int        `json:"added"`
	Updated  int        `json:"updated"`
	Rejected []Rejected `json:"rejected"`
}

// DecodeArticles reads one article object or an array of them, refusing unknown fields.
func DecodeArticles(body []byte) ([]ArticleInput, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] != '[' {
		trimmed = append(append([]byte{'['}, trimmed...), ']')
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	var items []ArticleInput
	if err := dec.Decode(&items); err != nil {
		return nil, fmt.Errorf("%w: articles JSON: %s", ErrInvalid, strings.TrimPrefix(err.Error(), "json: "))
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("%w: no articles given", ErrInvalid)
	}
	return items, nil
}

// AddArticles validates each item on its own, stores the good ones in one
// transaction, and reports the bad ones by index: one bad article does not
// cost the others.
func (s *Store) AddArticles(ctx context.Context, items []ArticleInput) (AddResult, error) {
	res := AddResult{Rejected: []Rejected{}}
	good := make([]ArticleInput, 0, len(items))
	for i, in := range items {
		if err := in.Normalize(); err != nil {
			res.Rejected = append(res.Rejected, Rejected{Index: i, Reason: strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": ")})
			continue
		}
		good = append(good, in)
	}
	if len(good) == 0 {
		return res, nil
	}
	var err error
	res.Added, res.Updated, err = s.UpsertArticles(ctx, 0, good)
	return res, err
}
