package server_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caravan-news/caravan/mailer/bounce"
	"github.com/caravan-news/caravan/server"
	"github.com/caravan-news/caravan/store"
)

// relayCase is one webhook request and the status it must get. body holds
// {{EMAIL}} for a fresh reader's address; sign, when set, turns the body into
// what the relay sends (signed, or signed then tampered with) and its headers.
// Afterwards the reader must have status want (active when empty; "soft": active
// with one soft bounce).
type relayCase struct {
	name string
	body string
	sign func(body string) (string, map[string]string)
	code int
	want string
}

// runRelayCases posts each case to path on one server with relays.
func runRelayCases(t *testing.T, relays server.Relays, path string, cases []relayCase) {
	t.Helper()
	env := newLeaveEnvWith(t, "http://localhost:8080", relays)
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			email := fmt.Sprintf("reader%d@example.net", i)
			sub := env.active(t, email)
			body, header := strings.ReplaceAll(tc.body, "{{EMAIL}}", email), map[string]string{}
			if tc.sign != nil {
				body, header = tc.sign(body)
			}
			if header == nil {
				header = map[string]string{}
			}
			if header["Authorization"] == "" {
				header["Authorization"] = "Bearer " + adminToken
			}
			resp, answer := env.do(t, "POST", path, "application/json", strings.NewReader(body), header)
			if resp.StatusCode != tc.code {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.code, answer)
			}
			got := env.status(t, sub.ID)
			want, soft := tc.want, 0
			switch want {
			case "":
				want = store.StatusActive
			case "soft":
				want, soft = store.StatusActive, 1
			}
			if got.Status != want || got.SoftBounces != soft {
				t.Fatalf("reader is %s with %d soft bounces, want %s with %d (answer %s)", got.Status, got.SoftBounces, want, soft, answer)
			}
		})
	}
}

func TestPostmarkWebhook(t *testing.T) {
	const hard = `{"RecordType":"Bounce","ID":4323372036854775807,"Type":"HardBounce","TypeCode":1,"Name":"Hard bounce",
		"Tag":"digest","MessageID":"883953f4-6105-42a2-a16a-77a8eac79483","ServerID":23,"MessageStream":"broadcast",
		"Description":"The server was unable to deliver your message (ex: unknown user, mailbox not found).",
		"Details":"smtp;550 5.1.1 The email account that you tried to reach does not exist.","Email":"{{EMAIL}}",
		"From":"newsletter@example.org","BouncedAt":"2026-12-04T07:01:12Z","DumpAvailable":true,"Inactive":true,
		"CanActivate":true,"Subject":"2 nouveaux articles","Metadata":{}}`
	basic := func(pass string) func(string) (string, map[string]string) {
		return func(body string) (string, map[string]string) {
			return body, map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("caravan:"+pass))}
		}
	}
	runRelayCases(t, server.Relays{}, "/api/admin/bounces/postmark", []relayCase{
		{name: "hard bounce", body: hard, code: 200, want: store.StatusBounced},
		{name: "token as basic auth password", body: hard, sign: basic(adminToken), code: 200, want: store.StatusBounced},
		{name: "wrong basic auth", body: hard, sign: basic("wrong"), code: 401},
		{name: "soft bounce", body: strings.Replace(hard, `"Type":"HardBounce"`, `"Type":"SoftBounce"`, 1), code: 200, want: "soft"},
		{name: "transient delay", body: strings.Replace(hard, `"Type":"HardBounce"`, `"Type":"Transient"`, 1), code: 200},
		{name: "blocked by policy", body: strings.Replace(hard, `"Type":"HardBounce"`, `"Type":"Blocked"`, 1), code: 200},
		{name: "spam complaint", body: `{"RecordType":"SpamComplaint","ID":42,"Type":"SpamComplaint","TypeCode":512,
			"Name":"Spam complaint","Email":"{{EMAIL}}","BouncedAt":"2026-12-04T09:00:00Z","Inactive":true}`, code: 200, want: store.StatusBounced},
		{name: "delivery record", body: `{"RecordType":"Delivery","Recipient":"{{EMAIL}}"}`, code: 400},
		{name: "not JSON", body: `RecordType=Bounce`, code: 400},
	})
}

