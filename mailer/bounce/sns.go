package bounce

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
)

// SNSHosts is where Amazon SNS serves its signing certificates and
// subscription confirmations; nothing else is fetched.
var SNSHosts = regexp.MustCompile(`^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$`)

// SNS checks the messages Amazon SNS posts to an HTTPS endpoint and confirms
// subscriptions. It is safe for concurrent use.
type SNS struct {
	// Hosts allows the hosts of SigningCertURL and SubscribeURL (SNSHosts when nil).
	Hosts *regexp.Regexp
	// Client fetches certificates and confirms subscriptions (http.DefaultClient when nil).
	Client *http.Client

	mu    sync.Mutex
	certs map[string]*x509.Certificate // by URL
}

// SNSMessage is an SNS message whose signature verified.
type SNSMessage struct {
	Type, MessageID, TopicArn, Subject, Message, Timestamp string
	Token, SubscribeURL                                    string
	SignatureVersion, Signature, SigningCertURL            string
}

// snsMessage is the JSON SNS posts.
type snsMessage struct {
	Type             string `json:"Type"`
	MessageID        string `json:"MessageId"`
	TopicArn         string `json:"TopicArn"`
	Subject          string `json:"Subject"`
	Message          string `json:"Message"`
	Timestamp        string `json:"Timestamp"`
	Token            string `json:"Token"`
	SubscribeURL     string `json:"SubscribeURL"`
	SignatureVersion string `json:"SignatureVersion"`
	Signature        string `json:"Signature"`
	SigningCertURL   string `json:"SigningCertURL"`
}

// Open checks the signature of an SNS message with the certificate at its
// SigningCertURL, which must be https on an allowed host.
func (s *SNS) Open(ctx context.Context, body []byte) (*SNSMessage, error) {
	var m snsMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPayload, err)
	}
	text, err := snsStringToSign(m)
	if err != nil {
		return nil, err
	}
	sig, err := base64.StdEncoding.DecodeString(m.Signature)
	if err != nil {
		return nil, fmt.Errorf("%w: Signature is not base64", ErrSignature)
	}
	var hash crypto.Hash
	var sum []byte
	switch m.SignatureVersion {
	case "1":
		h := sha1.Sum([]byte(text))
		hash, sum = crypto.SHA1, h[:]
	case "2":
		h := sha256.Sum256([]byte(text))
		hash, sum = crypto.SHA256, h[:]
	default:
		return nil, fmt.Errorf("%w: SignatureVersion %q", ErrSignature, m.SignatureVersion)
	}
	cert, err := s.cert(ctx, m.SigningCertURL)
	if err != nil {
		return nil, err
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok || rsa.VerifyPKCS1v15(pub, hash, sum, sig) != nil {
		return nil, ErrSignature
	}
	msg := SNSMessage(m)
	return &msg, nil
}

// snsStringToSign is the text SNS signs: chosen fields, each as its name, a
// newline, its value and a newline, in byte order of the names.
func snsStringToSign(m snsMessage) (string, error) {
	var fields []string
	switch m.Type {
	case "Notification":
		fields = []string{"Message", m.Message, "MessageId", m.MessageID}
		if m.Subject != "" {
			fields = append(fields, "Subject", m.Subject)
		}
		fields = append(fields, "Timestamp", m.Timestamp, "TopicArn", m.TopicArn, "Type", m.Type)
	case "SubscriptionConfirmation", "UnsubscribeConfirmation":
		fields = []string{"Message", m.Message, "MessageId", m.MessageID, "SubscribeURL", m.SubscribeURL,
			"Timestamp", m.Timestamp, "Token", m.Token, "TopicArn", m.TopicArn, "Type", m.Type}
	default:
		return "", fmt.Errorf("%w: Type %q is not an SNS message type", ErrPayload, m.Type)
	}
	var b strings.Builder
	for _, f := range fields {
		b.WriteString(f)
		b.WriteByte('\n')
	}
	return b.String(), nil
}

// Confirm visits the SubscribeURL of a verified SubscriptionConfirmation, which
// must be https on an allowed host.
func (s *SNS) Confirm(ctx context.Context, m *SNSMessage) error {
	if m.Type != "SubscriptionConfirmation" {
		return fmt.Errorf("%w: not a subscription confirmation", ErrPayload)
	}
	if err := s.allowed(m.SubscribeURL); err != nil {
		return err
	}
	resp, err := s.get(ctx, m.SubscribeURL)
	if err != nil {
		return fmt.Errorf("confirm SNS subscription: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("confirm SNS subscription: %s answered %s", hostOf(m.SubscribeURL), resp.Status)
	}
	return nil
}

// cert returns the certificate at raw, fetched once.
func (s *SNS) cert(ctx context.Context, raw string) (*x509.Certificate, error) {
	if err := s.allowed(raw); err != nil {
		return nil, err
	}
	s.mu.Lock()
	c := s.certs[raw]
	s.mu.Unlock()
	if c != nil {
		return c, nil
	}
	resp, err := s.get(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("fetch SNS signing certificate: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil || resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch SNS signing certificate: %s answered %s", hostOf(raw), resp.Status)
	}
	block, _ := pem.Decode(body)
	if block == nil {
		return nil, errors.New("SNS signing certificate is not PEM")
	}
	if c, err = x509.ParseCertificate(block.Bytes); err != nil {
		return nil, fmt.Errorf("SNS signing certificate: %w", err)
	}
	s.mu.Lock()
	if s.certs == nil {
		s.certs = map[string]*x509.Certificate{}
	}
	s.certs[raw] = c
	s.mu.Unlock()
	return c, nil
}

// allowed checks that raw is https on an allowed host.
func (s *SNS) allowed(raw string) error {
	hosts := s.Hosts
	if hosts == nil {
		hosts = SNSHosts
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || !hosts.MatchString(u.Hostname()) || u.User != nil {
		return fmt.Errorf("%w: %q is not an https URL of Amazon SNS", ErrSignature, raw)
	}
	return nil
}

func (s *SNS) get(ctx context.Context, raw string) (*http.Response, error) {
	client := s.Client
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return nil, err
	}
	return client.Do(req)
}

func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Host
	}
	return ""
}
