package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/caravan-news/caravan/digest"
	"github.com/caravan-news/caravan/mailer"
	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/templates"
)

// parts are the pieces every command builds from the configuration, wired explicitly.
type parts struct {
	cfg      *config
	log      *slog.Logger
	store    *store.Store
	tpl      *templates.Set
	links    *store.Signer
	mail     mailer.Sender
	compose  *digest.Composer
	adminKey adminKey
}

// build opens the store and builds the mail pipeline. stdout receives the admin
// token on the first start of a new database, the one time it is shown.
func build(ctx context.Context, cfg *config, log *slog.Logger, stdout io.Writer) (*parts, error) {
	st, err := store.Open(ctx, cfg.Database)
	if err != nil {
		return nil, err
	}
	p := &parts{cfg: cfg, log: log, store: st}
	if err := p.init(ctx, stdout); err != nil {
		st.Close()
		return nil, err
	}
	return p, nil
}

func (p *parts) init(ctx context.Context, stdout io.Writer) error {
	secret := p.cfg.Secret
	if secret == "" {
		var err error
		if secret, _, err = p.store.EnsureSetting(ctx, "secret", randomText); err != nil {
			return err
		}
	}
	p.links = store.NewSigner(secret, p.store.Now)
	key, err := p.adminToken(ctx, stdout)
	if err != nil {
		return err
	}
	p.adminKey = key
	if p.tpl, err = templates.Load(); err != nil {
		return err
	}
	p.mail, err = mailer.New(mailer.Config{SMTPURL: p.cfg.SMTPURL, OutboxDir: p.cfg.Outbox, Workers: p.cfg.SendWorkers,
		DKIMKeyPEM: p.cfg.DKIMKey, DKIMSelector: p.cfg.DKIMSelector, DKIMDomain: p.cfg.DKIMDomain, Logger: p.log})
	if err != nil {
		return err
	}
	p.compose, err = digest.NewComposer(p.cfg.From, p.cfg.BaseURL, p.cfg.SiteName, p.cfg.Accent, p.cfg.Timezone, p.links, p.tpl)
	if err != nil {
		return err
	}
	p.compose.FeedbackID = p.cfg.FeedbackID
	return nil
}

// close releases the mail connections and the database.
func (p *parts) close() error {
	var err error
	if p.mail != nil {
		err = p.mail.Close()
	}
	return errors.Join(err, p.store.Close())
}

// adminKey is the SHA-256 of the admin token: only the hash is kept.
type adminKey [32]byte

// Check compares a presented token with the admin token in constant time.
func (k adminKey) Check(token string) bool {
	sum := sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(sum[:], k[:]) == 1
}

// adminToken returns the admin key: from CARAVAN_ADMIN_TOKEN, or generated on the
// first start, stored as a hash, and printed that one time.
func (p *parts) adminToken(ctx context.Context, stdout io.Writer) (adminKey, error) {
	if p.cfg.AdminToken != "" {
		return sha256.Sum256([]byte(p.cfg.AdminToken)), nil
	}
	var token string
	stored, created, err := p.store.EnsureSetting(ctx, "admin_token_sha256", func() (string, error) {
		token = "cvn_" + rand.Text()
		sum := sha256.Sum256([]byte(token))
		return hex.EncodeToString(sum[:]), nil
	})
	if err != nil {
		return adminKey{}, err
	}
	if created {
		fmt.Fprintf(stdout, "Admin token (shown once, keep it): %s\n", token)
	}
	var k adminKey
	if b, err := hex.DecodeString(stored); err != nil || len(b) != len(k) {
		return adminKey{}, fmt.Errorf("stored admin token hash is damaged")
	} else {
		copy(k[:], b)
	}
	return k, nil
}

func randomText() (string, error) { return rand.Text() + rand.Text(), nil }