func TestMailgunWebhook(t *testing.T) {
	const key = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0"
	body := func(event, severity, reason, code, message string) string {
		return `{"signature":{"token":"TOKEN","timestamp":"1733295672","signature":"SIG"},
			"event-data":{"id":"CCXMjJ7nQi2N3BPigGOdgQ","timestamp":1733295672.51,"log-level":"error","event":"` + event + `",
			"severity":"` + severity + `","reason":"` + reason + `","recipient":"{{EMAIL}}","recipient-domain":"example.net",
			"envelope":{"sender":"bounces@example.org","transport":"smtp","targets":"{{EMAIL}}"},
			"delivery-status":{"attempt-no":1,"code":` + code + `,"message":"` + message + `","description":"","session-seconds":0.4},
			"message":{"headers":{"to":"{{EMAIL}}","message-id":"digest.abc@example.org","from":"newsletter@example.org","subject":"2 nouveaux articles"}}}}`
	}
	var tokens atomic.Int64
	sign := func(k string) func(string) (string, map[string]string) {
		return func(b string) (string, map[string]string) {
			token := fmt.Sprintf("%050d", tokens.Add(1))
			ts := fmt.Sprint(time.Now().Unix())
			mac := hmac.New(sha256.New, []byte(k))
			mac.Write([]byte(ts + token))
			b = strings.NewReplacer(`"TOKEN"`, `"`+token+`"`, `"1733295672"`, `"`+ts+`"`).Replace(b)
			return strings.Replace(b, `"SIG"`, `"`+hex.EncodeToString(mac.Sum(nil))+`"`, 1), nil
		}
	}
	old := func(b string) (string, map[string]string) {
		token := strings.Repeat("9", 50)
		mac := hmac.New(sha256.New, []byte(key))
		mac.Write([]byte("1733295672" + token))
		b = strings.Replace(b, `"TOKEN"`, `"`+token+`"`, 1)
		return strings.Replace(b, `"SIG"`, `"`+hex.EncodeToString(mac.Sum(nil))+`"`, 1), nil
	}
	hard := body("failed", "permanent", "bounce", "550", "5.1.1 The email account that you tried to reach does not exist.")
	runRelayCases(t, server.Relays{Mailgun: &bounce.Mailgun{SigningKey: key}}, "/api/admin/bounces/mailgun", []relayCase{
		{name: "hard bounce", body: hard, sign: sign(key), code: 200, want: store.StatusBounced},
		{name: "policy refusal", body: body("failed", "permanent", "bounce", "550", "5.7.1 Message rejected as spam"), sign: sign(key), code: 200},
		{name: "mailbox full", body: body("failed", "permanent", "bounce", "552", "5.2.2 Mailbox full"), sign: sign(key), code: 200, want: "soft"},
		{name: "already on mailgun's bounce list", body: body("failed", "permanent", "suppress-bounce", "605", "Not delivering to previously bounced address"), sign: sign(key), code: 200, want: store.StatusBounced},
		{name: "temporary", body: body("failed", "temporary", "generic", "452", "4.2.2 Over quota"), sign: sign(key), code: 200},
		{name: "complaint", body: body("complained", "", "", "0", ""), sign: sign(key), code: 200, want: store.StatusBounced},
		{name: "other key", body: hard, sign: sign("key-other"), code: 403},
		{name: "unsigned", body: hard, code: 403},
		{name: "signed two years ago", body: hard, sign: old, code: 403},
		{name: "not JSON", body: "event=failed", code: 400},
	})
	runRelayCases(t, server.Relays{}, "/api/admin/bounces/mailgun", []relayCase{
		{name: "not set up", body: hard, sign: sign(key), code: 503},
	})

	// Mailgun signs a token, not the body: a captured signature carries nothing else.
	env := newLeaveEnvWith(t, "http://localhost:8080", server.Relays{Mailgun: &bounce.Mailgun{SigningKey: key}})
	first, victim := env.active(t, "first@example.net"), env.active(t, "victim@example.net")
	signed, _ := sign(key)(strings.ReplaceAll(hard, "{{EMAIL}}", first.Email))
	if resp, body := env.admin(t, "POST", "/api/admin/bounces/mailgun", signed); resp.StatusCode != 200 {
		t.Fatalf("first use: %d %s", resp.StatusCode, body)
	}
	replayed := strings.ReplaceAll(signed, first.Email, victim.Email)
	if resp, body := env.admin(t, "POST", "/api/admin/bounces/mailgun", replayed); resp.StatusCode != 403 {
		t.Fatalf("replayed signature: %d %s", resp.StatusCode, body)
	}
	if got := env.status(t, victim.ID); got.Status != store.StatusActive {
		t.Fatalf("victim is %s", got.Status)
	}
}

