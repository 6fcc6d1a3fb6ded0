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
	"time"

	"github.com/caravan-news/caravan/store"
)

// adminTokenKey is the setting that holds the SHA-256 of the generated admin
// token: the token itself is shown once and never stored.
const adminTokenKey = "admin_token_sha256"

// adminKeys checks admin tokens against CARAVAN_ADMIN_TOKEN, or else against
// the stored hash, read at each check so that a token issued by `caravan
// admin token` works at once on a running server and the old one stops.
type adminKeys struct {
	fixed *[sha256.Size]byte
	store *store.Store
}

func newAdminKeys(cfg *config, st *store.Store) adminKeys {
	if cfg.AdminToken == "" {
		return adminKeys{store: st}
	}
	sum := sha256.Sum256([]byte(cfg.AdminToken))
	return adminKeys{fixed: &sum}
}

// Check compares a presented token with the admin token in constant time.
func (k adminKeys) Check(token string) bool {
	want := k.fixed
	if want == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		stored, err := k.store.Setting(ctx, adminTokenKey)
		if err != nil {
			return false
		}
		b, err := hex.DecodeString(stored)
		if err != nil || len(b) != sha256.Size {
			return false
		}
		want = (*[sha256.Size]byte)(b)
	}
	sum := sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(sum[:], want[:]) == 1
}

// newAdminToken returns a fresh token and the hash that is stored of it.
func newAdminToken() (token, hash string) {
	token = "cvn_" + rand.Text() + rand.Text()
	sum := sha256.Sum256([]byte(token))
	return token, hex.EncodeToString(sum[:])
}

// announceAdminToken generates the admin token on the first start of a
// database with none configured, and prints it that one time. serve calls it
// once it listens, so that a start that fails never shows a token it loses.
func announceAdminToken(ctx context.Context, cfg *config, st *store.Store, stdout io.Writer) error {
	if cfg.AdminToken != "" {
		return nil
	}
	var token string
	_, created, err := st.EnsureSetting(ctx, adminTokenKey, func() (string, error) {
		var hash string
		token, hash = newAdminToken()
		return hash, nil
	})
	if err != nil {
		return err
	}
	if created {
		fmt.Fprintf(stdout, "Admin token (shown once, keep it): %s\n"+
			"Lost it? `caravan admin token` issues a new one; or set CARAVAN_ADMIN_TOKEN.\n", token)
	}
	return nil
}

// cmdAdminToken issues a new admin token, for an operator who lost it: the
// old one stops working at once, also on a running server.
func cmdAdminToken(ctx context.Context, env cmdEnv, args []string) error {
	cfg, err := parseConfig(newFlagSet("admin token"), args, env.getenv)
	if err != nil {
		return err
	}
	if cfg.AdminToken != "" {
		return errors.New("CARAVAN_ADMIN_TOKEN (--admin-token) is set: that value is the admin token; " +
			"to change it, change the variable and restart caravan serve")
	}
	st, err := store.Open(ctx, cfg.Database)
	if err != nil {
		return err
	}
	defer st.Close()
	token, hash := newAdminToken()
	if err := st.SetSetting(ctx, adminTokenKey, hash); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "New admin token (shown once, keep it): %s\n"+
		"The previous one no longer works; a running caravan serve accepts this one at once.\n", token)
	return nil
}
