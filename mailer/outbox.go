package mailer

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wneessen/go-mail"
)

// Outbox writes each message as an .eml file instead of sending it, for development
// and tests. A file holds exactly the bytes SMTP would carry in DATA, DKIM signature
// included, and appears whole or not at all.
type Outbox struct {
	dir    string
	signer *mail.DKIMSigner
	log    *slog.Logger
}

// NewOutbox returns an outbox writing into cfg.OutboxDir, which it creates if missing.
func NewOutbox(cfg Config) (*Outbox, error) {
	cfg = cfg.withDefaults()
	if cfg.OutboxDir == "" {
		return nil, errors.New("outbox: no folder configured (set the outbox dir, or an SMTP URL)")
	}
	if err := os.MkdirAll(cfg.OutboxDir, 0o750); err != nil {
		return nil, fmt.Errorf("outbox: create folder: %w", err)
	}
	signer, err := newDKIMSigner(cfg)
	if err != nil {
		return nil, err
	}
	return &Outbox{
		dir:    cfg.OutboxDir,
		signer: signer,
		log:    cfg.Logger.With(slog.String("outbox_dir", cfg.OutboxDir)),
	}, nil
}

// Send writes m to a new file in the outbox folder. Like SMTP it needs a sender and
// at least one recipient.
func (o *Outbox) Send(ctx context.Context, m *mail.Msg) error {
	if m == nil {
		return errors.New("outbox send: nil message")
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("outbox send: %w", err)
	}
	if _, err := m.GetSender(false); err != nil {
		return fmt.Errorf("outbox send: %w", err)
	}
	rcpts, err := m.GetRecipients()
	if err != nil {
		return fmt.Errorf("outbox send: %w", err)
	}
	if o.signer != nil {
		m.SetDKIM(o.signer)
	}
	name := fileName(time.Now(), rcpts[0])
	if err := o.write(name, m); err != nil {
		return fmt.Errorf("outbox send: %w", err)
	}
	o.log.DebugContext(ctx, "outbox message written", slog.String("file", name))
	return nil
}

// write stores m under name atomically: into a temporary file in the same folder,
// synced, then renamed, so a reader never sees half a message.
func (o *Outbox) write(name string, m *mail.Msg) (err error) {
	tmp, err := os.CreateTemp(o.dir, ".caravan-*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	w := bufio.NewWriter(tmp)
	if _, err = m.WriteTo(w); err != nil {
		return fmt.Errorf("render message: %w", err)
	}
	if err = w.Flush(); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), filepath.Join(o.dir, name)); err != nil {
		return err
	}
	return syncDir(o.dir)
}

// syncDir makes a rename inside dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Close does nothing; an Outbox holds no resources.
func (o *Outbox) Close() error {
	return nil
}

// fileName is sortable by time and unique: a UTC timestamp to the nanosecond, the
// recipient reduced to safe characters, and random letters.
func fileName(now time.Time, rcpt string) string {
	stamp := now.UTC().Format("20060102T150405.000000000Z")
	return stamp + "-" + sanitize(rcpt) + "-" + rand.Text()[:10] + ".eml"
}

// sanitize lowercases s and replaces every byte outside [a-z0-9._@-] with '_', so a
// recipient can never name a path; it also caps the length.
func sanitize(s string) string {
	s = strings.ToLower(strings.Trim(s, "<>"))
	var b strings.Builder
	for i := 0; i < len(s) && b.Len() < 64; i++ {
		switch c := s[i]; {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '.', c == '_', c == '@', c == '-':
			b.WriteByte(c)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "unknown"
	}
	return b.String()
}