func TestSendGridWebhook(t *testing.T) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := bounce.ParseSendGridKey(base64.StdEncoding.EncodeToString(der)) // as the dashboard shows it
	if err != nil {
		t.Fatal(err)
	}
	sign := func(key *ecdsa.PrivateKey) func(string) (string, map[string]string) {
		return func(body string) (string, map[string]string) {
			ts := fmt.Sprint(time.Now().Unix())
			sum := sha256.Sum256([]byte(ts + body))
			sig, err := ecdsa.SignASN1(rand.Reader, key, sum[:])
			if err != nil {
				t.Fatal(err)
			}
			return body, map[string]string{bounce.SendGridSignatureHeader: base64.StdEncoding.EncodeToString(sig),
				bounce.SendGridTimestampHeader: ts}
		}
	}
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tampered := func(body string) (string, map[string]string) {
		_, h := sign(priv)(body)
		return strings.Replace(body, `"processed"`, `"spamreport"`, 1), h
	}
	event := func(fields string) string {
		return `{"email":"{{EMAIL}}","timestamp":1733295672,"smtp-id":"<digest.abc@example.org>",` + fields +
			`,"sg_event_id":"sg_event_id","sg_message_id":"sg_message_id"}`
	}
	bounced := event(`"event":"bounce","type":"bounce","bounce_classification":"Invalid Address","reason":"550 5.1.1 The email account that you tried to reach does not exist.","status":"5.1.1"`)
	runRelayCases(t, server.Relays{SendGrid: &bounce.SendGrid{PublicKey: pub}}, "/api/admin/bounces/sendgrid", []relayCase{
		{name: "bounce", body: "[" + bounced + "]", sign: sign(priv), code: 200, want: store.StatusBounced},
		{name: "batch with delivered and processed", body: "[" + event(`"event":"processed"`) + "," + event(`"event":"delivered","response":"250 OK"`) + "," + bounced + "]",
			sign: sign(priv), code: 200, want: store.StatusBounced},
		{name: "blocked", body: "[" + event(`"event":"bounce","type":"blocked","bounce_classification":"Reputation","reason":"550 5.7.1 blocked","status":"5.7.1"`) + "]", sign: sign(priv), code: 200},
		{name: "deferred", body: "[" + event(`"event":"deferred","response":"400 try again later","attempt":"5"`) + "]", sign: sign(priv), code: 200},
		{name: "spam report", body: "[" + event(`"event":"spamreport"`) + "]", sign: sign(priv), code: 200, want: store.StatusBounced},
		{name: "dropped, bounced before", body: "[" + event(`"event":"dropped","reason":"Bounced Address","status":"5.0.0"`) + "]", sign: sign(priv), code: 200, want: store.StatusBounced},
		{name: "other key", body: "[" + bounced + "]", sign: sign(other), code: 403},
		{name: "body changed after signing", body: "[" + event(`"event":"processed"`) + "]", sign: tampered, code: 403},
		{name: "unsigned", body: "[" + bounced + "]", code: 403},
		{name: "not an array", body: bounced, sign: sign(priv), code: 400},
	})
}

