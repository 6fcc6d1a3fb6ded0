package main

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wneessen/go-mail/smtp"
)

// blast is the physical ceiling the digest run is compared with: msg, one
// message already in wire form, sent n times to the SMTP server at smtpURL
// over conns connections with plain SMTP (MAIL, RCPT, DATA; no message
// building, no database), as fast as the server takes it.
func blast(ctx context.Context, smtpURL string, msg []byte, n, conns int) (time.Duration, error) {
	u, err := url.Parse(smtpURL)
	if err != nil {
		return 0, err
	}
	clients := make([]*smtp.Client, conns)
	for i := range clients {
		c, err := smtp.Dial(u.Host)
		if err == nil {
			err = c.Hello("localhost")
		}
		if err != nil {
			return 0, fmt.Errorf("baseline: %w", err)
		}
		defer c.Quit()
		clients[i] = c
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, conns)
	start := time.Now()
	for i, c := range clients {
		wg.Go(func() {
			for ctx.Err() == nil && next.Add(1) <= int64(n) {
				if err := sendRaw(c, msg); err != nil {
					errs[i] = err
					return
				}
			}
		})
	}
	wg.Wait()
	took := time.Since(start)
	for _, err := range errs {
		if err != nil {
			return took, fmt.Errorf("baseline: %w", err)
		}
	}
	return took, ctx.Err()
}

func sendRaw(c *smtp.Client, msg []byte) error {
	if err := c.Mail("newsletter@bench.example.org"); err != nil {
		return err
	}
	if err := c.Rcpt("reader@bench.example.org"); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	return w.Close()
}

// sizedLike returns sample cut or padded to size bytes, ending in CRLF. The
// padding is lines of 76 characters, like a quoted-printable body.
func sizedLike(sample []byte, size int) []byte {
	line := append(bytes.Repeat([]byte("x"), 76), '\r', '\n')
	out := make([]byte, 0, size+len(line))
	out = append(out, sample[:min(len(sample), size)]...)
	for len(out) < size {
		out = append(out, line...)
	}
	out = out[:size]
	if size >= 2 {
		out[size-2], out[size-1] = '\r', '\n'
	}
	return out
}
