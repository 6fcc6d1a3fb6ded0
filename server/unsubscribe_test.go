package server_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/caravan-news/caravan/store"
)

func TestUnsubscribePageChangesNothing(t *testing.T) {
	env := newLeaveEnv(t)
	sub := env.active(t, "ana@example.org")
	token := env.links.Make(store.PurposeUnsubscribe, sub.ID, 0)
	resp, body := env.do(t, "GET", "/unsubscribe/"+token, "", nil, nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `action="/unsubscribe/`+token+`"`) || !strings.Contains(body, "/preferences/") {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if got := env.status(t, sub.ID); got.Status != store.StatusActive {
		t.Fatalf("a GET unsubscribed: %s", got.Status)
	}
}

// oneClickBodies are the ways RFC 8058 mail clients send the one-click POST.
func oneClickBodies(t *testing.T) map[string]func() (string, *bytes.Buffer) {
	return map[string]func() (string, *bytes.Buffer){
		"url-encoded": func() (string, *bytes.Buffer) {
			return "application/x-www-form-urlencoded", bytes.NewBufferString("List-Unsubscribe=One-Click")
		},
		"multipart": func() (string, *bytes.Buffer) {
			var b bytes.Buffer
			w := multipart.NewWriter(&b)
			w.WriteField("List-Unsubscribe", "One-Click")
			w.Close()
			return w.FormDataContentType(), &b
		},
		"no content type": func() (string, *bytes.Buffer) { return "", bytes.NewBufferString("List-Unsubscribe=One-Click") },
	}
}

// TestOneClickUnsubscribeCrossSite posts as a mail client does: from another
// site, with no cookie, no page, no CSRF token. The answer is 200, never a
// redirect, and so is the second time.
func TestOneClickUnsubscribeCrossSite(t *testing.T) {
	for name, body := range oneClickBodies(t) {
		t.Run(name, func(t *testing.T) {
			env := newLeaveEnv(t)
			sub := env.active(t, "one@example.org")
			path := "/unsubscribe/" + env.links.Make(store.PurposeUnsubscribe, sub.ID, 0)
			for i := range 2 {
				ct, b := body()
				resp, page := env.do(t, "POST", path, ct, b, map[string]string{
					"Origin": "https://mail.example.net", "Sec-Fetch-Site": "cross-site"})
				if resp.StatusCode != http.StatusOK || resp.Header.Get("Location") != "" {
					t.Fatalf("post %d: %d %s", i+1, resp.StatusCode, page)
				}
				if !strings.Contains(page, "unsubscribed") || !strings.Contains(page, "/resubscribe") {
					t.Fatalf("post %d: page does not say so or offer to come back: %s", i+1, page)
				}
			}
			got := env.status(t, sub.ID)
			if got.Status != store.StatusUnsubscribed || got.UnsubscribeChannel != store.ChannelOneClick {
				t.Fatalf("%s / %s", got.Status, got.UnsubscribeChannel)
			}
		})
	}
}

func TestUnsubscribeButtonRecordsLinkChannel(t *testing.T) {
	env := newLeaveEnv(t)
	sub := env.active(t, "button@example.org")
	path := "/unsubscribe/" + env.links.Make(store.PurposeUnsubscribe, sub.ID, 0)
	resp, _ := env.do(t, "POST", path, "application/x-www-form-urlencoded", strings.NewReader(""),
		map[string]string{"Sec-Fetch-Site": "same-origin"})
	if got := env.status(t, sub.ID); resp.StatusCode != 200 || got.UnsubscribeChannel != store.ChannelLink {
		t.Fatalf("%d %s", resp.StatusCode, got.UnsubscribeChannel)
	}
}

func TestBadUnsubscribeTokensChangeNothing(t *testing.T) {
	env := newLeaveEnv(t)
	sub := env.active(t, "safe@example.org")
	good := env.links.Make(store.PurposeUnsubscribe, sub.ID, 0)
	other := store.NewSigner("another secret", env.clock.Now).Make(store.PurposeUnsubscribe, sub.ID, 0)
	for name, token := range map[string]string{
		"tampered":      good[:len(good)-2] + "AA",
		"truncated":     good[:len(good)/2],
		"other purpose": env.links.Make(store.PurposePreferences, sub.ID, 0),
		"other key":     other,
		"garbage":       "not-a-token",
	} {
		for _, method := range []string{"GET", "POST"} {
			resp, body := env.do(t, method, "/unsubscribe/"+token, "application/x-www-form-urlencoded",
				strings.NewReader("List-Unsubscribe=One-Click"), nil)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Lien non valide") {
				t.Errorf("%s %s: %d", name, method, resp.StatusCode)
			}
		}
	}
	if got := env.status(t, sub.ID); got.Status != store.StatusActive {
		t.Fatalf("unsubscribed by a bad token: %s", got.Status)
	}
}

func TestUnsubscribeAfterErasureStillAnswers200(t *testing.T) {
	env := newLeaveEnv(t)
	sub := env.active(t, "gone@example.org")
	env.store.Erase(context.Background(), "gone@example.org")
	resp, _ := env.do(t, "POST", "/unsubscribe/"+env.links.Make(store.PurposeUnsubscribe, sub.ID, 0),
		"application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"), nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%d", resp.StatusCode)
	}
}
