package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/caravan-news/caravan/mailer/bounce"
	"github.com/caravan-news/caravan/store"
)

// Relays are the relays' own bounce webhooks; a nil one answers 503 with what to set.
type Relays struct {
	SNS      *bounce.SNS      // Amazon SES through SNS; needs no key
	Mailgun  *bounce.Mailgun  // CARAVAN_MAILGUN_SIGNING_KEY
	SendGrid *bounce.SendGrid // CARAVAN_SENDGRID_PUBLIC_KEY
}

// relayReader reads a relay's request into events, checking its signature.
type relayReader func(c echo.Context, body []byte) ([]bounce.Event, error)

// errRelayOff is the answer of a relay webhook whose key is not configured.
func errRelayOff(setting string) error {
	return echo.NewHTTPError(http.StatusServiceUnavailable, "this relay's webhook is not set up: set "+setting)
}

func postmarkEvents(_ echo.Context, body []byte) ([]bounce.Event, error) {
	return bounce.PostmarkEvents(body)
}

func (r Relays) mailgunEvents(_ echo.Context, body []byte) ([]bounce.Event, error) {
	if r.Mailgun == nil {
		return nil, errRelayOff("CARAVAN_MAILGUN_SIGNING_KEY")
	}
	return r.Mailgun.Events(body)
}

func (r Relays) sendgridEvents(c echo.Context, body []byte) ([]bounce.Event, error) {
	if r.SendGrid == nil {
		return nil, errRelayOff("CARAVAN_SENDGRID_PUBLIC_KEY")
	}
	h := c.Request().Header
	return r.SendGrid.Events(body, h.Get(bounce.SendGridSignatureHeader), h.Get(bounce.SendGridTimestampHeader))
}

// handleRelay records the events of one relay's webhook. Every event is read
// and checked before any is recorded: a bad signature (403) or body (400)
// changes nothing.
func handleRelay(log *slog.Logger, st bouncer, source string, read relayReader) echo.HandlerFunc {
	return func(c echo.Context) error {
		body, err := io.ReadAll(c.Request().Body)
		if err != nil {
			return bindError(err)
		}
		evs, err := read(c, body)
		if err != nil {
			return relayError(err)
		}
		return recordEvents(c, log, st, source, evs)
	}
}

// handleSES takes what Amazon SNS posts for an SES topic: it confirms the
// subscription, and records the bounces and complaints of notifications.
func handleSES(log *slog.Logger, st bouncer, sns *bounce.SNS) echo.HandlerFunc {
	return func(c echo.Context) error {
		if sns == nil {
			return errRelayOff("the SNS checker")
		}
		body, err := io.ReadAll(c.Request().Body)
		if err != nil {
			return bindError(err)
		}
		ctx := c.Request().Context()
		m, err := sns.Open(ctx, body)
		if err != nil {
			return relayError(err)
		}
		switch m.Type {
		case "SubscriptionConfirmation":
			if err := sns.Confirm(ctx, m); err != nil {
				return relayError(err)
			}
			log.Info("SNS subscription confirmed", "topic", m.TopicArn)
			return c.JSON(http.StatusOK, map[string]any{"confirmed": m.TopicArn})
		case "UnsubscribeConfirmation":
			log.Warn("SNS subscription ended: SES bounces no longer arrive", "topic", m.TopicArn)
			return c.JSON(http.StatusOK, map[string]any{"unsubscribed": m.TopicArn})
		}
		evs, err := bounce.SESEvents(m.Message)
		if err != nil {
			return relayError(err)
		}
		return recordEvents(c, log, st, "ses", evs)
	}
}

// recordEvents records checked events and answers with what each did.
func recordEvents(c echo.Context, log *slog.Logger, st bouncer, source string, evs []bounce.Event) error {
	type recorded struct {
		Email string `json:"email"`
		Kind  string `json:"kind"`
		store.BounceResult
	}
	out := []recorded{}
	ctx := c.Request().Context()
	for _, ev := range evs {
		email, err := emailOf(ev.Email, "email")
		if err != nil {
			log.Warn("relay event with an address that is not one, skipped", "source", source)
			continue
		}
		res, err := recordBounce(ctx, log, st, source, email, ev.Kind, ev.Reason)
		if err != nil {
			return err
		}
		out = append(out, recorded{email, ev.Kind, res})
	}
	return c.JSON(http.StatusOK, map[string]any{"recorded": out})
}

// relayError maps the bounce package's errors to statuses.
func relayError(err error) error {
	if he := (*echo.HTTPError)(nil); errors.As(err, &he) {
		return err
	}
	switch {
	case errors.Is(err, bounce.ErrSignature):
		return echo.NewHTTPError(http.StatusForbidden, err.Error())
	case errors.Is(err, bounce.ErrPayload):
		return echo.NewHTTPError(http.StatusBadRequest, err.Error())
	case errors.Is(err, context.Canceled):
		return err
	}
	// The certificate or the confirmation could not be fetched: SNS retries on 5xx.
	return echo.NewHTTPError(http.StatusBadGateway, fmt.Sprintf("could not reach the relay: %v", err))
}

// requireRelay lets in the admin token as a bearer token or as the password of
// basic auth, which relays put in the webhook URL (https://caravan:TOKEN@host/...).
func requireRelay(key AdminKey) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			auth := c.Request().Header.Get(echo.HeaderAuthorization)
			token, bearer := strings.CutPrefix(auth, "Bearer ")
			if !bearer {
				_, token, _ = c.Request().BasicAuth()
			}
			if token == "" || !key.Check(token) {
				c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Basic realm="caravan-relays"`)
				return echo.NewHTTPError(http.StatusUnauthorized, "missing or wrong admin token")
			}
			return next(c)
		}
	}
}