// snsFixture is a signing certificate served over HTTPS on loopback, as Amazon
// SNS serves its own, with the key that signs messages, and the subscription
// confirmations it was asked for.
type snsFixture struct {
	key       *rsa.PrivateKey
	srv       *httptest.Server
	confirmed atomic.Int32
}

func newSNSFixture(t *testing.T) *snsFixture {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sns.amazonaws.com"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	f := &snsFixture{key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /SimpleNotificationService-test.pem", func(w http.ResponseWriter, _ *http.Request) {
		_ = pem.Encode(w, &pem.Block{Type: "CERTIFICATE", Bytes: der})
	})
	mux.HandleFunc("GET /confirm", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("Action") == "ConfirmSubscription" && r.URL.Query().Get("Token") == "tok3n" {
			f.confirmed.Add(1)
		}
		_, _ = w.Write([]byte("<ConfirmSubscriptionResponse/>"))
	})
	f.srv = httptest.NewTLSServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// relays is the SNS checker allowing the fixture's host only.
func (f *snsFixture) relays() server.Relays {
	return server.Relays{SNS: &bounce.SNS{Hosts: regexp.MustCompile(`^127\.0\.0\.1$`), Client: f.srv.Client()}}
}

// message signs an SNS message of type typ carrying msg, SignatureVersion 2.
func (f *snsFixture) message(t *testing.T, typ, msg string) string {
	t.Helper()
	m := map[string]string{"Type": typ, "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
		"TopicArn": "arn:aws:sns:eu-west-1:123456789012:caravan-ses", "Message": msg,
		"Timestamp": "2026-12-04T06:01:12.345Z", "SignatureVersion": "2",
		"SigningCertURL": f.srv.URL + "/SimpleNotificationService-test.pem"}
	fields := []string{"Message", "MessageId"}
	if typ == "Notification" {
		m["UnsubscribeURL"] = f.srv.URL + "/unsubscribe"
		fields = append(fields, "Timestamp", "TopicArn", "Type")
	} else {
		m["Token"], m["SubscribeURL"] = "tok3n", f.srv.URL+"/confirm?Action=ConfirmSubscription&Token=tok3n"
		fields = append(fields, "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type")
	}
	var text strings.Builder
	for _, k := range fields {
		text.WriteString(k + "\n" + m[k] + "\n")
	}
	sum := sha256.Sum256([]byte(text.String()))
	sig, err := rsa.SignPKCS1v15(rand.Reader, f.key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	m["Signature"] = base64.StdEncoding.EncodeToString(sig)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSESWebhook(t *testing.T) {
	f := newSNSFixture(t)
	ses := func(n string) func(string) (string, map[string]string) {
		return func(email string) (string, map[string]string) {
			return f.message(t, "Notification", strings.ReplaceAll(n, "{{EMAIL}}", email)), nil
		}
	}
	const hard = `{"notificationType":"Bounce","bounce":{"bounceType":"Permanent","bounceSubType":"General",
		"bouncedRecipients":[{"emailAddress":"{{EMAIL}}","action":"failed","status":"5.1.1","diagnosticCode":"smtp; 550 5.1.1 user unknown"}],
		"timestamp":"2026-12-04T06:01:12.000Z","feedbackId":"0102018c-example","reportingMTA":"dsn; a1-2.smtp-out.eu-west-1.amazonses.com"},
		"mail":{"timestamp":"2026-12-04T06:01:10.000Z","source":"newsletter@example.org","messageId":"0102018c-mail","destination":["{{EMAIL}}"]}}`
	const complaint = `{"notificationType":"Complaint","complaint":{"complainedRecipients":[{"emailAddress":"{{EMAIL}}"}],
		"timestamp":"2026-12-04T09:00:00.000Z","feedbackId":"0102018c-fb","userAgent":"Yahoo!-Mail-Feedback/2.0","complaintFeedbackType":"abuse"},
		"mail":{"source":"newsletter@example.org","destination":["{{EMAIL}}"]}}`
	// The body is the address here: ses() builds the signed SNS message around it.
	runRelayCases(t, f.relays(), "/api/admin/bounces/ses", []relayCase{
		{name: "hard bounce", body: "{{EMAIL}}", sign: ses(hard), code: 200, want: store.StatusBounced},
		{name: "complaint", body: "{{EMAIL}}", sign: ses(complaint), code: 200, want: store.StatusBounced},
		{name: "mailbox full", body: "{{EMAIL}}", sign: ses(strings.NewReplacer(`"Permanent","bounceSubType":"General"`, `"Transient","bounceSubType":"MailboxFull"`,
			`"status":"5.1.1","diagnosticCode":"smtp; 550 5.1.1 user unknown"`, `"status":"4.2.2"`).Replace(hard)), code: 200, want: "soft"},
		{name: "content rejected", body: "{{EMAIL}}", sign: ses(strings.NewReplacer(`"bounceSubType":"General"`, `"bounceSubType":"ContentRejected"`,
			`"status":"5.1.1","diagnosticCode":"smtp; 550 5.1.1 user unknown"`, `"status":"5.7.1"`).Replace(hard)), code: 200},
		{name: "delivery", body: "{{EMAIL}}", sign: ses(`{"notificationType":"Delivery","delivery":{"recipients":["{{EMAIL}}"]}}`), code: 200},
		{name: "message changed after signing", body: "{{EMAIL}}", sign: func(email string) (string, map[string]string) {
			signed := f.message(t, "Notification", strings.ReplaceAll(hard, "{{EMAIL}}", "someone@example.net"))
			return strings.Replace(signed, "someone@example.net", email, 1), nil
		}, code: 403},
		{name: "certificate from another host", body: "{{EMAIL}}", sign: func(email string) (string, map[string]string) {
			signed := f.message(t, "Notification", strings.ReplaceAll(hard, "{{EMAIL}}", email))
			return strings.Replace(signed, `"SigningCertURL":"https://127.0.0.1`, `"SigningCertURL":"https://localhost`, 1), nil
		}, code: 403},
		{name: "not JSON", body: "Type=Notification", code: 400},
		{name: "no token", body: "{{EMAIL}}", sign: func(email string) (string, map[string]string) {
			return f.message(t, "Notification", strings.ReplaceAll(hard, "{{EMAIL}}", email)), map[string]string{"Authorization": "Basic Og=="}
		}, code: 401},
	})

	env := newLeaveEnvWith(t, "http://localhost:8080", f.relays())
	resp, body := env.admin(t, "POST", "/api/admin/bounces/ses", f.message(t, "SubscriptionConfirmation",
		"You have chosen to subscribe to the topic arn:aws:sns:eu-west-1:123456789012:caravan-ses."))
	if resp.StatusCode != 200 || f.confirmed.Load() != 1 {
		t.Fatalf("subscription confirmation: %d %s, %d confirmations", resp.StatusCode, body, f.confirmed.Load())
	}
}

func TestWebhookList(t *testing.T) {
	env := newLeaveEnv(t)
	if err := env.store.EnqueueWebhook(t.Context(), store.WebhookConfirmed, store.WebhookSubscriber{ID: 1, Email: "a@example.org"}); err != nil {
		t.Fatal(err)
	}
	resp, body := env.admin(t, "GET", "/api/admin/webhooks?status=pending", "")
	if resp.StatusCode != 200 || !strings.Contains(body, `"webhooks":[]`) {
		t.Fatalf("a store without webhooks queued something: %d %s", resp.StatusCode, body)
	}
	if resp, body := env.admin(t, "GET", "/api/admin/webhooks?status=lost", ""); resp.StatusCode != 400 {
		t.Fatalf("bad status: %d %s", resp.StatusCode, body)
	}
}
