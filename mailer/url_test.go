package mailer

import (
	"strings"
	"testing"
)

func TestParseURL(t *testing.T) {
	good := []struct {
		name string
		url  string
		want target
		addr string
	}{
		{"defaults to starttls on 587", "smtp://mail.example.com",
			target{host: "mail.example.com", port: 587, tls: tlsStartTLS}, "mail.example.com:587"},
		{"implicit tls on 465", "smtp://mail.example.com?tls=tls",
			target{host: "mail.example.com", port: 465, tls: tlsImplicit}, "mail.example.com:465"},
		{"no tls on 587", "smtp://mail.example.com/?tls=none",
			target{host: "mail.example.com", port: 587, tls: tlsNone}, "mail.example.com:587"},
		{"explicit port 25 stays 25", "smtp://mx.example.com:25?tls=starttls",
			target{host: "mx.example.com", port: 25, tls: tlsStartTLS}, "mx.example.com:25"},
		{"user and password are URL-decoded", "smtp://news%40caravan.example:p%40ss%3Aw%2Frd%20%25@mail.example.com:2525?tls=none",
			target{host: "mail.example.com", port: 2525, tls: tlsNone, user: "news@caravan.example", pass: "p@ss:w/rd %"},
			"mail.example.com:2525"},
		{"user without password", "smtp://apikey@mail.example.com",
			target{host: "mail.example.com", port: 587, tls: tlsStartTLS, user: "apikey"}, "mail.example.com:587"},
		{"IPv6 literal", "smtp://[::1]:2525?tls=none",
			target{host: "::1", port: 2525, tls: tlsNone}, "[::1]:2525"},
	}
	for _, tc := range good {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseURL(tc.url)
			if err != nil {
				t.Fatalf("parseURL(%q): %v", tc.url, err)
			}
			if got != tc.want {
				t.Errorf("parseURL(%q) = %+v, want %+v", tc.url, got, tc.want)
			}
			if got.addr() != tc.addr {
				t.Errorf("addr() = %q, want %q", got.addr(), tc.addr)
			}
		})
	}

	bad := []struct {
		name string
		url  string
		want string // the whole error message
	}{
		{"unknown tls mode", "smtp://mail.example.com?tls=x",
			`CARAVAN_SMTP_URL (--smtp-url): unknown tls mode "x" (want starttls, tls or none)`},
		{"wrong scheme", "https://mail.example.com",
			`CARAVAN_SMTP_URL (--smtp-url): scheme "https" not supported (want smtp://)`},
		{"no scheme", "mail.example.com:587",
			"CARAVAN_SMTP_URL (--smtp-url): missing scheme (want smtp://host:port)"},
		{"no host", "smtp://", "CARAVAN_SMTP_URL (--smtp-url): missing host (want smtp://host:port)"},
		{"no slashes", "smtp:mail.example.com", "CARAVAN_SMTP_URL (--smtp-url): missing scheme (want smtp://host:port)"},
		{"port zero", "smtp://mail.example.com:0",
			`CARAVAN_SMTP_URL (--smtp-url): port "0" out of range (want 1-65535)`},
		{"port too big", "smtp://mail.example.com:70000",
			`CARAVAN_SMTP_URL (--smtp-url): port "70000" out of range (want 1-65535)`},
		{"path", "smtp://mail.example.com/inbox", `CARAVAN_SMTP_URL (--smtp-url): unexpected path "/inbox"`},
		{"misspelt parameter", "smtp://mail.example.com?tsl=none",
			`CARAVAN_SMTP_URL (--smtp-url): unknown parameter "tsl" (want tls)`},
		{"password without user", "smtp://:secret@mail.example.com",
			"CARAVAN_SMTP_URL (--smtp-url): password given without a user name"},
		{"unparsable, password kept out", "smtp://user:s3cret@mail.example.com:abc",
			`CARAVAN_SMTP_URL (--smtp-url): not a valid URL: invalid port ":abc" after host`},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseURL(tc.url)
			if err == nil {
				t.Fatalf("parseURL(%q) succeeded, want error", tc.url)
			}
			if err.Error() != tc.want {
				t.Errorf("parseURL(%q) error\n got %q\nwant %q", tc.url, err, tc.want)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error %q leaks the password", err)
			}
		})
	}
}
